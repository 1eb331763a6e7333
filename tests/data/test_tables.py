"""Tables: CSV, TSV and JSONL, gzip-compressed or not, one file or shards, every mistake named by file and line."""

import gzip
import json

import numpy as np
import pytest

from textclf.config import DataConfig
from textclf.data import splits, tables
from textclf.errors import TextclfError


def write_rows(path, rows):
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    else:
        sep = "\t" if path.suffix == ".tsv" else ","
        keys = list(rows[0])
        quote = '"' if sep == "," else ""
        lines = [sep.join(keys)] + [sep.join(f"{quote}{row[k]}{quote}" for k in keys) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


ROWS = [{"body": "the cat sat, happily", "y": "b"}, {"body": "a dog ran", "y": "a"}, {"body": "cats nap", "y": "b"}]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl"])
def test_tables_with_configurable_columns(tmp_path, suffix):
    labeled = tables.read_table(str(write_rows(tmp_path / f"t{suffix}", ROWS)), None, "body", "y")
    assert labeled.class_names == ("a", "b")
    train = labeled.splits["train"]
    assert list(train.texts) == ["a dog ran", "the cat sat, happily", "cats nap"]
    assert train.labels.tolist() == [0, 1, 1]
    assert "test" not in labeled.splits


def test_a_separate_test_file_and_integer_labels_in_numeric_order(tmp_path):
    rows = [{"text": f"text {i}", "label": label} for i, label in enumerate([10, 2, 2, 10, 1])]
    train = write_rows(tmp_path / "train.jsonl", rows)
    test = write_rows(tmp_path / "test.jsonl", rows[:2])
    labeled = tables.read_table(str(train), str(test), "text", "label")
    assert labeled.class_names == ("1", "2", "10")
    assert labeled.splits["test"].labels.tolist() == [1, 2]


@pytest.mark.parametrize("content, match", [
    ("body,y\nhello,a\n", "no column 'text' \\(columns: body, y\\); set data.text_column"),
    ("text,label\nhello,\n", "line 2: empty label"),
    ("text,label\n", "no rows"),
    ("text,label\nhello,a\nworld,a\n", "only one class"),
])
def test_table_mistakes_name_the_file_line_and_column(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TextclfError, match=match):
        tables.read_table(str(path), None, "text", "label")


def test_table_file_type_bad_json_and_unknown_test_labels(tmp_path):
    with pytest.raises(TextclfError, match="unsupported file type '.xlsx'"):
        tables.read_table(str(write_rows(tmp_path / "t.xlsx", ROWS)), None, "body", "y")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "a", "label": "x"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(TextclfError, match="broken.jsonl line 2: not valid JSON"):
        tables.read_table(str(broken), None, "text", "label")
    test = write_rows(tmp_path / "test.csv", [{"body": "new", "y": "c"}])
    with pytest.raises(TextclfError, match="label 'c' of the test split does not occur in the training data"):
        tables.read_table(str(write_rows(tmp_path / "t.csv", ROWS)), str(test), "body", "y")
    with pytest.raises(TextclfError, match="data.path: required"):
        tables.read_table(None, None, "text", "label")


def _table(tmp_path, name, text: str | bytes):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_an_excel_csv_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    path = _table(tmp_path, "excel.csv", "\ufefftext,label\ngood film,pos\nbad film,neg\n")
    labeled = tables.read_table(str(path), None, "text", "label")
    assert labeled.class_names == ("neg", "pos") and len(labeled.splits["train"]) == 2


@pytest.mark.parametrize("name, separator", [("t.tsv", "\t"), ("t.csv", ",")])
def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path, name, separator):
    rows = ["text", "label"], ["fine", "a"], ['"broken quote', "b"], *[[f"row {i}", "c"] for i in range(50)]
    path = _table(tmp_path, name, "".join(separator.join(row) + "\n" for row in rows))
    with pytest.raises(TextclfError, match=r"line 3: a quoted field opens here and never closes"):
        tables.read_table(str(path), None, "text", "label")


def test_a_jsonl_text_may_hold_unicode_line_separators(tmp_path):
    path = _table(tmp_path, "t.jsonl", '{"text": "one\u2028two\x85three", "label": "a"}\n{"text": "b", "label": "b"}\n')
    assert tables.read_table(str(path), None, "text", "label").splits["train"].texts[0] == "one\u2028two\x85three"


def test_latin1_tables_are_decoded_with_replacement_and_said(tmp_path, capsys):
    path = _table(tmp_path, "latin.csv", "text,label\ncaf\xe9 cr\xe8me,a\nplain,b\n".encode("latin-1"))
    labeled = tables.read_table(str(path), None, "text", "label")
    assert "\ufffd" in labeled.splits["train"].texts[0]
    assert "not valid UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize("label", ["NaN", "1.5", "true", "[1, 2]", "null"])
def test_a_json_label_that_is_not_a_name_is_refused(tmp_path, label):
    path = _table(tmp_path, "t.jsonl", f'{{"text": "a", "label": "x"}}\n{{"text": "b", "label": {label}}}\n')
    with pytest.raises(TextclfError, match="line 2: (label|empty label)"):
        tables.read_table(str(path), None, "text", "label")


