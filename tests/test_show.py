import json

from textclf import show


def test_the_confusion_table_aligns_labels_and_counts():
    lines = show.confusion_table([[12000, 5], [3, 7]], ["negative", "pos"])
    widths = {len(line) for line in lines[1:]}
    assert len(widths) == 1  # every row as wide as the header
    assert lines[2].split() == ["negative", "12,000", "5"] and lines[3].split() == ["pos", "3", "7"]


def test_json_lines_stay_one_line_for_tools_that_split_at_unicode_separators():
    line = show.json_line({"text": "a\x85b\u2028c\u2029d"})
    assert "\x85" not in line and "\u2028" not in line and "\u2029" not in line
    assert json.loads(line)["text"] == "a\x85b\u2028c\u2029d"


def test_cells_use_one_precision_per_column():
    assert [show.cell(v, "test_accuracy") for v in (0.9203, 1.0)] == ["0.9203", "1.0000"]
    assert [show.cell(v, "train_seconds") for v in (0.5, 1234.56)] == ["0.5", "1,234.6"]
    assert show.cell(None) == "-" and show.cell(1600001) == "1,600,001"


def test_the_runs_table_lines_up_its_columns_and_right_aligns_numbers():
    rows = [{"run": "a", "test_accuracy": 0.91, "epochs": 3}, {"run": "longer-name", "test_accuracy": None,
                                                              "epochs": 12}]
    lines = show.runs_table(rows, ["run", "test_accuracy", "epochs"], {"test_accuracy", "epochs"})
    assert lines[0].split() == ["run", "test_accuracy", "epochs"]
    assert lines[1].split() == ["a", "0.9100", "3"] and lines[2].split() == ["longer-name", "-", "12"]
    assert lines[1].index("0.9100") + len("0.9100") == lines[2].rindex("-") + 1  # numbers end in one column
    assert lines[1].endswith(" 3") and lines[2].endswith("12")


def test_an_evaluation_report_lists_each_class_the_confusion_table_and_the_surest_mistakes():
    scores = {"precision": 0.5, "recall": 0.25, "f1": 0.3333}
    report = {"accuracy": 0.75, "loss": 0.5, "roc_auc": 0.8, "class_names": ["neg", "pos"],
              "per_class": {"neg": {**scores, "support": 2}, "pos": {**scores, "support": 2}},
              "macro": scores, "weighted": scores, "confusion_matrix": [[2, 0], [1, 1]],
              "mistakes": [{"probability": 0.9, "predicted_label": "neg", "true_label": "pos", "text": "x" * 300}]}
    lines = show.evaluation_lines(report)
    assert lines[0] == "accuracy 0.7500   loss 0.5000   ROC-AUC 0.8000"
    assert [line.split()[0] for line in lines[2:6]] == ["neg", "pos", "macro", "weighted"]
    assert lines[2].split()[-1] == "2" and lines[4].split()[-1] == "0.3333"  # averages have no support column
    assert lines[-1] == "  wrong 0.900 neg (true pos): " + "x" * 100
    assert show.confusion_table([[2, 0], [1, 1]], ["neg", "pos"]) == lines[6:-1]


def test_a_table_given_to_predict_is_read_a_row_at_a_time_through_its_text_column(tmp_path):
    import pytest

    from textclf.errors import TextclfError

    table = tmp_path / "new.csv"
    table.write_text('id,review,label\n1,"Great, really great",pos\n2,"line one\nline two",neg\n3,,neg\n',
                     encoding="utf-8")
    assert list(show.text_source(["given"], str(table), "review")) == ["given", "Great, really great",
                                                                        "line one\nline two", ""]
    with pytest.raises(TextclfError, match="no column 'text' .*; choose one with --text-column"):
        list(show.text_source([], str(table), "text"))
    plain = tmp_path / "new.txt"
    plain.write_text("id,review\nsecond line\n", encoding="utf-8")
    assert list(show.text_source([], str(plain), "review")) == ["id,review", "second line"]  # a line each
