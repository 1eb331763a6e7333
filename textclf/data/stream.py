"""Streamed tables (``data.stream: true``): the texts are read from their files when needed, never all held.

A first pass (``scan``) reads every row once and keeps what is small: each
row's split, chosen by a seeded hash of its text (no row count is needed,
and a text falls in the same split wherever it sits in the files), its
label (four bytes a text), a fingerprint, and a uniform sample of
``data.vocabulary_sample`` training texts that the vocabulary, and NBSVM's
ratios, are learned from. Each epoch then reads the files again through
``tf.data`` (``datasets``): the rows are shuffled in a bounded buffer as
they are read, and the input kind vectorizes and batches chunks of them. Memory is then
bounded by the sample and the buffers, not by the size of the data.
"""

from __future__ import annotations

import hashlib
import random
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from textclf.config import DataConfig
from textclf.data import tables
from textclf.data.labeled import EmptyTexts, Split, checked_text, sorted_labels
from textclf.errors import TextclfError
from textclf.progress import Progress

if TYPE_CHECKING:
    from textclf.training.distribute import Share  # TensorFlow: not for the process that reads ahead

SPLITS = ("train", "validation", "test")
READ_CHUNK = 512  # texts a step of the reading dataset hands over
STREAM_SHUFFLE = 16_384  # examples a training shuffle buffer holds: bounded memory, yet mixed batches


def hash_fraction(text: str, seed: int) -> float:
    """A number in [0, 1) fixed by the text and the seed: where the text falls in the split."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8,
                             key=seed.to_bytes(8, "little")).digest()
    return int.from_bytes(digest, "little") / 2**64


def split_of(text: str, seed: int, cfg: DataConfig, from_test_file: bool) -> str:
    """train, validation or test: ``data.test_split`` of the texts (unless a test file is given), then
    ``data.validation_split`` of the rest, each by the text's hash."""
    if from_test_file:
        return "test"
    share = hash_fraction(text, seed)
    if cfg.test_path is None:
        if share < cfg.test_split:
            return "test"
        share = (share - cfg.test_split) / (1 - cfg.test_split)
    return "validation" if share < cfg.validation_split else "train"


def _labeled_rows(cfg: DataConfig, share: Share | None = None, empty: EmptyTexts | None = None):
    """(from a test file, text, label) of every row of the data's files (a worker's: its share), in order;
    rows with an empty text are left out (``empty`` counts them, for the scan's warning) or refused."""
    form = tables.table_format(cfg)
    empty = empty or EmptyTexts(str(cfg.path), cfg.empty_text)
    for split, paths in tables.split_files(cfg.path, cfg.test_path):
        if share is not None:
            paths = share.files(paths, "data.test_path" if split == "test" else "data.path")
        for path in paths:
            for number, record in tables.checked_rows(path, form):
                labels = form.labels.parse(record[form.label_column], f"{path} line {number}", form.label_column)
                if len(labels) != 1:
                    raise TextclfError(f"{path} line {number}: " + ("empty label" if not labels else
                                       "several labels; data.stream reads single-label data only"))
                text = str(record[form.text_column] or "")
                if empty.keep(text, f"{path.name} line {number}"):
                    yield split == "test", checked_text(text, str(path), f"line {number}"), labels[0]


@dataclass
class StreamSplit:
    """One split of a streamed table: its labels in file order; its texts are read when asked for."""

    name: str
    labels: np.ndarray
    corpus: StreamCorpus | None = field(default=None, repr=False)
    multi_label = False

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def texts(self) -> np.ndarray:
        """The split's texts, read in one pass (``evaluate`` and ``export`` look at a held-out split)."""
        return np.array([text for text, _ in self.corpus.rows(self.name)], dtype=object)


