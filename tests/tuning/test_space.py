"""The search space turned into one trial's values, with a real Optuna trial."""

import optuna
import pytest
from helpers import ROOT

from textclf.config import validate
from textclf.config.search_space import SearchConfig, trial_config
from textclf.tuning.space import encode_choice, member_count, param_name, refit_config, trial_values

SPACE = SearchConfig(
    space={"model.type": ["nbsvm", "cnn"], "train.learning_rate": {"log_uniform": [1e-4, 1e-1]}},
    per_model={"nbsvm": {"data.char_ngrams": [None, [2, 4]], "model.alpha": 0.5},
               "cnn": {"model.filters": {"int": [8, 64]}}})


@pytest.mark.parametrize(("params", "expected"), [
    ({"model.type": "nbsvm", "train.learning_rate": 0.01, "nbsvm:data.char_ngrams": encode_choice([2, 4])},
     {"model.type": "nbsvm", "train.learning_rate": 0.01, "data.char_ngrams": [2, 4], "model.alpha": 0.5}),
    ({"model.type": "cnn", "train.learning_rate": 0.001, "cnn:model.filters": 16},
     {"model.type": "cnn", "train.learning_rate": 0.001, "model.filters": 16}),
])
def test_a_trial_gets_the_shared_keys_and_only_its_model_types_own(params, expected):
    assert trial_values(optuna.trial.FixedTrial(params), {}, SPACE) == expected


def test_a_key_searched_for_every_model_keeps_its_own_name():
    assert param_name("train.learning_rate", "cnn", SPACE) == "train.learning_rate"
    assert param_name("model.filters", "cnn", SPACE) == "cnn:model.filters"
    assert encode_choice([2, 4]) != encode_choice([2, 5]) and encode_choice(None) is None and encode_choice(3) == 3


def test_a_model_types_own_value_of_a_shared_key_is_not_drawn_from_the_shared_range(recwarn):
    """configs/search/default.yaml's linear trial learns at 0.08, outside the range the other models search."""
    shared = {"model.type": ["nbsvm", "linear"], "train.learning_rate": {"log_uniform": [1e-3, 5e-2]}}
    space = SearchConfig(space=shared, per_model={"linear": {"train.learning_rate": 0.08}})
    assert param_name("train.learning_rate", "linear", space) == "linear:train.learning_rate"
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.enqueue_trial({"model.type": "linear", "linear:train.learning_rate": 0.08})
    trial = study.ask()
    assert trial_values(trial, {}, space) == {"model.type": "linear", "train.learning_rate": 0.08}
    assert list(trial.params) == ["model.type"] and not [w for w in recwarn if "out of range" in str(w.message)]
    study.enqueue_trial({"model.type": "nbsvm"})
    other = trial_values(study.ask(), {}, space)
    assert other["model.type"] == "nbsvm" and 1e-3 <= other["train.learning_rate"] <= 5e-2


def test_the_model_type_comes_from_the_config_when_it_is_not_searched():
    space = SearchConfig(per_model={"cnn": {"model.filters": [8, 16]}})
    assert trial_values(optuna.trial.FixedTrial({"cnn:model.filters": 8}), {"model": {"type": "cnn"}}, space) == {
        "model.filters": 8}


@pytest.mark.parametrize(("multi_label", "distributed", "members"), [(False, False, 3), (True, False, 1),
                                                                     (False, True, 1)])
def test_members_are_three_seeds_but_for_multi_label_data_and_distributed_training(multi_label, distributed,
                                                                                  members):
    assert member_count(SearchConfig(), multi_label, distributed) == members
    assert member_count(SearchConfig(members=2)) == 2
    cfg = validate({"name": "w", "data": {"source": "csv", "path": "x.csv"}, "model": {"type": "nbsvm"}})
    assert refit_config(cfg, [2], 100_000, members).train.ensemble == members


@pytest.mark.parametrize(("examples", "share"), [(100_000, 0.01), (3_000, 0.0333), (500, 0.1)])
@pytest.mark.parametrize(("best_epochs", "epochs"), [([1, 3, 2], 2), ([5], 5), ([2, 2, 1, 9, 2], 2)])
def test_the_final_config_holds_back_a_sliver_and_trains_for_the_median_epoch(examples, share, best_epochs, epochs):
    cfg = validate({"name": "w", "data": {"source": "csv", "path": "x.csv", "validation_split": 0.2},
                    "model": {"type": "nbsvm"}, "train": {"epochs": 10, "lr_schedule": "cosine"}})
    final = refit_config(cfg, best_epochs, examples)
    assert final.data.validation_split == share and final.train.epochs == epochs
    assert not final.train.early_stopping.enabled and not final.train.reduce_lr_on_plateau.enabled
    assert final.model == cfg.model and final.data.model_copy(update={"validation_split": 0.2}) == cfg.data


