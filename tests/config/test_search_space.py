"""The ``search:`` section is checked by the schema itself: every choice and range end, at load time."""

import pytest

from textclf.config import validate
from textclf.config.search_space import candidates, is_range, trial_config
from textclf.errors import TextclfError

BASE = {"name": "s", "data": {"source": "csv", "path": "x.csv"}, "model": {"type": "nbsvm"}}


def searched(**search) -> dict:
    return {**BASE, "search": search}


@pytest.mark.parametrize(("search", "named"), [
    ({"space": {"train.learning_rate": {"uniform": [0.1, 0.01]}}}, "range [0.1, 0.01] is empty"),
    ({"space": {"train.learning_rate": {"log_uniform": [0.0, 0.1]}}}, "log_uniform needs a low above 0"),
    ({"space": {"train.epochs": {"int": [1.5, 4]}}}, "int needs whole numbers"),
    ({"space": {"train.nosuch": [1, 2]}}, "search.space.train.nosuch"),
    ({"space": {"train.epochs": [0, 3]}}, "train.epochs"),
    ({"space": {"model.type": ["nbsvm"]}, "per_model": {"cnn": {"model.filters": [8]}}}, "search.per_model: cnn"),
    ({"space": {"train.epochs": [1, 2]}, "first": [{"train.batch_size": 8}]}, "search.first[0]: train.batch_size"),
    ({"space": {"train.epochs": []}}, "no choices given"),
    ({"space": {"train.epochs": [1, 2]}, "first": [{"train.epochs": 3}]},
     "search.first[0]: train.epochs=3 is not among"),
    ({"space": {"train.learning_rate": {"log_uniform": [0.01, 0.1]}}, "first": [{"train.learning_rate": 0.5}]},
     "search.first[0]: train.learning_rate=0.5 is not among"),
    ({"space": {"train.epochs": {"int": [1, 4]}}, "first": [{}, {"train.epochs": 2.5}]},
     "search.first[1]: train.epochs"),
    ({"space": {"model.type": ["nbsvm", "cnn"]}, "per_model": {"cnn": {"model.filters": [8]}},
      "first": [{"model.type": "nbsvm", "model.filters": 8}]}, "model.filters is not searched for model type nbsvm"),
    ({"space": {"data.split": ["word", "character"], "data.char_ngrams": [None, [2, 4]]},  # each alone is fine
      "first": [{"data.split": "character", "data.char_ngrams": [2, 4]}]}, "search.first[0]: data.char_ngrams"),
])
def test_a_bad_space_is_refused_when_the_config_is_read(search, named):
    with pytest.raises(TextclfError, match=named.replace("[", r"\[").replace(".", r"\.")):
        validate(searched(**search))


def test_ranges_and_choices_name_what_is_worth_validating():
    assert is_range({"int": [1, 3]}) and not is_range([1, 3]) and not is_range({"int": [1, 3], "x": 1})
    assert candidates("k", {"log_uniform": [1e-4, 1e-1]}, fixed_allowed=False) == [1e-4, 1e-1]
    assert candidates("k", 0.5, fixed_allowed=True) == [0.5]
    with pytest.raises(TextclfError, match="expected a list of choices or a range"):
        candidates("k", 0.5, fixed_allowed=False)


def test_a_trial_of_another_model_type_starts_a_fresh_model_section():
    raw = trial_config({**BASE, "model": {"type": "nbsvm", "alpha": 0.5}, "search": {}},
                       {"model.type": "cnn", "model.filters": 8, "train.epochs": 2})
    assert raw["model"] == {"type": "cnn", "filters": 8} and raw["train"] == {"epochs": 2} and "search" not in raw
    assert validate(raw).model.filters == 8


def test_first_trials_within_the_space_are_taken_as_they_are():
    search = {"space": {"model.type": ["nbsvm", "linear"], "train.learning_rate": {"log_uniform": [0.001, 0.05]}},
              "per_model": {"linear": {"data.char_ngrams": [[2, 5]], "train.learning_rate": 0.08}},
              "first": [{"model.type": "nbsvm", "train.learning_rate": 0.05},
                        {"model.type": "linear", "data.char_ngrams": [2, 5], "train.learning_rate": 0.08}]}
    assert validate(searched(**search)).search.first[1]["data.char_ngrams"] == [2, 5]
