import json
import tarfile

import numpy as np
import pytest

from textclf import examples, sources
from textclf.errors import TextclfError


def test_reads_the_aclimdb_folder_and_tarball_identically(imdb_dir, imdb_tar):
    from_dir = sources.read_imdb(str(imdb_dir.parent))
    from_tar = sources.read_imdb(str(imdb_tar))
    assert from_dir.class_names == from_tar.class_names == ("neg", "pos")
    for split in ("train", "test"):
        assert len(from_dir.splits[split]) == 80
        assert np.bincount(from_dir.splits[split].labels).tolist() == [40, 40]
        assert list(from_dir.splits[split].texts) == list(from_tar.splits[split].texts)


def test_unsup_and_other_files_are_ignored(imdb_dir, tmp_path):
    archive = tmp_path / "with_unsup.tar.gz"
    extra = tmp_path / "unsup.txt"
    extra.write_text("not labeled")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(imdb_dir, arcname="aclImdb")
        tar.add(extra, arcname="aclImdb/train/unsup/0_0.txt")
        tar.add(extra, arcname="aclImdb/imdb.vocab")
    splits = sources.read_imdb(str(archive)).splits
    assert len(splits["train"]) == 80


def test_missing_and_broken_data_are_user_errors(tmp_path, imdb_tar):
    with pytest.raises(TextclfError, match="does not exist"):
        sources.read_imdb(str(tmp_path / "nowhere"))
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(imdb_tar.read_bytes()[:2000])
    with pytest.raises(TextclfError, match="corrupt or truncated"):
        sources.read_imdb(str(truncated))
    (tmp_path / "empty" / "aclImdb" / "train").mkdir(parents=True)
    with pytest.raises(TextclfError, match="train/neg"):
        sources.read_imdb(str(tmp_path / "empty"))




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
    labeled = sources.read_table(str(write_rows(tmp_path / f"t{suffix}", ROWS)), None, "body", "y")
    assert labeled.class_names == ("a", "b")
    train = labeled.splits["train"]
    assert list(train.texts) == ["a dog ran", "the cat sat, happily", "cats nap"]
    assert train.labels.tolist() == [0, 1, 1]
    assert "test" not in labeled.splits


def test_a_separate_test_file_and_integer_labels_in_numeric_order(tmp_path):
    rows = [{"text": f"text {i}", "label": label} for i, label in enumerate([10, 2, 2, 10, 1])]
    train = write_rows(tmp_path / "train.jsonl", rows)
    test = write_rows(tmp_path / "test.jsonl", rows[:2])
    labeled = sources.read_table(str(train), str(test), "text", "label")
    assert labeled.class_names == ("1", "2", "10")
    assert labeled.splits["test"].labels.tolist() == [1, 2]


@pytest.mark.parametrize("content, match", [
    ("body,y\nhello,a\n", "no column 'text' \\(columns: body, y\\); set data.text_column"),
    ("text,label\nhello,\n", "line 2: empty label"),
    ("text,label\n,a\nhi,b\n", "empty text line 2"),
    ("text,label\n", "no rows"),
    ("text,label\nhello,a\nworld,a\n", "only one class"),
])
def test_table_mistakes_name_the_file_line_and_column(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TextclfError, match=match):
        sources.read_table(str(path), None, "text", "label")


def test_table_file_type_bad_json_and_unknown_test_labels(tmp_path):
    with pytest.raises(TextclfError, match="unsupported file type '.xlsx'"):
        sources.read_table(str(write_rows(tmp_path / "t.xlsx", ROWS)), None, "body", "y")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "a", "label": "x"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(TextclfError, match="broken.jsonl line 2: not valid JSON"):
        sources.read_table(str(broken), None, "text", "label")
    test = write_rows(tmp_path / "test.csv", [{"body": "new", "y": "c"}])
    with pytest.raises(TextclfError, match="label 'c' of the test split does not occur in the training data"):
        sources.read_table(str(write_rows(tmp_path / "t.csv", ROWS)), str(test), "body", "y")
    with pytest.raises(TextclfError, match="data.path: required"):
        sources.read_table(None, None, "text", "label")