def test_a_multi_label_final_config_keeps_its_validation_share_where_its_thresholds_are_tuned():
    cfg = validate({"name": "w", "data": {"source": "csv", "path": "x.csv", "validation_split": 0.15,
                                          "label_separator": "|"}, "model": {"type": "nbsvm"}})
    assert refit_config(cfg, [3], 100_000, multi_label=True).data.validation_split == 0.15
    assert refit_config(cfg, [3], 100_000).data.validation_split == 0.01


def test_a_config_without_a_search_section_keeps_its_data_and_searches_the_default_space(tmp_path):
    import yaml

    from textclf.tuning.space import DEFAULT_SPACE, search_config

    data = tmp_path / "tags.tsv"
    data.write_text("".join(f"text {i}\t{i % 3},{(i + 1) % 3}\tid{i}\n" for i in range(30)), encoding="utf-8")
    config = tmp_path / "tags.yaml"
    config.write_text(yaml.safe_dump({"name": "tags", "model": {"type": "nbsvm"}, "data": {
        "source": "csv", "path": str(data), "columns": ["text", "labels", "id"], "label_column": "labels",
        "task": "multi_label", "label_separator": ","}}), encoding="utf-8")
    cfg, raw = search_config(config, [], None)
    default = yaml.safe_load(DEFAULT_SPACE.read_text())["search"]
    assert cfg.data.label_column == "labels" and cfg.name == "tags"
    assert dict(cfg.search.space) == default["space"] and cfg.search.metric == "val_macro_f1"  # multi-label
    assert raw["search"]["metric"] == "val_macro_f1"  # what each trial's config logs


def test_a_config_without_a_search_section_is_its_own_first_trial_its_values_joining_the_space(tmp_path):
    import yaml

    from textclf.tuning.space import DEFAULT_SPACE, search_config

    data = tmp_path / "r.csv"
    data.write_text("text,label\n" + "".join(f"text {i},{i % 2}\n" for i in range(30)), encoding="utf-8")
    own = {"name": "mine", "data": {"source": "csv", "path": str(data), "vocab_size": 12345, "ngrams": 2},
           "model": {"type": "bow_ngram", "hidden_units": [32], "dropout": 0.6},
           "train": {"learning_rate": 0.2, "epochs": 4}}
    config = tmp_path / "mine.yaml"
    config.write_text(yaml.safe_dump(own), encoding="utf-8")
    cfg, raw = search_config(config, [], None)
    default = yaml.safe_load(DEFAULT_SPACE.read_text())["search"]
    first = cfg.search.first[0]
    assert first["model.type"] == "bow_ngram" and first["data.vocab_size"] == 12345 and first["data.ngrams"] == 2
    assert first["train.learning_rate"] == 0.2 and cfg.search.first[1:] == default["first"]
    assert cfg.search.per_model["bow_ngram"]["data.vocab_size"] == [*default["per_model"]["bow_ngram"][
        "data.vocab_size"], 12345]
    assert cfg.search.space["train.learning_rate"]["log_uniform"][1] == 0.2  # the range reaches its value
    trial = validate(trial_config(raw, first))
    assert trial.model == cfg.model and trial.data == cfg.data and trial.train.learning_rate == 0.2


def test_a_configs_own_value_of_a_key_its_model_type_fixes_joins_it_as_a_choice():
    import yaml

    from textclf.tuning.space import DEFAULT_SPACE, search_config

    cfg, raw = search_config(ROOT / "configs" / "linear.yaml", ["data.path=x.csv", "train.learning_rate=0.01"], None)
    fixed = yaml.safe_load(DEFAULT_SPACE.read_text())["search"]["per_model"]["linear"]["train.learning_rate"]
    assert cfg.search.per_model["linear"]["train.learning_rate"] == [fixed, 0.01]
    assert cfg.search.first[0]["train.learning_rate"] == 0.01  # tried first, as the user wrote it
    assert validate(trial_config(raw, cfg.search.first[0])).train.learning_rate == 0.01


@pytest.mark.parametrize("config", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda path: path.stem)
def test_every_shipped_config_can_be_tuned_its_own_values_tried_first_and_once(config):
    from textclf.tuning.space import search_config

    cfg, raw = search_config(config, ["data.path=x.csv"], None)
    first = cfg.search.first
    assert first[0]["model.type"] == cfg.model.type and first[0] not in first[1:]
    for model_type in cfg.search.space["model.type"]:  # a sequence model drops a bag's character n-grams
        validate(trial_config(raw, {"model.type": model_type}))
