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