@dataclass
class StreamCorpus:
    """What ``scan`` learned of a streamed table; ``rows`` reads a split again."""

    cfg: DataConfig
    seed: int
    class_names: tuple[str, ...]
    splits: dict[str, StreamSplit]
    sample: Split  # training texts the vocabulary (and NB ratios) are learned from
    fingerprint: str
    location: str
    share: Share | None = None  # multi_worker: this worker's files, and how it agrees with the others
    streamed = True  # what later stages ask, rather than the config (``splits.Corpus.streamed``)
    worker_sizes: np.ndarray | None = None  # multi_worker: train, validation, test rows of each worker's share
    _epochs: dict = field(default_factory=dict, repr=False)  # passes over each split shuffled so far

    @property
    def train(self) -> StreamSplit:
        return self.splits["train"]

    @property
    def validation(self) -> StreamSplit:
        return self.splits["validation"]

    @property
    def test(self) -> StreamSplit:
        return self.splits["test"]

    def rows(self, name: str):
        """(text, class number) of the split's rows, read from the files again, in order."""
        index = {label: number for number, label in enumerate(self.class_names)}
        taken = 0
        for test, text, label in _labeled_rows(self.cfg, self.share):
            if split_of(text, self.seed, self.cfg, test) == name:
                if self.cfg.limit is not None and taken >= self.cfg.limit:
                    return
                taken += 1
                yield text, index[label]

    def even_batches(self, name: str, batch_size: int) -> int:
        """Batches of the split that every worker has (a collective step needs all of them): the fewest that
        any worker's share makes (a share may make more, when batches are grouped by length)."""
        return int(min(-(-self.worker_sizes[:, SPLITS.index(name)] // batch_size)))

    def chunks(self, name: str, size: int = READ_CHUNK, shuffle_seed: int | None = None):
        """The split's rows as (texts, class numbers) arrays of ``size``, for ``tf.data``; with a seed, shuffled
        within ``STREAM_SHUFFLE`` rows, in another order each time it is called (each epoch)."""
        rows = self.rows(name)
        if shuffle_seed is not None:
            self._epochs[name] = self._epochs.get(name, -1) + 1
            rows = _shuffled(rows, random.Random(f"{shuffle_seed}-{self._epochs[name]}"))
        texts, labels = [], []
        for text, label in rows:
            texts.append(text)
            labels.append(label)
            if len(texts) == size:
                yield np.array(texts, dtype=object), np.array(labels, np.int32)
                texts, labels = [], []
        if texts:
            yield np.array(texts, dtype=object), np.array(labels, np.int32)


def _shuffled(rows, rng: random.Random):
    """``rows`` in random order within a buffer of ``STREAM_SHUFFLE``: each row taken in swaps out a random one."""
    buffer = []
    for row in rows:
        if len(buffer) < STREAM_SHUFFLE:
            buffer.append(row)
            continue
        slot = rng.randrange(STREAM_SHUFFLE)
        yield buffer[slot]
        buffer[slot] = row
    rng.shuffle(buffer)
    yield from buffer


class _Reservoir:
    """A uniform, seeded sample of at most ``size`` items of a stream of unknown length (Algorithm R)."""

    def __init__(self, size: int, seed: int):
        self.size, self.seen, self.items = size, 0, []
        self.rng = np.random.default_rng(seed)

    def offer(self, item) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            slot = int(self.rng.integers(0, self.seen))
            if slot < self.size:
                self.items[slot] = item


def _read_once(cfg: DataConfig, seed: int, share: Share | None) -> tuple[dict[str, list[str]], list, str]:
    """Every row's split and label, the vocabulary sample and a fingerprint, in one pass over the files."""
    labels: dict[str, list[str]] = {name: [] for name in SPLITS}
    sample, digest = _Reservoir(cfg.vocabulary_sample, seed), hashlib.sha256()
    progress = Progress(f"scanning {Path(cfg.path).name}", unit="rows")
    empty = EmptyTexts(str(cfg.path), cfg.empty_text)
    for count, (test, text, label) in enumerate(_labeled_rows(cfg, share, empty)):
        name = split_of(text, seed, cfg, test)
        if cfg.limit is not None and len(labels[name]) >= cfg.limit:
            continue
        labels[name].append(label)
        digest.update(f"{name}\t{label}\t".encode() + text.encode("utf-8", "replace") + b"\0")
        if name == "train":
            sample.offer((text, label))
        progress.update(count + 1)
    progress.done(", ".join(f"{len(found):,} {name}" for name, found in labels.items()),
                  count=sum(map(len, labels.values())))
    empty.warn()
    return labels, sample.items, digest.hexdigest()


def _shared_scan(cfg: DataConfig, seed: int, share: Share) -> tuple[dict, list, str, dict, np.ndarray]:
    """A worker's scan of its share, and what all the workers found: the labels of each split and the sizes of
    every share. A worker's error is every worker's, so that none waits for the others in vain."""
    try:
        labels, items, fingerprint = _read_once(cfg, seed, share)
        mine = {"labels": {name: sorted(set(found)) for name, found in labels.items()},
                "sizes": [len(labels[name]) for name in SPLITS]}
    except TextclfError as exc:
        labels, items, fingerprint, mine = {}, [], "", {"error": str(exc)}
    everyone = share.exchange("scan", mine)
    failed = [f"worker {place}: {found['error']}" for place, found in enumerate(everyone) if "error" in found]
    if failed:
        share.finish()
        raise TextclfError(failed[0])
    found = {name: set().union(*(w["labels"][name] for w in everyone)) for name in SPLITS}
    return labels, items, fingerprint, found, np.array([w["sizes"] for w in everyone])


def _checked_classes(cfg: DataConfig, found: dict, sizes: np.ndarray, location: str) -> tuple[str, ...]:
    """The class names; refused: fewer than two, a held-out label unknown to training, an empty split (or
    share of one)."""
    names = tuple(cfg.label_names) if cfg.label_names else sorted_labels(found["train"])
    if len(names) < 2:
        raise TextclfError(f"{location}: the train split has {len(names)} class(es); a classifier needs two")
    for column, name in enumerate(SPLITS):
        unknown = sorted(found[name] - set(names))
        if unknown:
            raise TextclfError(f"{location}: label {unknown[0]!r} of the {name} split does not occur in the "
                               f"training data (labels: {', '.join(names)})")
        empty = np.flatnonzero(sizes[:, column] == 0)
        if empty.size:
            share = f" in the files of worker {empty[0]}" if len(sizes) > 1 else ""
            raise TextclfError(f"{location}: the {name} split is empty{share}; change data.{name}_split or add rows")
    return names


def scan(cfg: DataConfig, seed: int, share: Share | None = None) -> StreamCorpus:
    """One pass over the files (a worker's: over its share): each row's split and label, a fingerprint and
    the vocabulary sample (a worker's: the chief's)."""
    location = str(Path(cfg.path).expanduser())
    if share is None:
        labels, items, fingerprint = _read_once(cfg, seed, None)
        found, sizes = {name: set(labels[name]) for name in SPLITS}, np.array([[len(labels[n]) for n in SPLITS]])
        names = _checked_classes(cfg, found, sizes, location)
    else:
        labels, items, fingerprint, found, sizes = _shared_scan(cfg, seed, share)
        try:
            names = _checked_classes(cfg, found, sizes, location)
            items = share.from_chief("sample", items)
        finally:
            share.finish()
    index = {label: number for number, label in enumerate(names)}
    corpus = StreamCorpus(cfg, seed, names, {}, Split(
        np.array([text for text, _ in items], dtype=object),
        np.array([index[label] for _, label in items], np.int32)), fingerprint, location, share,
        sizes if share is not None else None)
    corpus.splits = {name: StreamSplit(name, np.array([index[label] for label in read], np.int32), corpus)
                     for name, read in labels.items()}
    return corpus


def datasets(corpus: StreamCorpus, name: str, kind, vectorizer, batch_size: int, cfg: DataConfig,
             shuffle_seed: int | None = None, cache=None):
    """The split's batches for Keras, read and vectorized as they are needed, each epoch anew; with
    ``data.cache`` (a ``FeatureCache``), vectorized once and then read from its blocks."""
    import tensorflow as tf

    # Scoring batches grouped by width (sequences) come in a number no pass has counted: Keras learns it
    # at the end of the first pass and warns that the data "ran out", which here is expected.
    warnings.filterwarnings("ignore", message="Your input ran out of data", category=UserWarning)
    if cache is not None:
        return cache.stream_batches(corpus, name, vectorizer, batch_size, cfg, shuffle_seed)
    size = kind.stream_chunk(batch_size)
    chunks = tf.data.Dataset.from_generator(
        lambda: corpus.chunks(name, size, shuffle_seed), output_signature=(tf.TensorSpec([None], tf.string),
                                                                           tf.TensorSpec([None], tf.int32)))
    encode = kind.chunk_encoder(vectorizer, cfg)  # each chunk vectorized in parallel with the others
    encoded = chunks.map(lambda texts, labels: (encode(texts), labels), num_parallel_calls=tf.data.AUTOTUNE,
                         deterministic=True)
    return kind.encoded_batches(encoded, [len(corpus.splits[name])], batch_size, cfg, shuffle_seed)

