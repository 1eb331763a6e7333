"""Data stage: read raw texts, split them, vectorize once, serve tf.data pipelines.

Reading (``load_corpus``) is pure Python and NumPy; the TensorFlow half
(``make_vectorizer`` and friends) is imported only by the commands that train.
"""

from __future__ import annotations

import hashlib
import re
import sys
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textclf.config import DataConfig
from textclf.errors import TextclfError

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_CLASSES = ("neg", "pos")
_IMDB_MEMBER = re.compile(r"(?:^|/)aclImdb/(train|test)/(neg|pos)/([^/]+)\.txt$")


@dataclass(frozen=True)
class Split:
    texts: np.ndarray  # object array of str
    labels: np.ndarray  # int32 class indices

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class Corpus:
    train: Split
    validation: Split
    test: Split
    class_names: tuple[str, ...]
    fingerprint: str  # sha256 of every text and label, whatever the container
    location: str


def _sort_key(name: str) -> tuple[int, str]:
    stem = name.split("_", 1)[0]
    return (int(stem), name) if stem.isdigit() else (sys.maxsize, name)


class _Collector:
    """Gathers (split, label, file name, bytes) and decodes them leniently."""

    def __init__(self, origin: str):
        self.origin = origin
        self.items: dict[str, dict[str, list[tuple[str, str]]]] = {}
        self.undecodable = 0

    def add(self, split: str, label: str, name: str, raw: bytes) -> None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            self.undecodable += 1
        if not text.strip():
            raise TextclfError(f"{self.origin}: empty review {split}/{label}/{name}.txt")
        if "\x00" in text:
            raise TextclfError(f"{self.origin}: {split}/{label}/{name}.txt is not text (it holds NUL bytes)")
        self.items.setdefault(split, {}).setdefault(label, []).append((name, text))

    def splits(self) -> dict[str, Split]:
        if self.undecodable:
            print(f"warning: {self.undecodable} files in {self.origin} are not valid UTF-8; "
                  "undecodable bytes were replaced", file=sys.stderr)
        result = {}
        for split in ("train", "test"):
            per_label = self.items.get(split, {})
            missing = [label for label in IMDB_CLASSES if not per_label.get(label)]
            if missing:
                raise TextclfError(
                    f"{self.origin}: the {split} split has no {missing[0]} reviews (aclImdb/{split}/{missing[0]} "
                    "is empty or absent); a classifier needs examples of both classes"
                )
            texts, labels = [], []
            for index, label in enumerate(IMDB_CLASSES):
                for _, text in sorted(per_label[label], key=lambda item: _sort_key(item[0])):
                    texts.append(text)
                    labels.append(index)
            result[split] = Split(np.array(texts, dtype=object), np.array(labels, dtype=np.int32))
        return result


def _read_imdb_tar(path: Path) -> dict[str, Split]:
    collector = _Collector(str(path))
    try:
        with tarfile.open(path, "r:*") as archive:  # GzipFile: a cut-off archive raises EOFError
            for member in archive:
                match = _IMDB_MEMBER.search(member.name)
                if member.isfile() and match:
                    split, label, stem = match.groups()
                    collector.add(split, label, stem, archive.extractfile(member).read())
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(":")
        raise TextclfError(f"{path}: cannot read archive, corrupt or truncated ({reason})") from None
    return collector.splits()


def _read_imdb_dir(path: Path) -> dict[str, Split]:
    root = path / "aclImdb" if (path / "aclImdb").is_dir() else path
    collector = _Collector(str(path))
    for split in ("train", "test"):
        for label in IMDB_CLASSES:
            folder = root / split / label
            if not folder.is_dir():
                raise TextclfError(f"{path}: missing folder {split}/{label} (expected the aclImdb layout)")
            for file in folder.glob("*.txt"):
                collector.add(split, label, file.stem, file.read_bytes())
    return collector.splits()


def _imdb_archive(path: str | None) -> Path:
    if path is not None:
        return Path(path).expanduser()
    import keras  # only when downloading: keeps reading a local copy TensorFlow-free

    return Path(keras.utils.get_file("aclImdb_v1.tar.gz", IMDB_URL, cache_subdir="datasets"))


def read_imdb(path: str | None) -> tuple[dict[str, Split], str]:
    """Read IMDB's labeled reviews from a folder or archive (downloaded when no path)."""
    location = _imdb_archive(path)
    if not location.exists():
        raise TextclfError(f"data.path: {location} does not exist")
    if location.is_dir():
        return _read_imdb_dir(location), str(location)
    return _read_imdb_tar(location), str(location)