def test_class_directory_with_and_without_train_test_folders(tmp_path):
    flat = examples.write_directory(tmp_path / "flat", rows=40)
    labeled = sources.read_class_directory(str(flat), None)
    assert labeled.class_names == ("food", "sports", "technology", "travel")
    assert np.bincount(labeled.splits["train"].labels).tolist() == [8, 16, 12, 4]
    examples.write_directory(tmp_path / "split" / "train", rows=40)
    examples.write_directory(tmp_path / "split" / "test", rows=20, seed=1)
    labeled = sources.read_class_directory(str(tmp_path / "split"), None)
    assert len(labeled.splits["train"]) == 40 and len(labeled.splits["test"]) == 20


def test_class_directory_mistakes(tmp_path):
    with pytest.raises(TextclfError, match="no class subfolders"):
        sources.read_class_directory(str(tmp_path), None)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "b").mkdir()
    with pytest.raises(TextclfError, match="no .txt files in this class folder"):
        sources.read_class_directory(str(tmp_path), None)
    with pytest.raises(TextclfError, match="is not a folder"):
        sources.read_class_directory(str(tmp_path / "a" / "1.txt"), None)


def _table(tmp_path, name, text: str | bytes):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_an_excel_csv_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    path = _table(tmp_path, "excel.csv", "\ufefftext,label\ngood film,pos\nbad film,neg\n")
    labeled = sources.read_table(str(path), None, "text", "label")
    assert labeled.class_names == ("neg", "pos") and len(labeled.splits["train"]) == 2


@pytest.mark.parametrize("name, separator", [("t.tsv", "\t"), ("t.csv", ",")])
def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path, name, separator):
    rows = ["text", "label"], ["fine", "a"], ['"broken quote', "b"], *[[f"row {i}", "c"] for i in range(50)]
    path = _table(tmp_path, name, "".join(separator.join(row) + "\n" for row in rows))
    with pytest.raises(TextclfError, match=r"line 3: a quoted field opens here and never closes"):
        sources.read_table(str(path), None, "text", "label")


def test_a_jsonl_text_may_hold_unicode_line_separators(tmp_path):
    path = _table(tmp_path, "t.jsonl", '{"text": "one\u2028two\x85three", "label": "a"}\n{"text": "b", "label": "b"}\n')
    assert sources.read_table(str(path), None, "text", "label").splits["train"].texts[0] == "one\u2028two\x85three"


def test_latin1_tables_are_decoded_with_replacement_and_said(tmp_path, capsys):
    path = _table(tmp_path, "latin.csv", "text,label\ncaf\xe9 cr\xe8me,a\nplain,b\n".encode("latin-1"))
    labeled = sources.read_table(str(path), None, "text", "label")
    assert "\ufffd" in labeled.splits["train"].texts[0]
    assert "not valid UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize("label", ["NaN", "1.5", "true", "[1, 2]", "null"])
def test_a_json_label_that_is_not_a_name_is_refused(tmp_path, label):
    path = _table(tmp_path, "t.jsonl", f'{{"text": "a", "label": "x"}}\n{{"text": "b", "label": {label}}}\n')
    with pytest.raises(TextclfError, match="line 2: (label|empty label)"):
        sources.read_table(str(path), None, "text", "label")


def test_a_long_document_is_legitimate_input(tmp_path):
    long_text = "word " * 100_000  # 500 KB in one field: csv's default limit is 128 KB
    path = _table(tmp_path, "long.csv", f'text,label\n"{long_text}",a\nshort,b\n')
    assert len(sources.read_table(str(path), None, "text", "label").splits["train"].texts[0]) == len(long_text)


def test_data_paths_that_are_not_regular_files_are_refused_or_skipped(tmp_path, capsys):
    import os

    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(TextclfError, match="folder.csv is a folder; expected a file"):
        sources.read_table(str(tmp_path / "folder.csv"), None, "text", "label")
    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(TextclfError, match="FIFO"):
        sources.read_table(str(tmp_path / "pipe.csv"), None, "text", "label")
    root = tmp_path / "classes"
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        (root / label / "1.txt").write_text(f"text of {label}")
    (root / "a" / "sub.txt").mkdir()  # a folder named like a file
    (root / "a" / "gone.txt").symlink_to(tmp_path / "nothing")
    os.mkfifo(root / "b" / "pipe.txt")  # reading it would wait forever
    labeled = sources.read_class_directory(str(root), None)
    assert len(labeled.splits["train"]) == 2
    assert "skipped 3 entries" in capsys.readouterr().err
