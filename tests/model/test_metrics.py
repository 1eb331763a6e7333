import numpy as np
import pytest

from textclf.model.head import Head


def _value(metric, labels, outputs):
    metric.update_state(np.array(labels), np.array(outputs, dtype="float32"))
    return float(metric.result())


@pytest.mark.parametrize("name", ["auc", "f1"])
def test_two_classes_one_sigmoid_unit(name):
    made = Head(2).metrics(["accuracy", name])[1]
    labels, outputs = [0, 1, 1, 0], [[0.2], [0.8], [0.6], [0.7]]
    expected = {"auc": 0.75, "f1": 0.8}[name]  # AUC: 3 of 4 (pos, neg) pairs ordered; F1: P 2/3, R 1
    assert _value(made, labels, outputs) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("name", ["auc", "f1"])
def test_three_classes_softmax_on_class_numbers(name):
    made = Head(3).metrics([name])[0]
    labels = [0, 1, 2, 2]
    outputs = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]]
    value = _value(made, labels, outputs)
    if name == "f1":  # per class: 1, 2/3, 2/3 → macro
        assert value == pytest.approx(np.mean([1.0, 2 / 3, 2 / 3]), abs=1e-3)
    else:
        assert 0.5 < value <= 1.0


@pytest.mark.parametrize("classes", [2, 3])
def test_macro_f1_is_the_mean_of_every_class_f1(classes):
    rng = np.random.default_rng(classes)
    labels = rng.integers(0, classes, 60)
    outputs = rng.dirichlet(np.ones(classes), 60).astype("float32")
    shown = outputs[:, 1:] if classes == 2 else outputs  # two classes: one sigmoid unit, P(second class)
    predicted = outputs.argmax(axis=1)
    expected = np.mean([2 * np.sum((predicted == c) & (labels == c)) / (np.sum(predicted == c) + np.sum(labels == c))
                        for c in range(classes)])
    assert _value(Head(classes).metrics(["macro_f1"])[0], labels, shown) == pytest.approx(expected, abs=1e-4)


def test_a_search_by_macro_f1_has_its_trainings_log_it():
    from textclf.config import validate

    cfg = validate({"name": "x", "model": {"type": "lstm"}, "search": {"metric": "val_macro_f1"}})
    assert cfg.train.metrics == ["accuracy", "macro_f1"]
    cfg = validate({"name": "x", "model": {"type": "lstm"}, "train": {"checkpoint_monitor": "val_macro_f1",
                                                                       "metrics": ["macro_f1"]}})
    assert cfg.train.checkpoint_monitor == "val_macro_f1"


def test_accuracy_is_always_logged_and_monitors_must_be_logged():
    from textclf.config import validate
    from textclf.errors import TextclfError

    cfg = validate({"name": "x", "model": {"type": "lstm"}, "train": {"metrics": ["f1", "auc", "f1"]}})
    assert cfg.train.metrics == ["accuracy", "f1", "auc"]
    with pytest.raises(TextclfError, match="train.early_stopping.monitor: 'val_f1' is not logged"):
        validate({"name": "x", "model": {"type": "lstm"}, "train": {"early_stopping": {"monitor": "val_f1"}}})


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_the_head_decides_everything_two_classes_or_more_changes(classes):
    head = Head(classes)
    assert (head.units, head.activation, head.loss) == ((1, "sigmoid", "binary_crossentropy") if classes == 2 else
                                                        (classes, "softmax", "sparse_categorical_crossentropy"))
    raw = np.random.default_rng(0).random((4, head.units)).astype("float32")
    probabilities = head.probabilities(raw)
    assert probabilities.shape == (4, classes)
    assert head.scored_classes() == ([1] if classes == 2 else list(range(classes)))
    assert head.ratio_columns(np.zeros((7, classes))).shape == (7, head.units)
