"""The corpus a run trains on: the configured source read, and split into train, validation and test.

Pure Python and NumPy: no TensorFlow. Texts become features in
``features.featurize`` and batches in the input kinds (``features.inputs``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from textclf.config import DataConfig
from textclf.data import sources, tables
from textclf.data.labeled import Labeled, Split
from textclf.errors import TextclfError


@dataclass(frozen=True)
class Corpus:
    train: Split
    validation: Split
    test: Split
    class_names: tuple[str, ...]
    fingerprint: str  # sha256 of every text and label, whatever the container
    location: str
    empty_skipped: int = 0  # rows left out as empty texts when read (``labeled.EmptyTexts``)
    test_read: bool = False  # the test rows came from the source's own test files, not drawn from its rows
    streamed = False  # held in memory; a ``stream.StreamCorpus`` reads its texts from the files when asked


def _balanced_head(split: Split, limit: int, rng: np.random.Generator) -> Split:
    """At most ``limit`` examples, in equal shares per class, chosen at random (multi-label: any ``limit``)."""
    if split.multi_label:
        picked = np.sort(rng.permutation(len(split))[:limit])
        return Split(split.texts[picked], split.labels[picked])
    classes = np.unique(split.labels)
    share = max(1, limit // len(classes))
    picked = np.concatenate([rng.permutation(np.flatnonzero(split.labels == c))[:share] for c in classes])
    picked.sort()
    return Split(split.texts[picked], split.labels[picked])


def _divide(split: Split, fraction: float, rng: np.random.Generator, stratify: bool = True) -> tuple[Split, Split]:
    """(kept, held out): ``fraction`` of the texts held out at random; of each class, for one label per text.

    Stratified, a class of a handful of texts still has some in each split (at least one held out from two
    texts on, at least one kept): drawn from the whole, five texts of 5,000 could all land in one split.
    ``stratify`` false draws from the whole, as runs begun before textclf stratified did: they resume on the
    texts they started with.
    """
    if split.multi_label or not stratify:
        order = rng.permutation(len(split))
        chosen = [order[:max(1, int(round(len(split) * fraction)))]]
    else:
        chosen = []
        for label in np.unique(split.labels):
            members = rng.permutation(np.flatnonzero(split.labels == label))
            count = min(len(members) - 1, max(1 if len(members) > 1 else 0, int(round(len(members) * fraction))))
            chosen.append(members[:count])
    held = np.sort(np.concatenate(chosen)).astype(np.int64)
    kept = np.setdiff1d(np.arange(len(split)), held)
    return Split(split.texts[kept], split.labels[kept]), Split(split.texts[held], split.labels[held])


def _check_split_sizes(splits: dict[str, Split], drawn: dict[str, str], names, location: str,
                       limit: int | None = None) -> None:
    """After splitting, each split that a fraction drew needs two classes: training to learn, validation to
    choose an epoch by, a drawn test split to mean something. ``drawn``: split → the field whose fraction drew it.
    Multi-label splits are not checked: a text may hold no label at all."""
    for name, field in drawn.items():
        if splits[name].multi_label:
            continue
        split = splits[name]
        classes = np.unique(split.labels)
        if len(classes) < 2:
            held = f"only {names[int(classes[0])]!r}" if len(classes) else "nothing"
            if limit is not None:  # no fraction can fix what the limit took away
                raise TextclfError(f"data.limit: {limit} leaves {held} in the {name} split of {location} "
                                   f"({len(split)} examples); raise it so that each split holds two classes")
            raise TextclfError(f"{field}: leaves {held} in the {name} split of {location} ({len(split)} "
                               "examples); a split needs examples of two classes: change the fraction")


def fingerprint(splits: dict[str, Split]) -> str:
    digest = hashlib.sha256()
    for name in sorted(splits):
        for text, label in zip(splits[name].texts, splits[name].labels, strict=True):
            label = ",".join(map(str, np.flatnonzero(label))) if np.ndim(label) else label  # multi-label: a set
            digest.update(f"{name}\t{label}\t".encode())
            digest.update(text.encode("utf-8", errors="replace"))
            digest.update(b"\0")
    return digest.hexdigest()


def read_source(cfg: DataConfig) -> Labeled:
    """The configured source's labeled texts."""
    if cfg.source == "imdb":  # (test_path: the schema refuses it for imdb)
        return sources.read_imdb(cfg.path, cfg.empty_text)
    if cfg.source == "csv":
        return tables.read_tables(cfg.path, cfg.test_path, tables.table_format(cfg))
    return sources.read_class_directory(cfg.path, cfg.test_path, cfg.task, cfg.empty_text)


def streamed(cfg: DataConfig) -> bool:
    """Whether the data stage reads these texts as a stream (``data.stream``, settled when the config was read):
    the one place that asks the setting. Later stages ask what the data stage handed on (``Corpus.streamed``)."""
    return bool(cfg.stream)


def every_row(labeled: Labeled) -> Split:
    """All of a source's texts as one split, whichever splits its files made (``evaluate --data``)."""
    parts = list(labeled.splits.values())
    return Split(np.concatenate([part.texts for part in parts]), np.concatenate([part.labels for part in parts]))


