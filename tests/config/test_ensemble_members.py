"""``train.members``: each member's values over the run's config, checked when the config is loaded."""

import pytest
from helpers import tiny_config
from typer.testing import CliRunner

from textclf.cli import app
from textclf.config import validate
from textclf.config.ensemble_members import member_raw


def test_a_member_is_the_runs_config_with_its_values_and_its_own_seed():
    raw = {"name": "x", "seed": 5, "model": {"type": "nbsvm", "alpha": 0.5}, "data": {"ngrams": 2},
           "train": {"members": [{"weight": 2, "set": {"data.ngrams": 1}},
                                 {"weight": 1, "set": {"model.type": "cnn", "train.epochs": 3}}]}}
    cfg = validate(raw)
    assert cfg.train.ensemble == 2
    first, second = (validate(member_raw(cfg.model_dump(mode="json"), i)) for i in range(2))
    assert (first.seed, first.model.alpha, first.data.ngrams, first.train.members) == (5, 0.5, 1, [])
    assert (second.seed, second.model.type, second.train.epochs, second.data.ngrams) == (6, "cnn", 3, 2)


@pytest.mark.parametrize(("member", "named"), [({"data.path": "other.csv"}, "train.members[0].set: 'data.path'"),
                                                ({"train.epochs": 0}, "train.members[0]: train.epochs"),
                                                ({"model.type": "nope"}, "train.members[0]")])
def test_a_member_that_cannot_be_trained_is_refused_at_load_naming_it(tmp_path, imdb_dir, member, named):
    path = tiny_config(tmp_path, imdb_dir, {"type": "nbsvm"}, train={"members": [{"weight": 1, "set": member}]})
    result = CliRunner().invoke(app, ["train", str(path), "--dry-run"])
    assert result.exit_code == 2 and named in result.stderr, result.output


def test_train_ensemble_must_agree_with_the_members_listed(tmp_path, imdb_dir):
    path = tiny_config(tmp_path, imdb_dir, {"type": "nbsvm"}, train={"ensemble": 3, "members": [{"weight": 1}]})
    result = CliRunner().invoke(app, ["train", str(path), "--dry-run"])
    assert result.exit_code == 2 and "train.ensemble: 3, but train.members lists 1" in result.stderr
