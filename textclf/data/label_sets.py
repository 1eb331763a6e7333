"""Labels of tables that may hold several per text: parsing a label field, and deciding the task.

A row's label field holds one label, several joined by ``data.label_separator``
("billing|urgent"), or, in JSONL with ``data.task: multi_label``, a list. With ``data.label_names`` the labels
are ids (0, 1, …) into that list. Rows are kept as they come until the whole
table is read, because ``data.task: auto`` is decided by the data: multi-label
when some row holds several labels. Single-label rows then go to the usual
collector (``labeled.Collector``); multi-label ones become a 0/1 row per text.
NumPy only, no TensorFlow.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from textclf.config import declares_multi_label
from textclf.data.labeled import Collector, EmptyTexts, Labeled, Split, checked_text, sort_key, sorted_labels
from textclf.errors import TextclfError

NO_LABEL = "; a row may hold no label only in multi-label data (data.task: multi_label, or data.label_separator)"


@dataclass(frozen=True)
class LabelFormat:
    """How a table's label field is written: ``data.task``, ``data.label_separator``, ``data.label_names``."""

    task: str = "auto"
    separator: str | None = None
    names: tuple[str, ...] | None = None

    @property
    def sets(self) -> bool:
        """Whether a field may hold several labels, or none: the config's own answer to "multi-label?"."""
        return declares_multi_label(self.task, self.separator)

    def parse(self, value, where: str, column: str) -> tuple[str, ...]:
        """The labels of one field; ``where`` names the file and line for an error."""
        if isinstance(value, list) and self.task == "multi_label":
            labels = [self._one(item, where, column) for item in value]
        elif value is None or not str(value).strip():
            labels = []
        else:
            labels = [self._one(value, where, column)]
            if self.separator is not None:
                labels = [part.strip() for part in labels[0].split(self.separator) if part.strip()]
        if self.names is not None:
            labels = [self._named(label, where, column) for label in labels]
        return tuple(dict.fromkeys(labels))  # a label given twice applies once

    @staticmethod
    def _one(value, where: str, column: str) -> str:
        if not isinstance(value, (str, int)) or isinstance(value, bool):  # JSON: NaN, 1.5, true, a dict…
            hint = " (a list of labels needs data.task: multi_label)" if isinstance(value, list) else ""
            raise TextclfError(f"{where}: label {str(value)[:40]!r} in column {column!r} is not a string or a "
                               f"whole number{hint}")
        return str(value).strip()

    def _named(self, label: str, where: str, column: str) -> str:
        if not label.isdigit() or int(label) >= len(self.names):
            raise TextclfError(f"{where}: label id {label!r} in column {column!r} is not one of data.label_names' "
                               f"ids 0-{len(self.names) - 1}")
        return self.names[int(label)]


@dataclass
class Rows:
    """A table's rows as read, until ``result`` decides single- or multi-label."""

    origin: str
    form: LabelFormat
    items: list[tuple[str, tuple[str, ...], str, str, tuple]] = field(default_factory=list)
    several: str | None = None  # where a row first holds several labels
    empty_text: str = "skip"  # data.empty_text
    empty: EmptyTexts | None = None

    def add(self, split: str, labels: tuple[str, ...], name: str, text: str, order: tuple) -> None:
        self.empty = self.empty or EmptyTexts(self.origin, self.empty_text)
        if not self.empty.keep(text, name):
            return
        if len(labels) > 1 and self.several is None:
            self.several = f"{self.origin} {name}"
        self.items.append((split, labels, name, checked_text(text, self.origin, name), order))

    def result(self) -> Labeled:
        if self.empty is not None:
            self.empty.warn()
        if self.several is not None and self.form.task == "single_label":
            raise TextclfError(f"{self.several}: several labels, but data.task is single_label")
        if self.several is None and self.form.task != "multi_label":
            if self.form.separator is not None:
                raise TextclfError(f"data.label_separator: {self.form.separator!r} splits no label of {self.origin}; "
                                   "is it the separator the labels are written with?")
            return self._single()
        return self._multi()

    def _single(self) -> Labeled:
        _hint_separator(self.origin, {labels[0] for _, labels, *_ in self.items if labels})
        collector = Collector(self.origin, self.form.names)
        for split, labels, name, text, order in self.items:
            if not labels:
                raise TextclfError(f"{self.origin} {name}: empty label{NO_LABEL}")
            collector.add(split, labels[0], name, text, order=order)
        return collector.result()

    def _multi(self) -> Labeled:
        train = [labels for split, labels, *_ in self.items if split == "train"]
        names = self.form.names or sorted_labels(label for labels in train for label in labels)
        if not any(train):
            raise TextclfError(f"{self.origin}: every row's label is empty; multi-label data needs some labels")
        index = {name: i for i, name in enumerate(names)}
        splits, empty = {}, 0
        for split in dict.fromkeys(item[0] for item in self.items):
            rows = sorted((item for item in self.items if item[0] == split), key=lambda item: item[4])
            matrix = np.zeros((len(rows), len(names)), np.int8)
            for row, (_, labels, name, _, _) in enumerate(rows):
                unknown = [label for label in labels if label not in index]
                if unknown:
                    raise TextclfError(f"{self.origin} {name}: label {unknown[0]!r} of the {split} split does not "
                                       f"occur in the training data")
                matrix[row, [index[label] for label in labels]] = 1
                empty += not labels
            splits[split] = Split(np.array([item[3] for item in rows], dtype=object), matrix)
        if empty:
            print(f"{self.origin}: {empty:,} rows without a label (none of the {len(names)} applies)", file=sys.stderr)
        return Labeled(splits, tuple(names), self.origin)


def from_class_folders(origin: str, items: list[tuple[str, str, str, bytes]], empty_text: str = "skip") -> Labeled:
    """Multi-label data from class folders: (split, label, "split/label/file.txt", bytes) of each file read;
    the files of one name in one split are one text (the first one's), with every folder's label."""
    texts: dict[tuple[str, str], tuple[list[str], bytes]] = {}
    for split, label, name, raw in items:
        labels, _ = texts.setdefault((split, name.rsplit("/", 1)[-1]), ([], raw))
        labels.append(label)
    rows = Rows(origin, LabelFormat(task="multi_label"), empty_text=empty_text)
    for (split, file), (labels, raw) in texts.items():
        text = raw.decode("utf-8", errors="replace")
        rows.add(split, tuple(dict.fromkeys(labels)), f"{split}/{file}", text, order=sort_key(file))
    return rows.result()


def summary(labels: np.ndarray) -> str:
    """The line a multi-label run starts with: how many labels, and how many a training text holds."""
    held = labels.sum(axis=1)
    return (f"multi-label: {labels.shape[1]} labels, {held.mean():.2f} per training text "
            f"({int((held == 0).sum()):,} without any)")


SEPARATORS = "|;,"  # what joins several labels in one field, where a table holds them so


def _hint_separator(origin: str, labels: set[str]) -> None:
    """Say so when most labels of a single-label table hold one separator ("billing|bug"): several labels
    per text, read as classes of their own, until ``data.label_separator`` says how they are joined."""
    for mark in SEPARATORS:
        joined = sorted(label for label in labels if mark in label)
        if len(joined) >= 2 and len(joined) > len(labels) / 2:
            print(f"warning: {origin}: {len(joined)} of {len(labels)} labels hold {mark!r} (e.g. {joined[0]!r}); "
                  f"if they are several labels per text, set data.label_separator: {mark!r}", file=sys.stderr)
            return
