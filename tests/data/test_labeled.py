"""What every reader gathers through: texts checked, classes in a stable order, splits as arrays."""

import numpy as np
import pytest

from textclf.data.labeled import Collector, EmptyTexts, checked_text, sort_key, sorted_labels
from textclf.errors import TextclfError


def test_texts_come_in_the_order_of_their_leading_number_and_classes_in_numeric_order():
    assert sorted(["train/neg/10_1.txt", "train/neg/9_2.txt", "line 3", "notes.txt"], key=sort_key) == \
        ["line 3", "train/neg/9_2.txt", "train/neg/10_1.txt", "notes.txt"]
    assert sorted_labels(["10", "9", "-1"]) == ("-1", "9", "10") and sorted_labels(["b", "a", "10"]) == ("10", "a", "b")


def test_a_text_with_nul_bytes_is_refused_naming_where():
    with pytest.raises(TextclfError, match="line 4 is not text"):
        checked_text("a\x00b", "d.csv", "line 4")


def test_empty_texts_are_counted_and_named_or_refused(capsys):
    empty = EmptyTexts("d.csv")
    assert [empty.keep(text, f"line {n}") for n, text in enumerate(["a", " ", "", "\n", "\t", "b"], 2)] == \
        [True, False, False, False, False, True]
    empty.warn()
    assert capsys.readouterr().err == ("warning: d.csv: skipped 4 empty texts (line 3, line 4, line 5 …); "
                                       "data.empty_text: error refuses them\n")
    with pytest.raises(TextclfError, match="d.csv: empty text line 9"):
        EmptyTexts("d.csv", "error").keep("  ", "line 9")


def test_a_collector_gives_splits_of_arrays_with_labels_indexing_the_classes(capsys):
    collector = Collector("reviews")
    for index, (label, raw) in enumerate([("pos", "good"), ("neg", b"bad \xff bytes"), ("pos", "fine")]):
        collector.add("train", label, f"{index}.txt", raw)
    collector.add("test", "neg", "0.txt", "poor")
    labeled = collector.result()
    assert labeled.class_names == ("neg", "pos") and len(labeled.splits["train"]) == 3
    assert labeled.splits["train"].labels.tolist() == [0, 1, 1] and labeled.splits["train"].labels.dtype == np.int32
    assert labeled.splits["train"].texts[0] == "bad \ufffd bytes" and "not valid UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize(("rows", "words"), [([("train", "pos")], "only one class"),
                                             ([("train", "pos"), ("train", "neg"), ("test", "odd")], "label 'odd'")])
def test_one_class_or_a_test_label_unseen_in_training_is_refused(rows, words):
    collector = Collector("d.csv")
    for index, (split, label) in enumerate(rows):
        collector.add(split, label, f"line {index + 2}", f"text {index}")
    with pytest.raises(TextclfError, match=words):
        collector.result()


def test_labels_that_write_one_number_in_several_ways_are_pointed_out(capsys):
    collector = Collector("d.csv")
    for index, label in enumerate(["1.0", "0.0", "1", "0.0", "1"]):
        collector.add("train", label, f"line {index + 2}", f"text {index}")
    assert collector.result().class_names == ("0.0", "1", "1.0")  # as written: three classes
    assert capsys.readouterr().err == ("warning: d.csv: labels that write one number in several ways are classes of "
                                       "their own: '1' and '1.0'; write each label one way\n")
