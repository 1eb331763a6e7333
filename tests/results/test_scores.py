"""Single-label scores, checked by hand: accuracy, loss, per-class and averaged P/R/F1, ROC-AUC, mistakes."""

import numpy as np
import pytest

from textclf.results.scores import classification_metrics, confident_mistakes, roc_auc


def test_metrics_on_a_hand_checked_binary_example():
    labels = np.array([0, 0, 1, 1, 1])
    positive = np.array([0.1, 0.6, 0.7, 0.8, 0.4])
    report = classification_metrics(labels, np.stack([1 - positive, positive], axis=1), ["neg", "pos"])
    assert report["confusion_matrix"] == [[1, 1], [1, 2]]
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["precision"] == pytest.approx(2 / 3) and report["recall"] == pytest.approx(2 / 3)
    assert report["roc_auc"] == pytest.approx(5 / 6)  # 5 of the 6 (pos, neg) pairs are ordered right
    expected_loss = -np.mean(np.log([0.9, 0.4, 0.7, 0.8, 0.4]))
    assert report["loss"] == pytest.approx(expected_loss, rel=1e-6)


def test_multi_class_metrics_have_per_class_and_averages():
    labels = np.array([0, 1, 2, 2])
    probabilities = np.eye(3)[[0, 1, 2, 1]] * 0.8 + 0.2 / 3
    report = classification_metrics(labels, probabilities, ["a", "b", "c"])
    assert set(report["per_class"]) == {"a", "b", "c"}
    assert report["per_class"]["c"]["recall"] == pytest.approx(0.5)
    assert report["per_class"]["b"]["precision"] == pytest.approx(0.5)
    assert report["macro"]["f1"] == pytest.approx(np.mean([1.0, 2 / 3, 2 / 3]))
    assert report["weighted"]["recall"] == pytest.approx(0.75)


def test_roc_auc_handles_ties_and_perfect_ranking():
    assert roc_auc(np.array([0, 1]), np.array([0.2, 0.9])) == pytest.approx(1.0)
    assert roc_auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == pytest.approx(0.5)


def test_confident_mistakes_come_surest_first():
    labels = np.array([0, 1, 0])
    positive = np.array([0.7, 0.2, 0.99])
    mistakes = confident_mistakes(np.array(["a", "b", "c"]), labels, np.stack([1 - positive, positive], 1),
                                  ["neg", "pos"], count=5)
    assert [m["text"] for m in mistakes] == ["c", "b", "a"]
    assert mistakes[0]["true_label"] == "neg" and mistakes[0]["predicted_label"] == "pos"


def test_a_threshold_moves_binary_decisions_and_is_refused_elsewhere():
    from textclf.errors import TextclfError

    labels = np.array([0, 0, 1, 1, 1])
    positive = np.array([0.1, 0.6, 0.7, 0.8, 0.4])
    probabilities = np.stack([1 - positive, positive], axis=1)
    low = classification_metrics(labels, probabilities, ["neg", "pos"], threshold=0.35)
    high = classification_metrics(labels, probabilities, ["neg", "pos"], threshold=0.65)
    assert (low["confusion_matrix"], high["confusion_matrix"]) == ([[1, 1], [0, 3]], [[2, 0], [1, 2]])
    with pytest.raises(TextclfError, match="--threshold: only for two classes"):
        classification_metrics(np.array([0]), np.full((1, 3), 1 / 3), ["a", "b", "c"], threshold=0.5)
    with pytest.raises(TextclfError, match="--threshold"):
        classification_metrics(labels, probabilities, ["neg", "pos"], threshold=1.5)
