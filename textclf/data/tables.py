"""Reading labeled texts from tables: CSV, TSV and JSONL files, gzip-compressed or not, one file or shards.

Each file is read in one streaming pass, rows numbered by the line they start
on, so that every error names the file and line. Shards (a glob pattern) are
read in name order as one table: the same rows give the same corpus whether
they come in one file or in several.
"""

from __future__ import annotations

import codecs
import csv
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from textclf import files
from textclf.data.label_sets import NO_LABEL, LabelFormat, Rows
from textclf.data.labeled import Labeled
from textclf.data.sources import existing
from textclf.errors import TextclfError
from textclf.progress import Progress

csv.field_size_limit(2**31 - 1)  # a long document is legitimate input; the default refuses fields over 128 KB

TABLE_DELIMITERS = {".csv": ",", ".tsv": "\t"}

_replaced = [0]  # undecodable byte runs the reader has replaced in the file being read


def _count_and_replace(error: UnicodeDecodeError):
    _replaced[0] += 1
    return "\ufffd", error.end


codecs.register_error("textclf-count", _count_and_replace)


def _json_rows(path: Path, lines):
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
                raise TextclfError(f"{path} line {number}: not valid JSON ({reason})") from None
            if not isinstance(record, dict):
                raise TextclfError(f"{path} line {number}: expected a JSON object")
            yield number, record


def _csv_rows(path: Path, lines, delimiter: str, columns: list[str] | None):
    """Rows numbered by the line each starts on: an unclosed quote is reported where it opened.

    ``columns`` names the columns of a file without a header line (``data.columns``).
    """
    reader = csv.DictReader(lines, fieldnames=columns, delimiter=delimiter)
    seen = _LabelLike()
    while True:
        start = reader.line_num + 1 + (reader.line_num == 0 and columns is None)  # a header is line 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TextclfError(f"{path} line {start}: {exc}") from None
        if reader.line_num > start and (None in record or None in record.values()):
            raise TextclfError(f"{path} line {start}: a quoted field opens here and never closes (it swallows "
                               f"lines {start}-{reader.line_num}); close the quote or remove it")
        if reader.line_num > start and (row := seen.row_inside(record, delimiter)) is not None:
            raise TextclfError(f"{path} line {start}: a quoted field opens here and closes on line "
                               f"{reader.line_num}, swallowing what reads as a row of its own ({row!r}); close the "
                               "quote where it opened, or remove it")
        seen.add(record, reader.line_num == start)
        yield start, record


class _LabelLike:
    """Values of the columns that hold few distinct values (labels, ids of classes), from the one-line rows read
    so far: a line inside a quoted field whose cells fit them is a row a stray quote swallowed. They are learned
    from the first ``ROWS`` one-line rows (a column past ``MOST`` distinct values, a text column, drops out), so
    that the rest of a large table, read again each epoch when streamed, costs one comparison a row."""

    MOST, ROWS = 100, 1000

    def __init__(self):
        self.values: dict[int, set] | None = None  # column position → its values, while it has few
        self.learning = self.ROWS

    def add(self, record: dict, one_line: bool) -> None:
        if not (one_line and self.learning) or None in record:  # None: a row's fields past the header, a list
            return
        self.learning -= 1
        cells = list(record.values())
        if self.values is None:
            self.values = {index: set() for index in range(len(cells))}
        for index in [index for index, kept in self.values.items() if kept.add(cells[index]) or len(kept) > self.MOST]:
            del self.values[index]

    def row_inside(self, record: dict, delimiter: str) -> str | None:
        width = len(record)
        for value in record.values():
            for line in value.splitlines() if isinstance(value, str) and "\n" in value else ():
                cells = next(csv.reader([line], delimiter=delimiter), [])
                if len(cells) == width and any(cells[index] in kept for index, kept in (self.values or {}).items()):
                    return line
        return None


def _table_kind(path: Path) -> tuple[str, bool]:
    """A table file's kind (.csv, .tsv or .jsonl) and whether it is gzip-compressed (``.csv.gz``)."""
    name = path.name.lower()
    compressed = name.endswith(".gz")
    suffix = Path(name.removesuffix(".gz")).suffix
    if suffix not in (*TABLE_DELIMITERS, ".jsonl"):
        raise TextclfError(f"{path}: unsupported file type {path.suffix.lower() or '(none)'!r}; use .csv, .tsv "
                           "or .jsonl, optionally gzip-compressed (.csv.gz)")
    return suffix, compressed


def _rows(path: Path, columns: list[str] | None = None):
    """(line number, row mapping) for each record of a .csv, .tsv or .jsonl file, read in one streaming pass.

    UTF-8 with or without a BOM (Excel's "CSV UTF-8" has one); other bytes are replaced, and counted in a
    warning. A ``.gz`` file is decompressed as it is read.
    """
    import gzip

    suffix, compressed = _table_kind(path)
    _replaced[0] = 0
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="textclf-count", newline="") as lines:
            yield from _json_rows(path, lines) if suffix == ".jsonl" else \
                _csv_rows(path, lines, TABLE_DELIMITERS[suffix], columns)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:  # not gzip, or cut off
        raise TextclfError(f"{path}: not a complete gzip file ({exc or type(exc).__name__})") from None
    if _replaced[0]:
        print(f"warning: {path} is not valid UTF-8; {_replaced[0]:,} undecodable byte runs were replaced",
              file=sys.stderr)


