"""Vectorize once: a run's vocabulary and vectorized splits, kept on disk for the next run on the same data.

With ``data.cache: true`` a run looks in ``<output_dir>/.cache/features/<key>/``.
The key is a sha256 of what the features depend on: every text and label
(the corpus fingerprint), the data settings and seed that split and
vectorize them, the input kind and textclf's version. Another model, learning
rate or epoch count on the same data finds the folder and skips learning the
vocabulary and vectorizing; changed data or vectorizer settings give another
key, so a stale folder is never read.

A folder is written under a temporary name and renamed into place only once
the vocabulary and the training and validation splits are in it; the test
split is added later as one file renamed into place. A run killed while
writing leaves a temporary folder that no run reads. Two runs writing the
same key: the first rename wins, and the second discards its copy.

A streamed run's folder (``data.stream``) holds the vocabulary alone at
first; each split is then vectorized once, in blocks of at most
``BLOCK`` texts, into a subfolder renamed into place when the
last block is written (``write_blocks``), and read back a block at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from textclf import faults
from textclf.config import Config
from textclf.version import __version__

FOLDER = Path(".cache") / "features"  # under the config's output_dir
REQUIRED = ("meta.json", "vocabulary.txt", "train.npz", "validation.npz")
BLOCK = 16_384  # texts of a streamed split per block: read whole and shuffled within, as a stream's buffer
BLOCK_ARRAYS = {"ids": np.int32, "row_splits": np.int64, "values": np.float32, "labels": np.int32}  # a block's files


def key(cfg: Config, kind_name: str, fingerprint: str) -> str:
    """What the features depend on, hashed: not the data's paths, which may move, but its content."""
    settings = cfg.data.model_dump(mode="json", exclude={"path", "test_path"})
    described = json.dumps({"data": settings, "seed": cfg.seed, "kind": kind_name, "fingerprint": fingerprint,
                            "textclf": __version__}, sort_keys=True)
    return hashlib.sha256(described.encode()).hexdigest()[:32]


