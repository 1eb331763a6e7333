"""The Keras pieces a saved model refers to: standardization, padding, bag layers."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from textclf.model.layers import BagDense, NaiveBayesLinear
from textclf.features.text_layers import bag_ids, pad_and_truncate, standardize, standardize_keeping_punctuation


def test_standardize_strips_markup_and_punctuation():
    out = standardize(tf.constant(["Great<br />movie, LOVED it!!"])).numpy()[0].decode()
    assert out.split() == ["great", "movie", "loved", "it"]


def test_keeping_punctuation_makes_each_mark_a_word_and_still_drops_markup_and_separators():
    out = standardize_keeping_punctuation(tf.constant(["Great<br />movie,\u2028LOVED it!! \"Don't\""]))
    assert out.numpy()[0].decode().split() == ["great", "movie", ",", "loved", "it", "!", "!", '"', "don", "'", "t",
                                               '"']


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_padding_matches_keras_pad_sequences(padding, truncating):
    rows = [[3, 4, 5, 6, 7], [8, 9], [2]]
    ours = pad_and_truncate(tf.ragged.constant(rows), 4, padding, truncating).numpy()
    reference = keras.utils.pad_sequences(rows, maxlen=4, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(ours, reference)


def test_bag_dense_equals_dense_on_the_full_vector():
    layer = BagDense(6, 3, activation="relu")
    vectors = np.array([[0, 2, 0, 0, 1, 0], [1, 0, 0, 0, 0, 3], [0, 0, 0, 0, 0, 0]], dtype=np.float32)
    ours = layer(bag_ids(tf.sparse.from_dense(vectors))).numpy()
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(ours, np.maximum(vectors @ kernel + bias, 0), rtol=1e-6)


def test_normalized_naive_bayes_layer_divides_each_texts_logits_by_the_root_of_its_terms():
    vectors = np.array([[1, 1, 0, 1], [0, 1, 0, 0], [0, 0, 0, 0]], dtype=np.float32)
    layers = [NaiveBayesLinear(4, 1, 0.5, normalize=normalize) for normalize in (False, True)]
    for layer in layers:
        layer.build(None)
        layer.set_ratios(np.array([[1.0], [-2.0], [3.0], [0.5]], np.float32))
        layer.kernel.assign(np.array([[0.1], [0.2], [0.3], [0.4]], np.float32))
        layer.bias.assign([0.25])
    plain, normalized = (layer(bag_ids(tf.sparse.from_dense(vectors))).numpy()[:, 0] for layer in layers)
    np.testing.assert_allclose(plain, [0.6 - 1.4 + 0.45 + 0.25, -1.4 + 0.25, 0.25], rtol=1e-6)
    np.testing.assert_allclose(normalized, [(0.6 - 1.4 + 0.45) / np.sqrt(3) + 0.25, -1.4 + 0.25, 0.25], rtol=1e-6)
