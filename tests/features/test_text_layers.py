"""The Keras pieces a saved model refers to: standardization, padding, bag layers."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from textclf.features.text_layers import pad_and_truncate, standardize, standardize_keeping_punctuation


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


