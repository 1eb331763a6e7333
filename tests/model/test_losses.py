import keras
import numpy as np
import pytest

from textclf.model.losses import BalancedBinaryCrossentropy, balanced_weights


def test_balanced_weights_make_a_rare_labels_positives_count_as_much_as_its_negatives():
    labels = np.array([[1, 0], [0, 0], [0, 1], [0, 1]])
    positive, negative = balanced_weights(labels)
    assert positive == [2.0, 1.0] and negative == pytest.approx([4 / 6, 1.0])
    assert positive[0] * 1 == pytest.approx(negative[0] * 3)  # one positive weighs as much as three negatives


def test_the_loss_is_weighted_cross_entropy_and_survives_saving():
    loss = BalancedBinaryCrossentropy([2.0, 1.0], [0.5, 1.0])
    y_true, y_pred = np.array([[1.0, 0.0]]), np.array([[0.8, 0.3]])
    expected = -(2.0 * np.log(0.8) + 1.0 * np.log(0.7)) / 2
    assert float(loss(y_true, y_pred)) == pytest.approx(expected, rel=1e-5)
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert float(again(y_true, y_pred)) == pytest.approx(expected, rel=1e-5)
    unweighted = BalancedBinaryCrossentropy([1.0, 1.0], [1.0, 1.0])
    plain = float(keras.losses.binary_crossentropy(y_true, y_pred)[0])
    assert float(unweighted(y_true, y_pred)) == pytest.approx(plain, rel=1e-4)
