"""Texts that occur more than once: the same text in two splits (leakage) or under two labels (a conflict).

Pure Python and NumPy. The keys are the texts as the model reads them (``features.text_keys``), so "Great
film!" and "great film !" are one text. ``textclf train`` counts what is cheap (``counts``) on the data it has
read anyway; ``textclf inspect`` lists every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Group:
    """Rows whose keys are equal: ``rows`` as (split, index within that split), in reading order."""

    rows: tuple[tuple[str, int], ...]
    labels: tuple  # each row's label: a class index, or a tuple of class indices (multi-label)

    @property
    def splits(self) -> set[str]:
        return {split for split, _ in self.rows}

    @property
    def conflicting(self) -> bool:
        return len(set(self.labels)) > 1


def label_of(labels: np.ndarray, index: int):
    """A row's label as a hashable value: its class index, or the tuple of its classes (multi-label)."""
    label = labels[index]
    return tuple(int(i) for i in np.flatnonzero(label)) if np.ndim(label) else int(label)


def groups(keys: dict[str, list[str]], labels: dict[str, np.ndarray]) -> list[Group]:
    """Every set of two or more rows with one key, across all splits, in the order first seen."""
    seen: dict[str, list[tuple[str, int]]] = {}
    for split in SPLITS:
        for index, key in enumerate(keys.get(split, ())):
            seen.setdefault(key, []).append((split, index))
    return [Group(tuple(rows), tuple(label_of(labels[s], i) for s, i in rows))
            for rows in seen.values() if len(rows) > 1]


def leaked(found: list[Group], held: str, source: str = "train") -> list[tuple[str, int]]:
    """The rows of split ``held`` whose text also occurs in split ``source``: a score on them is a memory test."""
    return [row for group in found if source in group.splits for row in group.rows if row[0] == held]


def repeated(found: list[Group]) -> list[tuple[str, int]]:
    """Each row that repeats an earlier row of its own split: what deduplication would drop."""
    extra = []
    for group in found:
        first: set[str] = set()
        for split, index in group.rows:
            if split in first:
                extra.append((split, index))
            first.add(split)
    return extra


def counts(found: list[Group]) -> dict[str, int]:
    """What ``train`` checks and records (``metrics.json``'s ``data_checks``), and warns of when not zero."""
    return {"test_in_train": len(leaked(found, "test")),
            "validation_in_train": len(leaked(found, "validation")),
            "repeated_rows": len(repeated(found)),
            "conflicting_texts": sum(group.conflicting for group in found)}