def load_corpus(cfg: DataConfig, seed: int, share=None) -> Corpus:
    """Read the configured source and split it into train / validation / test.

    A source without test data gives up ``data.test_split`` of its examples
    for testing; validation examples are then taken from the rest. With
    ``data.stream`` only what is small is kept (``stream.scan``), and a
    ``multi_worker`` run's worker reads only its ``share`` of the files.
    """
    if streamed(cfg):
        from textclf.data import stream  # its TensorFlow datasets: only for streamed data

        return stream.scan(cfg, seed, share)
    labeled = read_source(cfg)
    splits = dict(labeled.splits)
    drawn = {"train": "data.validation_split", "validation": "data.validation_split",
             **({} if "test" in splits else {"test": "data.test_split"})}
    rng = np.random.default_rng(seed)
    if "test" not in splits:
        splits["train"], splits["test"] = _divide(splits["train"], cfg.test_split, rng, cfg.stratify)
    if cfg.limit is not None:
        splits = {name: _balanced_head(split, cfg.limit, rng) for name, split in splits.items()}
    if not splits["train"].multi_label and len(np.unique(splits["train"].labels)) < 2:
        raise TextclfError(f"{labeled.location}: the train split has only one class")
    train, validation = _divide(splits["train"], cfg.validation_split, rng, cfg.stratify)
    _check_split_sizes({"train": train, "validation": validation, "test": splits["test"]}, drawn,
                       labeled.class_names, labeled.location, cfg.limit)
    return Corpus(train, validation, splits["test"], labeled.class_names, fingerprint(splits), labeled.location,
                  labeled.empty_skipped, "test" in labeled.splits)


def _non_test(corpus: Corpus) -> Split:
    return Split(np.concatenate([corpus.train.texts, corpus.validation.texts]),
                 np.concatenate([corpus.train.labels, corpus.validation.labels]))


def folds(corpus: Corpus, count: int, seed: int) -> list[Corpus]:
    """``count`` splits of the non-test examples, each fold serving once as validation (cross-validation).

    A search that picks among many trials by one small validation split picks
    the luckiest, not the best; averaging over folds uses every example.
    """
    pooled = _non_test(corpus)
    corpora = []
    for held in held_out_rows(corpus, count, seed):
        kept = np.setdiff1d(np.arange(len(pooled)), held)
        corpora.append(Corpus(Split(pooled.texts[kept], pooled.labels[kept]), Split(pooled.texts[held],
                              pooled.labels[held]), corpus.test, corpus.class_names, corpus.fingerprint,
                              corpus.location))
    return corpora


def held_out_rows(corpus: Corpus, count: int, seed: int) -> list[np.ndarray]:
    """Which of the non-test examples (train, then validation) each fold of ``folds`` holds out, in order; one
    split (``count`` 1): its validation examples. Trials' held-out predictions line up by these."""
    size = len(corpus.train) + len(corpus.validation)
    if count == 1:
        return [np.arange(len(corpus.train), size)]
    return [np.sort(part) for part in np.array_split(np.random.default_rng(seed).permutation(size), count)]


def pooled(corpus: Corpus) -> Split:
    """Every row of the corpus as one split: train, then validation, then test."""
    parts = (corpus.train, corpus.validation, corpus.test)
    return Split(np.concatenate([part.texts for part in parts]), np.concatenate([part.labels for part in parts]))


def cross_fitted(corpus: Corpus, count: int, fraction: float, seed: int, stratify: bool = True):
    """For each of ``count`` parts of every row (``pooled`` order): its rows, and a corpus that tests on them and
    trains on the rest, ``fraction`` of which is drawn for validation. Every row is predicted once, by a model
    that never saw it: out-of-fold predictions (``inspection.label_errors``)."""
    every = pooled(corpus)
    rng = np.random.default_rng(seed)
    for held in np.array_split(rng.permutation(len(every)), count):
        held = np.sort(held)
        kept = np.setdiff1d(np.arange(len(every)), held)
        train, validation = _divide(Split(every.texts[kept], every.labels[kept]), fraction, rng, stratify)
        yield held, Corpus(train, validation, Split(every.texts[held], every.labels[held]), corpus.class_names,
                           corpus.fingerprint, corpus.location)


def redrawn(corpus: Corpus, fraction: float, seed: int, stratify: bool = True) -> Corpus:
    """The same texts with another validation draw (an ensemble's member): the test split stays as it is.

    The fingerprint names the texts read, not their draw, as ``load_corpus``'s does (the seed is in the config)."""
    train, validation = _divide(_non_test(corpus), fraction, np.random.default_rng(seed), stratify)
    splits = {"train": train, "validation": validation, "test": corpus.test}
    _check_split_sizes(splits, {"train": "data.validation_split", "validation": "data.validation_split"},
                       corpus.class_names, corpus.location)
    return Corpus(train, validation, corpus.test, corpus.class_names, corpus.fingerprint, corpus.location)


def majority_share(labels: np.ndarray) -> float:
    """The accuracy of always predicting the largest class: what a model must beat to have learned anything."""
    return float(np.bincount(labels).max() / len(labels)) if len(labels) else 0.0


def class_weights(labels: np.ndarray, num_classes: int) -> dict[int, float]:
    """``balanced`` weights, n / (classes × count), as scikit-learn computes them."""
    counts = np.bincount(labels, minlength=num_classes)
    return {c: float(len(labels) / (num_classes * counts[c])) if counts[c] else 0.0 for c in range(num_classes)}


