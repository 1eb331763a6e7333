"""``inspect --write-clean FILE``: the data without exact repeats, leaked rows and conflicting texts.

A new file, never the data itself and never over an existing file. Where the source has its own test files,
they are left as they are and the copy holds the training rows: a test split keeps meaning what it meant.
Where the test split was drawn from the rows, the copy holds every row, and the next run draws again.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from textclf.data import duplicates
from textclf.errors import TextclfError
from textclf.files import link_into_place

SUFFIXES = (".csv", ".tsv", ".jsonl")


def kept_rows(corpus, found: list[duplicates.Group]) -> list[tuple[str, int]]:
    """The rows the clean copy holds, in reading order: the first of each repeated text, none of a conflict's,
    and (with the source's own test files) no training row whose text the test split holds."""
    splits = ("train", "validation") if corpus.test_read else duplicates.SPLITS
    dropped: set[tuple[str, int]] = set()
    for group in found:
        rows = [row for row in group.rows if row[0] in splits]
        if group.conflicting or (corpus.test_read and "test" in group.splits):
            dropped.update(rows)
        else:
            dropped.update(rows[1:])
    return [(split, index) for split in splits for index in range(len(getattr(corpus, split)))
            if (split, index) not in dropped]


def _label(corpus, row: tuple[str, int], separator: str, as_list: bool):
    label = duplicates.label_of(getattr(corpus, row[0]).labels, row[1])
    if not isinstance(label, tuple):
        return corpus.class_names[label]
    names = [corpus.class_names[i] for i in label]
    return names if as_list else separator.join(names)


def write(path: Path, corpus, found: list[duplicates.Group], data_cfg) -> int:
    """Write the clean copy to the new file ``path`` (.csv, .tsv or .jsonl); the number of rows written."""
    path = Path(path).expanduser()
    if path.suffix.lower() not in SUFFIXES:
        raise TextclfError(f"--write-clean: {path}: write a .csv, .tsv or .jsonl file")
    if path.exists():
        raise TextclfError(f"--write-clean: {path} exists; inspect never replaces a file: name a new one")
    if not path.parent.is_dir():
        raise TextclfError(f"--write-clean: {path.parent} is not a folder")
    rows = kept_rows(corpus, found)
    text_column, label_column = data_cfg.text_column, data_cfg.label_column
    separator, as_list = data_cfg.label_separator or "|", path.suffix.lower() == ".jsonl"
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        if as_list:
            for row in rows:
                record = {text_column: str(getattr(corpus, row[0]).texts[row[1]]),
                          label_column: _label(corpus, row, separator, True)}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            writer = csv.writer(handle, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
            writer.writerow([text_column, label_column])
            writer.writerows([str(getattr(corpus, r[0]).texts[r[1]]), _label(corpus, r, separator, False)]
                             for r in rows)
    link_into_place(temporary, path, "--write-clean")  # fails where another process made the file meanwhile
    return len(rows)
