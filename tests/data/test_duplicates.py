import numpy as np

from textclf.data import duplicates


def _labels(**splits):
    return {name: np.array(values, dtype=np.int32) for name, values in splits.items()}


def test_groups_leakage_repeats_and_conflicts_are_found_exactly():
    keys = {"train": ["a b", "c d", "a b", "e f", "g h"], "validation": ["c d"], "test": ["e f", "x y", "g h"]}
    labels = _labels(train=[0, 1, 0, 1, 0], validation=[1], test=[1, 0, 1])
    found = duplicates.groups(keys, labels)
    assert [group.rows for group in found] == [(("train", 0), ("train", 2)), (("train", 1), ("validation", 0)),
                                               (("train", 3), ("test", 0)), (("train", 4), ("test", 2))]
    assert duplicates.leaked(found, "test") == [("test", 0), ("test", 2)]
    assert duplicates.leaked(found, "validation") == [("validation", 0)]
    assert duplicates.repeated(found) == [("train", 2)]
    assert [group.conflicting for group in found] == [False, False, False, True]
    assert duplicates.counts(found) == {"test_in_train": 2, "validation_in_train": 1, "repeated_rows": 1,
                                        "conflicting_texts": 1}


def test_distinct_texts_make_no_groups():
    keys = {"train": ["a", "b"], "validation": ["c"], "test": ["d"]}
    found = duplicates.groups(keys, _labels(train=[0, 1], validation=[0], test=[1]))
    assert found == [] and duplicates.counts(found) == dict.fromkeys(duplicates.counts([]), 0)


def test_multi_label_rows_conflict_when_their_label_sets_differ():
    keys = {"train": ["a", "a", "b", "b"], "validation": [], "test": []}
    labels = {"train": np.array([[1, 0], [1, 0], [1, 1], [0, 1]], np.int8), "validation": np.zeros((0, 2), np.int8),
              "test": np.zeros((0, 2), np.int8)}
    found = duplicates.groups(keys, labels)
    assert [group.conflicting for group in found] == [False, True]
    assert found[1].labels == ((0, 1), (1,))
