"""A config enters textclf through ``load_config``: the first error, by its dotted key, in one line."""

import pytest
from helpers import error_of

from textclf.config import MODEL_CONFIGS


def test_unknown_key_names_the_field_and_suggests(tmp_path):
    message = error_of(tmp_path, "name: x\nmodel: {type: lstm}\ntrain: {epocs: 3}\n")
    assert "train.epocs" in message and "did you mean 'epochs'" in message


def test_unknown_model_key_names_the_field(tmp_path):
    message = error_of(tmp_path, "name: x\nmodel: {type: lstm, unitz: 3}\n")
    assert "model.unitz" in message and "'units'" in message


def test_unknown_model_type_lists_valid_types(tmp_path):
    message = error_of(tmp_path, "name: x\nmodel: {type: transformerz}\n")
    assert "transformerz" in message
    for model_type in MODEL_CONFIGS:
        assert model_type in message


@pytest.mark.parametrize(
    "text, field",
    [
        ("name: x\nmodel: {type: lstm}\ntrain: {epochs: many}\n", "train.epochs"),
        ("name: x\nmodel: {type: lstm}\ntrain: {epochs: 0}\n", "train.epochs"),
        ("name: x\nmodel: {type: lstm}\ntrain: {learning_rate: -0.1}\n", "train.learning_rate"),
        ("name: x\nmodel: {type: lstm}\ntrain: {learning_rate: .nan}\n", "train.learning_rate"),
        ("name: x\nmodel: {type: lstm}\ndata: {validation_split: 1.0}\n", "data.validation_split"),
        ("name: x\nmodel: {type: lstm}\ndata: {maxlen: 0}\n", "data.maxlen"),
        ("name: x\nmodel: {type: lstm}\ndata: {padding: middle}\n", "data.padding"),
        ("name: x\nmodel: {type: gru, units: [1]}\n", "model.units"),
        ("model: {type: gru}\n", "name"),
    ],
)
def test_bad_values_name_the_field(tmp_path, text, field):
    assert error_of(tmp_path, text).split(": ")[1] == field
