"""What every reader returns: labeled texts in splits, class names in a stable order, each text checked.

The IMDB and class-folder readers (``sources``), the tables (``tables``) and
label sets (``label_sets``) all gather texts through ``Collector``, so that an
empty text, a NUL byte or a label unknown to training is refused the same way
whatever the file.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import numpy as np

from textclf.errors import TextclfError


@dataclass(frozen=True)
class Split:
    texts: np.ndarray  # object array of str
    labels: np.ndarray  # int32 class indices; multi-label: an int8 0/1 row per text, a column per class

    @property
    def multi_label(self) -> bool:
        return self.labels.ndim == 2

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class Labeled:
    splits: dict[str, Split]  # "train", and "test" when the source has one
    class_names: tuple[str, ...]
    location: str


def sort_key(name: str) -> tuple[int, str]:
    """Numeric order of the leading number of a file name ("train/neg/12_3.txt") or row ("line 12")."""
    stem = name.rsplit("/", 1)[-1].removeprefix("line ").split("_", 1)[0].split(".", 1)[0]
    return (int(stem), name) if stem.isdigit() else (sys.maxsize, name)


def sorted_labels(labels) -> tuple[str, ...]:
    """Class names in a stable order: numerically when every label is an integer."""
    labels = set(labels)
    if all(re.fullmatch(r"-?\d+", label) for label in labels):
        return tuple(sorted(labels, key=int))
    return tuple(sorted(labels))


def checked_text(raw: str, origin: str, name: str) -> str:
    """A text as read, refused if it is empty or not text at all."""
    if not raw.strip():
        raise TextclfError(f"{origin}: empty text {name}")
    if "\x00" in raw:
        raise TextclfError(f"{origin}: {name} is not text (it holds NUL bytes)")
    return raw


class Collector:
    """Gathers (split, label, name, text) and checks each text is real text."""

    def __init__(self, origin: str, class_names: tuple[str, ...] | None = None):
        self.origin = origin
        self.class_names = class_names
        self.items: dict[str, dict[str, list[tuple[tuple, str]]]] = {}
        self.undecodable = 0
        self.count = 0

    def add(self, split: str, label: str, name: str, raw: bytes | str, order: tuple | None = None) -> None:
        """One text; ``order`` places it among its class's texts (default: the number that leads ``name``)."""
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                raw = raw.decode("utf-8", errors="replace")
                self.undecodable += 1
        raw = checked_text(raw, self.origin, name)
        self.items.setdefault(split, {}).setdefault(label, []).append((order or sort_key(name), raw))
        self.count += 1

    def result(self) -> Labeled:
        if self.undecodable:
            print(f"warning: {self.undecodable} files in {self.origin} are not valid UTF-8; "
                  "undecodable bytes were replaced", file=sys.stderr)
        names = self.class_names or sorted_labels(self.items.get("train", {}))
        splits = {}
        for split, per_label in self.items.items():
            unknown = sorted(set(per_label) - set(names))
            if unknown:
                raise TextclfError(f"{self.origin}: label {unknown[0]!r} of the {split} split does not occur "
                                   f"in the training data (labels: {', '.join(names)})")
            texts, labels = [], []
            for index, label in enumerate(names):
                for _, text in sorted(per_label.get(label, []), key=lambda item: item[0]):
                    texts.append(text)
                    labels.append(index)
            splits[split] = Split(np.array(texts, dtype=object), np.array(labels, dtype=np.int32))
        if len(names) < 2:
            raise TextclfError(f"{self.origin}: only one class ({', '.join(names) or 'none'}); "
                               "a classifier needs examples of at least two")
        return Labeled(splits, tuple(names), self.origin)
