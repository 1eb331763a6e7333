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
