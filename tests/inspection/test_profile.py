import numpy as np

from textclf.data.labeled import Split
from textclf.data.splits import Corpus
from textclf.inspection import profile


def test_the_shape_counts_rows_classes_lengths_and_replaced_bytes():
    def split(texts, labels):
        return Split(np.array(texts, dtype=object), np.array(labels, dtype=np.int32))

    corpus = Corpus(split(["a b c", "d", "e f", "g\ufffd"], [0, 0, 0, 1]), split(["h i"], [0]),
                    split(["j k l m n"], [0]), ("big", "small", "none"), "", "data.csv", 3)
    keys = {"train": ["a b c", "d", "e f", "g"], "validation": ["h i"], "test": ["j k l m n"]}
    shape = profile.profile(corpus, keys, maxlen=2)
    assert shape["rows"] == {"train": 4, "validation": 1, "test": 1}
    assert shape["class_counts"]["train"] == {"big": 3, "small": 1, "none": 0}
    assert shape["imbalance"] == 5.0 and shape["missing_classes"] == ["none"]
    assert shape["longer_than_maxlen"] == 2 and shape["replaced_bytes"] == 1 and shape["empty_skipped"] == 3
    assert shape["words"]["p50"] == 2 and sum(shape["length_histogram"]["counts"]) == 6


def test_multi_label_data_reports_label_set_sizes_and_pairs():
    def split(texts, labels):
        return Split(np.array(texts, dtype=object), np.array(labels, dtype=np.int8).reshape(-1, 3))

    corpus = Corpus(split(["a", "b", "c"], [[1, 1, 0], [1, 1, 0], [0, 0, 0]]), split([], []), split(["d"], [[1, 0, 1]]),
                    ("x", "y", "z"), "", "data.jsonl")
    shape = profile.profile(corpus, {"train": ["a", "b", "c"], "validation": [], "test": ["d"]}, maxlen=5)
    assert shape["task"] == "multi_label"
    assert shape["label_sets"]["labels_per_text"] == {"0": 1, "2": 3}
    assert shape["label_sets"]["pairs"][0] == {"labels": ["x", "y"], "texts": 2}
