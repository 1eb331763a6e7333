import json

import numpy as np
import pytest

from textclf.data import tables
from textclf.data.label_sets import LabelFormat
from textclf.errors import TextclfError


def _read(tmp_path, name: str, content: str, test: str | None = None, **form):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    test_path = None
    if test is not None:
        test_path = tmp_path / f"test{path.suffix}"
        test_path.write_text(test, encoding="utf-8")
    columns = form.pop("columns", None)
    return tables.read_table(str(path), test_path and str(test_path), labels=LabelFormat(**form), columns=columns)


def test_a_separator_gives_each_text_its_set_of_labels_and_a_row_may_hold_none(tmp_path, capsys):
    labeled = _read(tmp_path, "t.csv", "text,label\nbill me,billing|urgent\nhello,\nnow,urgent| urgent \n",
                    separator="|")
    train = labeled.splits["train"]
    assert labeled.class_names == ("billing", "urgent") and train.multi_label
    assert train.labels.tolist() == [[1, 1], [0, 0], [0, 1]]  # a label given twice applies once
    assert "1 rows without a label" in capsys.readouterr().err


def test_jsonl_lists_of_labels_need_the_multi_label_task(tmp_path):
    rows = "".join(json.dumps(row) + "\n" for row in [{"text": "a", "label": ["x", "y"]}, {"text": "b", "label": []},
                                                          {"text": "c", "label": "y"}])
    labeled = _read(tmp_path, "t.jsonl", rows, task="multi_label")
    assert labeled.splits["train"].labels.tolist() == [[1, 1], [0, 0], [0, 1]]
    with pytest.raises(TextclfError, match="line 1: label .* needs data.task: multi_label"):
        _read(tmp_path, "t.jsonl", rows)


def test_label_names_turn_ids_into_names_for_a_table_without_a_header(tmp_path):
    labeled = _read(tmp_path, "t.tsv", "first text\t0,2\tid1\nsecond\t1\tid2\n", separator=",",
                    names=("joy", "anger", "fear"), columns=["text", "label", "id"])
    assert labeled.class_names == ("joy", "anger", "fear")
    assert labeled.splits["train"].texts.tolist() == ["first text", "second"]
    assert labeled.splits["train"].labels.tolist() == [[1, 0, 1], [0, 1, 0]]


@pytest.mark.parametrize("content, form, words", [
    ("text,label\na,0|5\nb,1\n", {"separator": "|", "names": ("x", "y")}, ["line 2", "label id '5'", "0-1"]),
    ("text,label\na,x,y\nb,x\n", {"separator": "|"}, ["data.label_separator", "'|' splits no label"]),
    ("text,label\na,\nb,\n", {"task": "multi_label"}, ["every row's label is empty"]),
    ("text,label\na,x|y\nb,x\n", {"task": "single_label", "separator": "|"}, ["line 2", "several labels"]),
])
def test_bad_multi_label_input_is_one_error_naming_it(tmp_path, content, form, words):
    with pytest.raises(TextclfError) as error:
        _read(tmp_path, "t.csv", content.replace(",x,y", ',"x,y"'), **form)
    for word in words:
        assert word in str(error.value)


def test_a_test_label_training_never_saw_is_an_error(tmp_path):
    with pytest.raises(TextclfError, match="label 'z' of the test split does not occur in the training data"):
        _read(tmp_path, "t.csv", "text,label\na,x|y\nb,x\n", test="text,label\nc,x|z\n", separator="|")


def test_single_label_tables_read_as_before_through_the_same_path(tmp_path):
    labeled = _read(tmp_path, "t.csv", "text,label\na,x\nb,y\nc,x\n")
    assert not labeled.splits["train"].multi_label
    assert labeled.splits["train"].labels.dtype == np.int32 and labeled.class_names == ("x", "y")


def test_a_file_in_several_class_folders_is_one_text_with_their_labels(tmp_path):
    from textclf.data import sources

    for label, names in {"billing": ["1.txt", "2.txt"], "urgent": ["2.txt", "3.txt"], "spam": ["4.txt"]}.items():
        (tmp_path / label).mkdir()
        for name in names:
            (tmp_path / label / name).write_text(f"ticket {name}", encoding="utf-8")
    labeled = sources.read_class_directory(str(tmp_path), None)
    train = labeled.splits["train"]
    assert labeled.class_names == ("billing", "spam", "urgent") and train.multi_label
    assert train.texts.tolist() == ["ticket 1.txt", "ticket 2.txt", "ticket 3.txt", "ticket 4.txt"]
    assert train.labels.tolist() == [[1, 0, 0], [1, 0, 1], [0, 0, 1], [0, 1, 0]]
    single = sources.read_class_directory(str(tmp_path), None, task="single_label")
    assert not single.splits["train"].multi_label and len(single.splits["train"]) == 5
    (tmp_path / "urgent" / "2.txt").write_text("another ticket", encoding="utf-8")  # the same name, another text
    assert not sources.read_class_directory(str(tmp_path), None).splits["train"].multi_label


def test_through_the_command_line_a_bad_label_field_is_one_line_and_exit_2(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from textclf.cli import app

    (tmp_path / "t.csv").write_text("text,label\na,x\nb,y\nc,x\n", encoding="utf-8")
    config = {"name": "t", "data": {"source": "csv", "path": str(tmp_path / "t.csv"), "label_separator": "|"},
              "model": {"type": "nbsvm"}, "output_dir": str(tmp_path / "outputs")}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(tmp_path / "c.yaml")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert errors == [f"error: data.label_separator: '|' splits no label of {tmp_path / 't.csv'}; is it the "
                      "separator the labels are written with?"]
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").iterdir())


def test_labels_joined_by_a_separator_are_pointed_out_when_none_is_set(tmp_path, capsys):
    path = tmp_path / "tickets.csv"
    path.write_text("text,label\nslow app,billing|bug\ncrash,bug\nrefund,billing|refund\nlate,billing|bug\n",
                    encoding="utf-8")
    labeled = tables.read_table(str(path), None)
    assert "billing|bug" in labeled.class_names  # read as asked: one label per field
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning")]
    assert warnings == [f"warning: {path}: 2 of 3 labels hold '|' (e.g. 'billing|bug'); if they are several labels "
                        "per text, set data.label_separator: '|'"]
    separated = tables.read_table(str(path), None, labels=LabelFormat(separator="|"))
    assert separated.class_names == ("billing", "bug", "refund") and "warning" not in capsys.readouterr().err


def test_an_empty_label_says_multi_label_data_may_have_none(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\na text,\n", encoding="utf-8")
    with pytest.raises(TextclfError, match="line 2: empty label in column 'label'; a row may hold no label only "
                                           r"in multi-label data \(data.task: multi_label"):
        tables.read_table(str(path), None)
