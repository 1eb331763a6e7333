import numpy as np

from textclf.data.labeled import Split
from textclf.data.splits import Corpus
from textclf.inspection import label_errors


def test_rows_whose_probabilities_contradict_their_label_are_flagged_with_the_other_class():
    rng = np.random.default_rng(0)
    labels = np.array([0, 1] * 50, dtype=np.int32)
    probabilities = np.where(labels[:, None] == np.arange(2), 0.9, 0.1) + rng.uniform(-0.05, 0.05, (100, 2))
    planted = [3, 10, 55]
    probabilities[planted] = probabilities[planted][:, ::-1]  # the model is sure of the other class
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    texts = np.array([f"t{i}" for i in range(100)], dtype=object)
    corpus = Corpus(Split(texts[:80], labels[:80]), Split(texts[80:90], labels[80:90]),
                    Split(texts[90:], labels[90:]), ("a", "b"), "", "data")
    issues = label_errors.find(corpus, probabilities.astype(np.float32))
    assert sorted(issue.row for issue in issues) == [("train", 3), ("train", 10), ("train", 55)]
    for issue in issues:
        assert issue.suggested != issue.given and issue.confidence > 0.8 and issue.given_probability < 0.2


def test_labels_cleanlab_cannot_rank_are_one_line():
    import pytest

    from textclf.errors import TextclfError

    texts = np.array(["a", "b", "c", "d"], dtype=object)
    corpus = Corpus(Split(texts[:2], np.array([0, 2], np.int32)), Split(texts[2:3], np.array([1], np.int32)),
                    Split(texts[3:], np.array([0], np.int32)), ("a", "b", "c"), "", "data")
    with pytest.raises(TextclfError, match="cleanlab cannot rank these labels"):
        label_errors.find(corpus, np.full((4, 2), 0.5, np.float32))  # two columns for three classes