@dataclass(frozen=True)
class TableFormat:
    """Where a table keeps its text and labels, and how the labels are written."""

    text_column: str = "text"
    label_column: str = "label"
    columns: list[str] | None = None  # the column names of a file without a header line
    labels: LabelFormat = LabelFormat()  # noqa: RUF009  frozen: one shared default is safe
    empty_text: str = "skip"  # data.empty_text: rows whose text is empty once stripped


def table_format(cfg) -> TableFormat:
    """The table format a ``DataConfig`` describes."""
    names = None if cfg.label_names is None else tuple(cfg.label_names)
    return TableFormat(cfg.text_column, cfg.label_column, cfg.columns,
                       LabelFormat(cfg.task, cfg.label_separator, names), cfg.empty_text)


def checked_rows(path: Path, form: TableFormat):
    """(line number, record) of each row of a table file, refused where a configured column is missing."""
    count = 0
    for number, record in _rows(path, form.columns):
        for column, field in ((form.text_column, "data.text_column"), (form.label_column, "data.label_column")):
            if column not in record:
                raise TextclfError(f"{path} line {number}: no column {column!r} (columns: "
                                   f"{', '.join(map(str, record))}); set {field}")
        yield number, record
        count += 1
    if not count:
        raise TextclfError(f"{path}: no rows")


def _read_table_into(rows: Rows, split: str, path: Path, form: TableFormat, first_row: int = 0,
                     shard: bool = False) -> int:
    """Add a table's rows, ordered after the ``first_row`` rows of earlier shards; the number of rows."""
    count, progress = 0, Progress(f"reading {path.name}", unit="rows")
    for number, record in checked_rows(path, form):
        progress.update(count)
        value = record[form.label_column]
        labels = form.labels.parse(value, f"{path} line {number}", form.label_column)
        if not labels and not form.labels.sets:
            raise TextclfError(f"{path} line {number}: empty label in column {form.label_column!r}{NO_LABEL}")
        name = f"{path.name} line {number}" if shard else f"line {number}"
        rows.add(split, labels, name, str(record[form.text_column] or ""), order=(first_row + count,))
        count += 1
    progress.done(f"{count:,} rows", count=count)
    return count


def table_files(path: str | None, field: str) -> list[Path]:
    """The files a table path names: one file, or the shards a glob pattern matches, in name order."""
    if path is not None and files.is_pattern(path):
        return files.matching(path, field)
    return [existing(path, field, want="file")]


def split_files(path: str | None, test_path: str | None) -> list[tuple[str, list[Path]]]:
    """("train", its files) and, with a test path, ("test", its files): each one file or a glob's shards."""
    named = [("train", path, "data.path")] + ([("test", test_path, "data.test_path")] if test_path is not None else [])
    return [(split, table_files(where, field)) for split, where, field in named]


def read_table(path: str | None, test_path: str | None, text_column: str = "text", label_column: str = "label",
               labels: LabelFormat | None = None, columns: list[str] | None = None) -> Labeled:
    """Labeled texts from .csv, .tsv or .jsonl files (each may be gzip-compressed), and optionally separate test
    files; a path may be a glob pattern (``data/train-*.csv``) whose shards are read in name order, as one table.

    ``labels`` says how a label field is written (several labels, ids into
    names); ``columns`` names the columns of files without a header line.
    """
    return read_tables(path, test_path, TableFormat(text_column, label_column, columns, labels or LabelFormat()))


def read_tables(path: str | None, test_path: str | None, form: TableFormat) -> Labeled:
    """``read_table`` with its format in one piece (``table_format``)."""
    rows = Rows(str(Path(path).expanduser()) if path else "data.path", form.labels, empty_text=form.empty_text)
    for split, shards in split_files(path, test_path):
        count = 0
        for location in shards:
            count += _read_table_into(rows, split, location, form, count, len(shards) > 1)
    return rows.result()


def is_table(path: str | Path) -> bool:
    """Whether a file name says table (``.csv``, ``.tsv``, ``.jsonl``, gzip-compressed or not)."""
    return Path(str(path).lower().removesuffix(".gz")).suffix in (*TABLE_DELIMITERS, ".jsonl")


def column_texts(path: Path, column: str, option: str = "--text-column"):
    """Each row's ``column`` of a table file, in order (an empty cell: an empty text), for labelling."""
    for number, record in _rows(Path(path)):
        if column not in record:
            raise TextclfError(f"{path} line {number}: no column {column!r} (columns: "
                               f"{', '.join(map(str, record))}); choose one with {option}")
        value = record[column]
        yield "" if value is None else str(value)
