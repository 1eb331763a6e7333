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
    empty_skipped: int = 0  # rows whose text was empty once stripped, left out (``EmptyTexts``)


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
    """A text as read, refused if it is not text at all (empty texts: ``EmptyTexts``)."""
    if "\x00" in raw:
        raise TextclfError(f"{origin}: {name} is not text (it holds NUL bytes)")
    return raw


class EmptyTexts:
    """Texts that are empty once stripped (``data.empty_text``): skipped and counted, or refused.

    Real data holds a few (TweetEval hate: 8 of 10,000 tweets); one such row should not refuse a whole file,
    nor pass unnoticed: the reader warns once, naming how many and the first few.
    """

    SHOWN = 3

    def __init__(self, origin: str, policy: str = "skip"):
        self.origin, self.refuse, self.names, self.count = origin, policy == "error", [], 0

    def keep(self, raw: str, name: str) -> bool:
        if raw.strip():
            return True
        if self.refuse:
            raise TextclfError(f"{self.origin}: empty text {name} (data.empty_text: error; skip leaves such rows out)")
        self.count += 1
        if len(self.names) < self.SHOWN:
            self.names.append(name)
        return False

    def warn(self) -> None:
        if self.count:
            more = " …" if self.count > self.SHOWN else ""
            print(f"warning: {self.origin}: skipped {self.count:,} empty text{'s' * (self.count != 1)} "
                  f"({', '.join(self.names)}{more}); data.empty_text: error refuses them", file=sys.stderr)


def _warn_same_numbers(origin: str, labels: set[str]) -> None:
    """Labels that name one number in several ways ("1", "1.0") are classes of their own: say so, once."""
    spellings: dict[float, list[str]] = {}
    for label in labels:
        try:
            spellings.setdefault(float(label), []).append(label)
        except ValueError:
            continue
    doubled = [sorted(names) for names in spellings.values() if len(names) > 1]
    if doubled:
        shown = "; ".join(" and ".join(repr(name) for name in names) for names in sorted(doubled)[:3])
        print(f"warning: {origin}: labels that write one number in several ways are classes of their own: "
              f"{shown}; write each label one way", file=sys.stderr)


class Collector:
    """Gathers (split, label, name, text) and checks each text is real text."""

    def __init__(self, origin: str, class_names: tuple[str, ...] | None = None, empty_text: str = "skip"):
        self.origin = origin
        self.class_names = class_names
        self.empty = EmptyTexts(origin, empty_text)
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
        if not self.empty.keep(raw, name):
            return
        raw = checked_text(raw, self.origin, name)
        self.items.setdefault(split, {}).setdefault(label, []).append((order or sort_key(name), raw))
        self.count += 1

    def result(self) -> Labeled:
        self.empty.warn()
        _warn_same_numbers(self.origin, {label for per_label in self.items.values() for label in per_label})
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
        return Labeled(splits, tuple(names), self.origin, self.empty.count)