def test_a_long_document_is_legitimate_input(tmp_path):
    long_text = "word " * 100_000  # 500 KB in one field: csv's default limit is 128 KB
    path = _table(tmp_path, "long.csv", f'text,label\n"{long_text}",a\nshort,b\n')
    assert len(tables.read_table(str(path), None, "text", "label").splits["train"].texts[0]) == len(long_text)


def _sentiment_rows(count: int) -> list[dict]:
    words = "good bad fine dull great awful".split()
    return [{"text": f"{words[i % 6]} text number {i}", "label": "pos" if i % 6 in (0, 2, 4) else "neg"}
            for i in range(count)]


def test_shards_and_gzip_give_the_corpus_of_one_plain_file(tmp_path):
    rows = _sentiment_rows(60)
    write_rows(tmp_path / "all.csv", rows)
    for index in range(4):  # four shards, in name order, holding the same rows in the same order
        write_rows(tmp_path / f"part-{index}.csv", rows[index * 15:(index + 1) * 15])
    with gzip.open(tmp_path / "all.csv.gz", "wt", encoding="utf-8") as file:
        file.write((tmp_path / "all.csv").read_text(encoding="utf-8"))
    corpora = [splits.load_corpus(DataConfig(source="csv", path=str(tmp_path / name), validation_split=0.2), seed=5)
               for name in ("all.csv", "part-*.csv", "all.csv.gz")]
    for corpus in corpora[1:]:
        assert corpus.fingerprint == corpora[0].fingerprint
        for split in ("train", "validation", "test"):
            np.testing.assert_array_equal(getattr(corpus, split).texts, getattr(corpora[0], split).texts)


def test_shard_and_gzip_mistakes_are_one_line_naming_the_file(tmp_path):
    with pytest.raises(TextclfError, match=r"data.path: no file matches .*nothing-\*.csv"):
        tables.read_table(str(tmp_path / "nothing-*.csv"), None, "text", "label")
    write_rows(tmp_path / "part-0.csv", _sentiment_rows(6))
    (tmp_path / "part-1.csv").write_text("text,label\nfine,pos\n,neg\n", encoding="utf-8")
    with pytest.raises(TextclfError, match=r"empty text part-1.csv line 3"):
        tables.read_tables(str(tmp_path / "part-*.csv"), None, tables.TableFormat(empty_text="error"))
    table = "text,label\n" + "".join(f"review {i * 7919 % 10007},pos\n" for i in range(3000))
    (tmp_path / "cut.csv.gz").write_bytes(gzip.compress(table.encode())[:2000])  # cut off mid-stream
    with pytest.raises(TextclfError, match=r"cut.csv.gz: not a complete gzip file"):
        tables.read_table(str(tmp_path / "cut.csv.gz"), None, "text", "label")
    (tmp_path / "plain.csv.gz").write_text("text,label\ngood,pos\nbad,neg\n", encoding="utf-8")
    with pytest.raises(TextclfError, match=r"plain.csv.gz: not a complete gzip file"):
        tables.read_table(str(tmp_path / "plain.csv.gz"), None, "text", "label")
    (tmp_path / "notes.gz").write_bytes(gzip.compress(b"text,label\ngood,pos\n"))
    with pytest.raises(TextclfError, match=r"unsupported file type '.gz'"):
        tables.read_table(str(tmp_path / "notes.gz"), None, "text", "label")


def test_rows_with_an_empty_text_are_left_out_and_counted(tmp_path, capsys):
    path = tmp_path / "tweets.csv"
    path.write_text("text,label\n,a\nhi,b\n  ,a\nthere,a\nyo,b\n", encoding="utf-8")
    labeled = tables.read_table(str(path), None, "text", "label")
    assert labeled.splits["train"].texts.tolist() == ["there", "hi", "yo"]
    assert f"warning: {path}: skipped 2 empty texts (line 2, line 4)" in capsys.readouterr().err
    with pytest.raises(TextclfError, match="empty text line 2"):
        tables.read_tables(str(path), None, tables.TableFormat(empty_text="error"))


def test_a_quote_that_swallows_the_next_row_is_reported_with_both_lines(tmp_path):
    rows = [f"review number {i},{'pos' if i % 2 else 'neg'}\n" for i in range(300)]
    rows[149] = '"a review that opens a quote,pos\n'  # line 151 of the file
    rows[150] = 'and the next review closes it",neg\n'
    path = tmp_path / "stray.csv"
    path.write_text("text,label\n" + "".join(rows), encoding="utf-8")
    with pytest.raises(TextclfError, match=r"stray.csv line 151: a quoted field opens here and closes on line 152, "
                                           r"swallowing what reads as a row of its own \('a review that opens a "
                                           r"quote,pos'\)"):
        tables.read_table(str(path), None)


def test_a_text_of_several_lines_is_one_text(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text('text,label\nshort one,pos\nanother,neg\n"First line, with a comma\nsecond line",pos\n',
                    encoding="utf-8")
    texts = tables.read_table(str(path), None).splits["train"].texts.tolist()
    assert "First line, with a comma\nsecond line" in texts and len(texts) == 3
