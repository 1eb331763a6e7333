"""The shape of the data: rows per split, classes and their balance, text lengths, what reading changed.

Plain counts, JSON-ready: the terminal summary, ``report.json`` and the report page all read this.
"""

from __future__ import annotations

import itertools

import numpy as np

from textclf.data.duplicates import SPLITS

REPLACEMENT = "\ufffd"  # what undecodable bytes became when the texts were read
PERCENTILES = (5, 50, 95, 99)


def _lengths(keys: dict[str, list[str]]) -> np.ndarray:
    return np.array([key.count(" ") + 1 if key else 0 for split in SPLITS for key in keys[split]], dtype=np.int64)


def _histogram(lengths: np.ndarray, bins: int = 30) -> dict:
    if not len(lengths):
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(lengths, bins=min(bins, max(1, int(lengths.max()) - int(lengths.min()) + 1)))
    return {"edges": [round(float(edge), 1) for edge in edges], "counts": counts.tolist()}


def class_counts(corpus) -> dict[str, dict[str, int]]:
    """Texts per class and split (multi-label: texts holding each label)."""
    names, counts = corpus.class_names, {}
    for split in SPLITS:
        labels = getattr(corpus, split).labels
        per_class = labels.sum(axis=0) if labels.ndim == 2 else np.bincount(labels, minlength=len(names))
        counts[split] = {name: int(per_class[i]) for i, name in enumerate(names)}
    return counts


def _label_sets(corpus) -> dict:
    """Multi-label data: how many labels texts hold, and the label pairs that most often come together."""
    labels = np.concatenate([getattr(corpus, split).labels for split in SPLITS]).astype(np.int64)
    sizes = np.bincount(labels.sum(axis=1))
    together = labels.T @ labels
    pairs = sorted(((int(together[a, b]), corpus.class_names[a], corpus.class_names[b])
                    for a, b in itertools.combinations(range(len(corpus.class_names)), 2) if together[a, b]),
                   reverse=True)[:10]
    return {"labels_per_text": {str(size): int(count) for size, count in enumerate(sizes) if count},
            "pairs": [{"labels": [a, b], "texts": count} for count, a, b in pairs]}


def profile(corpus, keys: dict[str, list[str]], maxlen: int) -> dict:
    """The data's shape; ``keys``: each split's standardized texts (their words are the model's words)."""
    counts = class_counts(corpus)
    totals = {name: sum(counts[split][name] for split in SPLITS) for name in corpus.class_names}
    present = [count for count in totals.values() if count]
    lengths = _lengths(keys)
    texts = itertools.chain.from_iterable(getattr(corpus, split).texts for split in SPLITS)
    shape = {
        "location": corpus.location,
        "rows": {split: len(getattr(corpus, split)) for split in SPLITS},
        "task": "multi_label" if corpus.train.multi_label else "single_label",
        "classes": list(corpus.class_names),
        "class_counts": counts,
        "imbalance": round(max(present) / min(present), 2) if present else None,
        "missing_classes": [name for name, count in totals.items() if not count],
        "words": {f"p{p}": int(np.percentile(lengths, p)) for p in PERCENTILES} if len(lengths) else {},
        "length_histogram": _histogram(lengths),
        "longer_than_maxlen": int((lengths > maxlen).sum()),
        "maxlen": maxlen,
        "empty_skipped": corpus.empty_skipped,
        "replaced_bytes": sum(REPLACEMENT in text for text in texts),
    }
    if corpus.train.multi_label:
        shape["label_sets"] = _label_sets(corpus)
    return shape