class FeatureCache:
    """One key's folder: ``load`` what an earlier run wrote, ``save`` what this run vectorized."""

    def __init__(self, cfg: Config, kind, corpus):
        """``corpus``: the data stage's corpus, whose fingerprint keys the folder, read as a stream or not."""
        self.kind = kind
        self.folder = Path(cfg.output_dir) / FOLDER / key(cfg, kind.name, corpus.fingerprint)
        # a stream's splits come later, as folders of blocks
        self.required = REQUIRED[:2] if corpus.streamed else REQUIRED

    def complete(self) -> bool:
        return all((self.folder / name).is_file() for name in self.required)

    def load(self, vectorizer) -> dict | None:
        """Set ``vectorizer``'s vocabulary and return the cached splits' features; None where there are none."""
        if not self.complete():
            return None
        from textclf.features import vocabulary_table

        try:
            meta = json.loads((self.folder / "meta.json").read_text(encoding="utf-8"))
            terms = (self.folder / "vocabulary.txt").read_bytes().split(b"\n")
            idf = np.load(self.folder / "idf.npy") if (self.folder / "idf.npy").is_file() else None
            splits = {name: self._features(name, meta) for name in ("train", "validation", "test")
                      if (self.folder / f"{name}.npz").is_file()}
            vocabulary_table.restore_vocabulary(vectorizer, terms, meta["specials"], idf)
        except (OSError, ValueError, KeyError, IndexError, TypeError):  # damaged (bytes that are no text too)
            print(f"warning: data.cache: {self.folder} is damaged; vectorizing again", flush=True)
            shutil.rmtree(self.folder, ignore_errors=True)  # rewritten whole by this run's save
            return None
        return splits

    def _features(self, name: str, meta: dict):
        with np.load(self.folder / f"{name}.npz") as arrays:
            return self.kind.from_arrays({key: arrays[key] for key in arrays.files}, meta["width"])

    def save(self, vectorizer, splits: dict) -> None:
        """Write the vocabulary and the training and validation features, then rename the folder into place;
        where the cache cannot be written (a read-only disk, a file named ``.cache``), train without it."""
        try:
            self._save(vectorizer, splits)
        except OSError as exc:
            print(f"warning: data.cache: cannot write {self.folder} ({exc.strerror or exc}); training without "
                  "the cache", flush=True)

    def _save(self, vectorizer, splits: dict) -> None:
        from textclf.features import vocabulary_table

        terms, specials = vocabulary_table.vocabulary_for_cache(vectorizer)
        width = int(vectorizer.vocabulary_size())
        if width <= specials or self.complete():  # no term learned (nothing to restore), or kept already
            return
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".incomplete-", dir=self.folder.parent))
        (staging / "vocabulary.txt").write_bytes(terms)
        idf = vocabulary_table.idf_weights(vectorizer)
        if idf is not None:
            np.save(staging / "idf.npy", idf)
        for name, features in splits.items():
            np.savez(staging / f"{name}.npz", **self.kind.to_arrays(features))
        (staging / "meta.json").write_text(json.dumps({"specials": specials, "width": width}), encoding="utf-8")
        if self.folder.exists() and not self.complete():  # half a folder from an older textclf, or a hand
            shutil.rmtree(self.folder, ignore_errors=True)
        try:
            os.rename(staging, self.folder)
        except OSError:  # another run put the same features there first
            shutil.rmtree(staging, ignore_errors=True)

    def blocks(self, name: str) -> list[Path] | None:
        """A streamed split's blocks (each a path prefix of its arrays' files), in order; None until a run has
        written all of them."""
        folder = self.folder / name
        if not (self.complete() and folder.is_dir()):
            return None
        return sorted(path.with_suffix("") for path in folder.glob("block-*.labels"))

    def write_blocks(self, name: str, blocks) -> None:
        """A streamed split's (features, labels) blocks, each array a raw file TensorFlow reads as it is; the
        folder renamed into place after the last block, so a run killed on the way leaves nothing a later run
        reads."""
        staging = Path(tempfile.mkdtemp(prefix=f".incomplete-{name}-", dir=self.folder))
        for number, (features, labels) in enumerate(blocks):
            prefix = staging / f"block-{number:06d}-{len(labels)}"
            for key, array in {**self.kind.to_arrays(features), "labels": labels}.items():
                np.ascontiguousarray(array, BLOCK_ARRAYS[key]).tofile(f"{prefix}.{key}")
            faults.kill_point("cache_block")
        try:
            os.rename(staging, self.folder / name)
        except OSError:  # another run wrote the split first
            shutil.rmtree(staging, ignore_errors=True)

    @staticmethod
    def block_rows(prefix: Path) -> int:
        return int(prefix.name.rsplit("-", 1)[1])

    def read_block(self, prefix: Path, width: int) -> tuple:
        """One block, read with NumPy: its features, as the input kind keeps them, and its labels."""
        arrays = {key: np.fromfile(f"{prefix}.{key}", dtype) for key, dtype in BLOCK_ARRAYS.items()
                  if Path(f"{prefix}.{key}").is_file()}
        labels = arrays.pop("labels")
        return self.kind.from_arrays(arrays, width), labels

    def add(self, name: str, features) -> None:
        """One more split (the test split, vectorized after training), renamed into the folder in one step."""
        if not self.complete() or (self.folder / f"{name}.npz").exists():
            return
        staging = self.folder / f".incomplete-{name}-{os.getpid()}.npz"
        try:
            np.savez(staging, **self.kind.to_arrays(features))
            os.replace(staging, self.folder / f"{name}.npz")
        except OSError:  # the cache went read-only since: the test split is vectorized again next time
            staging.unlink(missing_ok=True)

    def _written(self, name: str, vectorized) -> list[Path]:
        """The split's blocks: written from ``vectorized()`` the first time, else said to be reused."""
        blocks = self.blocks(name)
        if blocks is not None:
            print(f"vectorized {name}: reused from {self.folder}", flush=True)
            return blocks
        self.write_blocks(name, vectorized())
        return self.blocks(name)

    def sample_features(self, vectorizer, sample, cfg) -> tuple:
        """A streamed run's vocabulary sample, vectorized (NBSVM's ratios are counted on it): as one block,
        written the first time."""
        blocks = self._written("sample", lambda: [(self.kind.encode(
            vectorizer, sample.texts, cfg, "vectorizing the sample into the cache"), sample.labels)])
        return self.read_block(blocks[0], int(vectorizer.vocabulary_size()))

    def stream_batches(self, corpus, name: str, vectorizer, batch_size: int, cfg, shuffle_seed: int | None):
        """A streamed split's batches from its blocks, written in one pass over the files if none are there.

        All in ``tf.data``: an epoch takes the blocks in an order drawn for it,
        reads each whole, shuffles its rows (by a seed drawn per block and
        epoch) and hands them on in the chunks a stream would, which the input
        kind batches as it batches a stream: the same bound on shuffling as
        when the rows are streamed, and no text read or vectorized again.
        """
        import tensorflow as tf

        blocks = self._written(name, lambda: ((self.kind.encode(
            vectorizer, texts, cfg, f"vectorizing {name} into the cache"), labels)
            for texts, labels in corpus.chunks(name, BLOCK)))
        keys = [key for key in BLOCK_ARRAYS if Path(f"{blocks[0]}.{key}").is_file()]
        size = self.kind.stream_chunk(batch_size)

        def chunks(prefix, seed):
            read = {key: tf.io.decode_raw(tf.io.read_file(prefix + "." + key), BLOCK_ARRAYS[key]) for key in keys}
            ragged = {key: tf.RaggedTensor.from_row_splits(read[key], read["row_splits"], validate=False)
                      for key in ("ids", "values") if key in read}
            rows = tf.range(tf.size(read["labels"], out_type=tf.int64))
            if shuffle_seed is not None:
                rows = tf.random.experimental.stateless_shuffle(rows, seed=tf.stack([seed, 0]))

            def chunk(start):
                taken = rows[start:start + size]
                features = tuple(tf.gather(ragged[key], taken) for key in ragged)
                return features if len(features) > 1 else features[0], tf.gather(read["labels"], taken)
            return tf.data.Dataset.range(0, tf.size(rows, out_type=tf.int64), size).map(chunk)

        prefixes = tf.data.Dataset.from_tensor_slices([str(prefix) for prefix in blocks])
        if shuffle_seed is not None:
            prefixes = prefixes.shuffle(len(blocks), seed=shuffle_seed, reshuffle_each_iteration=True)
        seeds = tf.data.Dataset.random(seed=shuffle_seed, rerandomize_each_iteration=True)
        encoded = tf.data.Dataset.zip(prefixes, seeds).flat_map(chunks)
        return self.kind.encoded_batches(encoded, [self.block_rows(prefix) for prefix in blocks], batch_size, cfg,
                                         shuffle_seed)
