"""Edits to a raw config mapping before it is validated: ``--set KEY=VALUE``, ``--data``, a search trial's values.

Dotted keys address sections (``train.early_stopping.patience``); a value
given on the command line is parsed as YAML, so ``--set train.epochs=3`` is a
number and ``--set model.lstm_units=[32,16]`` a list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textclf.config.safe_yaml import parse_yaml, quoted
from textclf.errors import TextclfError


def assign(raw: dict[str, Any], dotted_key: str, value: Any, context: str) -> None:
    parts = dotted_key.strip().split(".")
    if not all(parts):
        raise TextclfError(f"{context}: bad key '{dotted_key}'")
    node = raw
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise TextclfError(f"{context}: '{'.'.join(parts[: depth + 1])}' is not a section")
        node = child
    node[parts[-1]] = value


def apply_value(raw: dict[str, Any], dotted_key: str, value: Any) -> None:
    """Set ``section.key`` in a raw config mapping (a search trial's value)."""
    assign(raw, dotted_key, value, f"search key '{dotted_key}'")


def apply_override(raw: dict[str, Any], assignment: str) -> None:
    """Apply one ``--set section.key=value`` to the raw mapping (value parsed as YAML).

    A value of one punctuation mark is that mark: YAML reads ``|`` and ``>`` as empty block texts and ``#``
    as a comment, but ``--set data.label_separator=|`` means the bar (``~`` stays YAML's null).
    """
    key, sep, value_text = assignment.partition("=")
    context = f"--set '{quoted(assignment)}'"  # a value of thousands of characters is named, not reprinted
    if not sep or not key.strip():
        raise TextclfError(f"{context}: expected KEY=VALUE, e.g. train.epochs=3")
    mark = value_text.strip()
    if len(mark) == 1 and not mark.isalnum() and mark != "~":
        assign(raw, key, mark, context)
        return
    try:
        value = parse_yaml(value_text)
    except TextclfError as exc:
        raise TextclfError(f"{context}: value '{quoted(value_text)}' is not valid YAML ({exc})") from None
    assign(raw, key, value, context)


TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl")


def source_of(path: Path) -> str:
    """The ``data.source`` a path names: the IMDB archive or its folder, a table (``.csv``, ``.tsv``,
    ``.jsonl``, gzip-compressed or not; a glob of them), or else a folder of class folders."""
    path = Path(path)
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(TABLE_SUFFIXES):
        return "csv"
    if path.name.endswith((".tar.gz", ".tgz")) or (path / "train" / "pos").is_dir() or path.name == "aclImdb" \
            or (path / "aclImdb").is_dir():
        return "imdb"
    return "directory" if path.is_dir() else "csv"