def _balanced_head(split: Split, limit: int, rng: np.random.Generator) -> Split:
    """At most ``limit`` examples, in equal shares per class, chosen at random."""
    classes = np.unique(split.labels)
    share = max(1, limit // len(classes))
    picked = np.concatenate([rng.permutation(np.flatnonzero(split.labels == c))[:share] for c in classes])
    picked.sort()
    return Split(split.texts[picked], split.labels[picked])


def _divide(split: Split, fraction: float, rng: np.random.Generator) -> tuple[Split, Split]:
    order = rng.permutation(len(split))
    n_held = max(1, int(round(len(split) * fraction)))
    held, kept = np.sort(order[:n_held]), np.sort(order[n_held:])
    return Split(split.texts[kept], split.labels[kept]), Split(split.texts[held], split.labels[held])


def fingerprint(splits: dict[str, Split]) -> str:
    digest = hashlib.sha256()
    for name in sorted(splits):
        for text, label in zip(splits[name].texts, splits[name].labels, strict=True):
            digest.update(f"{name}\t{label}\t".encode())
            digest.update(text.encode("utf-8", errors="replace"))
            digest.update(b"\0")
    return digest.hexdigest()


def load_corpus(cfg: DataConfig, seed: int) -> Corpus:
    """Read the configured source and split it into train / validation / test."""
    splits, location = read_imdb(cfg.path)
    rng = np.random.default_rng(seed)
    if cfg.limit is not None:
        splits = {name: _balanced_head(split, cfg.limit, rng) for name, split in splits.items()}
    for name, split in splits.items():
        if len(np.unique(split.labels)) < 2:
            raise TextclfError(f"{location}: the {name} split has only one class")
    train, validation = _divide(splits["train"], cfg.validation_split, rng)
    return Corpus(train, validation, splits["test"], IMDB_CLASSES, fingerprint(splits), location)


def make_vectorizer(cfg: DataConfig, input_kind: str):
    """A TextVectorization layer: sparse bag vectors or ragged token ids."""
    import keras

    from textclf.layers import standardize

    if input_kind == "bag":
        return keras.layers.TextVectorization(
            max_tokens=cfg.vocab_size,
            standardize=standardize,
            output_mode=cfg.output_mode,
            ngrams=cfg.ngrams if cfg.ngrams > 1 else None,
            sparse=cfg.output_mode != "tf_idf",  # Keras fails on sparse tf_idf output
            name="vectorizer",
        )
    return keras.layers.TextVectorization(
        max_tokens=cfg.vocab_size, standardize=standardize, ragged=True, name="vectorizer"
    )


def adapt(vectorizer, texts: np.ndarray) -> None:
    """Learn the vocabulary (and idf weights) from the training texts only."""
    import tensorflow as tf

    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(texts.astype(str)).batch(1024))


def encode(vectorizer, texts: np.ndarray, cfg: DataConfig, input_kind: str):
    """Vectorize texts once: a SparseTensor of bag vectors or ragged, truncated token ids."""
    import tensorflow as tf

    from textclf.layers import truncate

    features = vectorizer(tf.constant(texts.astype(str)))
    if input_kind == "bag":
        return features if isinstance(features, tf.SparseTensor) else tf.sparse.from_dense(features)
    return truncate(tf.cast(features, tf.int32), cfg.maxlen, cfg.truncating)


def bucket_boundaries(maxlen: int) -> list[int]:
    """Boundaries for ``bucket_by_sequence_length`` that reproduce ``layers.bucket_width``."""
    from textclf.layers import bucket_step

    step = bucket_step(maxlen)
    return [k * step + 1 for k in range(1, -(-maxlen // step))] + [maxlen + 1]


def _bag_dataset(bags, labels: np.ndarray, batch_size: int, shuffle_seed: int | None):
    """Bag vectors kept sparse in memory (as ragged rows), each batch made dense as it is served.

    Dense batches let the first layer run as a plain (XLA-compiled) matrix
    product, faster here than a sparse one and than slicing a SparseTensor row
    by row; the whole matrix is never dense.
    """
    import tensorflow as tf

    rows, width = bags.indices[:, 0], bags.dense_shape[1]
    columns = tf.RaggedTensor.from_value_rowids(bags.indices[:, 1], rows, nrows=bags.dense_shape[0])
    values = tf.RaggedTensor.from_value_rowids(tf.cast(bags.values, tf.float32), rows, nrows=bags.dense_shape[0])

    def densify(columns, values, label):
        index = tf.stack([columns.value_rowids(), columns.flat_values], axis=1)
        shape = tf.stack([tf.shape(label, out_type=tf.int64)[0], width])
        return tf.scatter_nd(index, values.flat_values, shape), label

    dataset = tf.data.Dataset.from_tensor_slices((columns, values, labels))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).map(densify, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def make_dataset(features, labels: np.ndarray, batch_size: int, cfg: DataConfig, shuffle_seed: int | None = None):
    """Batches of already-vectorized examples, reshuffled each epoch when a seed is given.

    Token sequences are batched with others of similar length and padded to
    their bucket's width (pre- or post- as configured), exactly as the saved
    model's ``SequencePadding`` pads them, so recurrent layers do not step
    through hundreds of padding positions.
    """
    import tensorflow as tf

    from textclf.layers import move_padding_first

    if isinstance(features, tf.SparseTensor):
        return _bag_dataset(features, labels, batch_size, shuffle_seed)
    dataset = tf.data.Dataset.from_tensor_slices((features, labels))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True)
    boundaries = bucket_boundaries(cfg.maxlen)
    dataset = dataset.map(lambda ids, label: (tf.identity(ids), label))  # ragged rows → tensors
    dataset = dataset.bucket_by_sequence_length(
        lambda ids, label: tf.shape(ids)[0],
        bucket_boundaries=boundaries,
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        pad_to_bucket_boundary=True,
    )
    if cfg.padding == "pre":
        dataset = dataset.map(lambda ids, label: (move_padding_first(ids), label))
    # Every bucket ends with one partial batch whatever the shuffle, so the number of
    # batches is fixed; telling tf.data gives Keras a progress-bar total from epoch 1.
    buckets = np.searchsorted(boundaries, features.row_lengths().numpy(), side="right")
    batches = int(sum(-(-count // batch_size) for count in np.bincount(buckets)))
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(tf.data.AUTOTUNE)
