"""The end-to-end model: raw strings in, in any container, and its class names inside."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from textclf.model.text_model import TextModel, as_strings, class_names_of, classifier_of, members_of


def tiny(names=("neg", "pos"), thresholds=None) -> TextModel:
    texts = keras.Input(shape=(), dtype="string", name="text")
    inner = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")], name="network")
    lengths = keras.layers.Lambda(lambda t: tf.cast(tf.strings.length(t)[:, None], "float32"), output_shape=(1,))(texts)
    return TextModel(texts, inner(lengths), class_names=names, thresholds=thresholds)


@pytest.mark.parametrize("texts", [["a", "bbb"], ("a", "bbb"), np.array(["a", "bbb"]),
                                   np.array(["a", "bbb"], dtype=object)])
def test_a_list_tuple_or_numpy_array_of_strings_predicts(texts):
    model = tiny()
    expected = model.predict(tf.constant(["a", "bbb"]))
    np.testing.assert_allclose(model.predict(texts), expected)
    np.testing.assert_allclose(model(texts).numpy(), expected)


def test_a_single_string_is_one_text_and_the_empty_list_none():
    assert as_strings("one text").shape == (1,) and as_strings([]).shape == (0,)


def test_class_names_and_thresholds_are_part_of_its_config():
    model = tiny(thresholds=[0.3])
    config = model.get_config()
    assert config["class_names"] == ["neg", "pos"] and config["thresholds"] == [0.3]
    assert "thresholds" not in tiny().get_config()  # an older loader needs no new key
    assert class_names_of(model) == ["neg", "pos"] and class_names_of(object()) == []


def test_the_network_inside_and_the_members_of_a_single_model():
    model = tiny()
    assert classifier_of(model).name == "network" and members_of(model) == [model]
