"""The head: what two classes, more, or several labels per text decide, asked in one place."""

import keras
import numpy as np
import pytest

from textclf.errors import TextclfError
from textclf.model.head import Head


@pytest.mark.parametrize(("head", "units", "activation", "loss"), [
    (Head(2), 1, "sigmoid", "binary_crossentropy"),
    (Head(5), 5, "softmax", "sparse_categorical_crossentropy"),
    (Head(2, multi_label=True), 2, "sigmoid", "binary_crossentropy"),
])
def test_outputs_and_loss_follow_the_task(head, units, activation, loss):
    assert (head.units, head.activation, head.loss) == (units, activation, loss)
    layer = head.output_layer()
    assert layer.units == units and layer.dtype_policy.compute_dtype == "float32"


def test_probabilities_and_decisions_per_task():
    binary = Head(2)
    probabilities = binary.probabilities(np.array([[0.2], [0.7]]))
    np.testing.assert_allclose(probabilities, [[0.8, 0.2], [0.3, 0.7]])
    assert binary.decide(probabilities).tolist() == [0, 1] and binary.decide(probabilities, 0.75).tolist() == [0, 0]
    labels = Head(3, multi_label=True).decide(np.array([[0.6, 0.2, 0.9]]), [0.5, 0.1, 0.95])
    assert labels.tolist() == [[1, 1, 0]]
    assert Head(3).label_matrix(np.array([2, 0])).tolist() == [[0, 0, 1], [1, 0, 0]]


@pytest.mark.parametrize(("head", "threshold", "words"), [(Head(2), 1.5, "between 0 and 1"),
                                                          (Head(3), 0.4, "only for two classes")])
def test_a_threshold_that_cannot_apply_is_refused_naming_the_option(head, threshold, words):
    with pytest.raises(TextclfError, match=f"--threshold: .*{words}"):
        head.decide(np.full((1, head.num_classes), 0.5), threshold)


@pytest.mark.parametrize(("width", "thresholds", "expected"), [(1, None, Head(2)), (4, None, Head(4)),
                                                               (4, [0.5] * 4, Head(4, multi_label=True))])
def test_a_built_model_says_its_head_by_its_output_and_its_thresholds(width, thresholds, expected):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(width)(inputs))
    model.thresholds = thresholds
    assert Head.of_model(model) == expected


def test_naive_bayes_ratio_columns_match_the_output_units():
    ratios = np.arange(6.0).reshape(3, 2)
    assert Head(2).ratio_columns(ratios).shape == (3, 1)
    assert Head(2, multi_label=True).ratio_columns(ratios).shape == (3, 2)
