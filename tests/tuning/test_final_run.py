"""The final run: the selected trials trained once more as one weighted ensemble, or the winner alone."""

import json
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import SPACE, search_yaml, write_csv, write_tagged_csv
from typer.testing import CliRunner

from textclf.cli import app
from textclf.config import load_config
from textclf.results.loading import load_safely
from textclf.runs import rundir
from textclf.training import ensemble
from textclf.tuning import final_run, selection, tune
from textclf.tuning.leaderboard import rows_of
from textclf.tuning.space import search_config
from textclf.tuning.study import Study, open_study

TEXTS = ["a wonderful moving film", "dull and awful", ""]
BOTH = {**SPACE, "first": [{"model.type": "nbsvm", "model.alpha": 0.5},
                           {"model.type": "embedding_bag", "model.embedding_dim": 8}], "folds": 2}


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A finished two-trial study over two folds (an nbsvm and an embedding bag), and its context."""
    tmp_path = tmp_path_factory.mktemp("final")
    cfg, raw = search_config(search_yaml(tmp_path, write_csv(tmp_path / "reviews.csv"), BOTH), [], None)
    result = tune.run(cfg, raw, None, 2, echo=lambda line: None)
    context = Study.budgeted(cfg, raw, result.tune_dir, None, 0.0, time.monotonic())
    return context, rows_of(open_study(cfg, result.tune_dir)), result


def test_every_trial_that_ran_its_folds_keeps_its_out_of_fold_predictions(searched):
    context, rows, _ = searched
    pool, labels = selection.load_pool({row["trial"]: row["held_out"] for row in rows})
    assert sorted(pool) == [0, 1] and len(labels) == 96  # every non-test text, held out once
    for trial, probabilities in pool.items():
        assert probabilities.shape == (96, 2) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
        accuracy = selection.score(probabilities, labels, "val_accuracy")
        assert accuracy == pytest.approx(rows[trial]["value"], abs=0.011)  # the mean of its two folds' scores


def test_a_chosen_ensemble_is_trained_as_one_run_of_its_members_with_their_weights(searched):
    context, rows, _ = searched
    chosen = selection.Selection({1: 0.75, 0: 0.25}, 0.9, 0.8, [0.8, 0.9])
    run_dir = final_run.train_final(context, rows[0], chosen, rows)
    cfg = load_config(run_dir / "config.yaml")  # a normal config: textclf train reruns it
    assert [m.weight for m in cfg.train.members] == [0.75, 0.25] and cfg.train.ensemble == 2
    members = [rundir.read_config(d) for d in ensemble.member_dirs(run_dir, 2)]
    assert [m.model.type for m in members] == ["embedding_bag", "nbsvm"]
    for member, trial in zip(members, (1, 0), strict=True):  # its trial's values, refit for its folds' epochs
        assert member.train.epochs == max(1, round(np.median(rows[trial]["best_epochs"])))
        assert not member.train.early_stopping.enabled and member.train.checkpoint_monitor == "loss"
    model = load_safely(run_dir / "model.keras")
    outputs = [load_safely(d / "model.keras").predict(TEXTS) for d in ensemble.member_dirs(run_dir, 2)]
    np.testing.assert_allclose(model.predict(TEXTS), 0.75 * outputs[0] + 0.25 * outputs[1], atol=1e-6)
    assert final_run.score_test(run_dir) == rundir.read_json(run_dir / "metrics.json")["test_accuracy"]
    for command in (["evaluate", str(run_dir)], ["predict", str(run_dir), TEXTS[0]]):
        assert CliRunner().invoke(app, command).exit_code == 0


def test_members_whose_trainings_do_not_fit_the_budget_are_left_out(searched):
    context, rows, _ = searched
    chosen = selection.Selection({1: 0.5, 0: 0.5}, 0.9, 0.8, [0.8, 0.9])
    assert final_run.that_fit(context, chosen, rows).weights == {1: 0.5, 0: 0.5}  # no budget: both fit
    tight = Study.budgeted(context.cfg, context.raw, context.tune_dir, 10.0, 0.0, time.monotonic() - 9.0)
    assert final_run.that_fit(tight, chosen, rows) is None  # fewer than two fit: the winner alone


def test_members_whose_saving_and_scoring_would_not_fit_are_left_out_though_their_trainings_fit(searched):
    context, _, _ = searched
    rows = [{"trial": t, "seconds": 20.0, "folds": 1, "finishing_seconds": 0.0} for t in (0, 1)]
    chosen = selection.Selection({0: 0.5, 1: 0.5}, 0.9, 0.8, [0.8, 0.9])
    clock = Study.budgeted(context.cfg, context.raw, context.tune_dir, 60.0, 0.0, time.monotonic())
    assert final_run.that_fit(clock, chosen, rows).weights == {0: 0.5, 1: 0.5}  # 2 × 24 s of about 58
    slow_saves = [{**row, "finishing_seconds": 3.0} for row in rows]  # each loaded, saved and loaded again: 7.5 s
    assert final_run.that_fit(clock, chosen, slow_saves) is None


def _pool_row(tune_dir, trial, value, probabilities, labels, saved=True):
    path = selection.save_held_out(tune_dir, trial, "k", np.arange(len(labels)), probabilities, labels) if saved \
        else tune_dir / "missing.npz"
    return {"trial": trial, "state": "complete", "value": value, "cut_short": False, "best_epochs": [1],
            "held_out": str(path)}


def test_no_ensemble_is_chosen_where_the_best_trial_kept_no_held_out_predictions(searched, tmp_path):
    context, _, _ = searched
    study = Study.budgeted(context.cfg, context.raw, tmp_path, None, 0.0, time.monotonic())
    labels = np.arange(100) % 2
    right, unsure = np.eye(2)[labels] * 0.9 + 0.05, np.eye(2)[labels] * 0.1 + 0.45  # 0.95 or 0.55 on the truth
    halves = [np.where((np.arange(100) < 60)[:, None], right, unsure[:, ::-1]),  # right on 60, wrong on 40
              np.where((np.arange(100) >= 40)[:, None], right, unsure[:, ::-1])]  # the other way round
    rows = [_pool_row(tmp_path, t, 0.6, halves[t], labels) for t in (0, 1)]
    chosen = final_run.select(study, rows)
    assert chosen is not None and chosen.score == 1.0 > chosen.single  # together they are right everywhere
    assert final_run.select(study, [*rows, _pool_row(tmp_path, 2, 0.7, right, labels, saved=False)]) is None


def test_tune_json_and_the_leaderboard_show_the_selection(searched):
    _, _, result = searched
    saved = json.loads((result.tune_dir / "tune.json").read_text())
    if result.ensemble:  # selected: its members and weights, and its held-out score beside the best single trial's
        assert saved["best"]["ensemble"] == result.ensemble and result.ensemble["held_out_score"] > result.ensemble[
            "best_single"]
        assert sum(m["weight"] for m in result.ensemble["members"]) == pytest.approx(1.0)
        assert load_config(result.best_run / "config.yaml").train.members
    else:
        assert saved["best"]["ensemble"] is None and not load_config(result.best_run / "config.yaml").train.members


def test_search_ensemble_false_keeps_the_winner_alone(tmp_path):
    cfg, raw = search_config(search_yaml(tmp_path, write_csv(tmp_path / "r.csv"), {**BOTH, "ensemble": False}),
                             [], None)
    result = tune.run(cfg, raw, None, 2, echo=lambda line: None)
    assert result.ensemble is None and not load_config(result.best_run / "config.yaml").train.members
    assert Path(result.best_run).parent == result.tune_dir / "best"


def test_a_multi_label_search_keeps_held_out_predictions_and_trains_its_ensemble_with_tuned_thresholds(tmp_path):
    tags = write_tagged_csv(tmp_path / "tags.csv")
    path = search_yaml(tmp_path, tags, BOTH, data={"label_separator": "|", "validation_split": 0.25})
    cfg, raw = search_config(path, [], None)
    result = tune.run(cfg, raw, None, 2, echo=lambda line: None)
    context = Study.budgeted(cfg, raw, result.tune_dir, None, 0.0, time.monotonic())
    rows = rows_of(open_study(cfg, result.tune_dir))
    pool, labels = selection.load_pool({row["trial"]: row["held_out"] for row in rows})
    assert sorted(pool) == [0, 1] and labels.shape == pool[0].shape == (128, 2)  # every non-test text: a 0/1 per tag
    for trial, probabilities in pool.items():  # each fold scored by its own tuned thresholds; here, both halves
        assert 0.0 < selection.score(probabilities, labels, "val_macro_f1") <= 1.0 and rows[trial]["value"] > 0
    run_dir = final_run.train_final(context, rows[0], selection.Selection({1: 0.5, 0: 0.5}, 0.9, 0.8, [0.8]), rows)
    final = load_config(run_dir / "config.yaml")
    assert final.data.validation_split == 0.25 and final.train.ensemble == 2  # thresholds are tuned there
    model, metrics = load_safely(run_dir / "model.keras"), rundir.read_json(run_dir / "metrics.json")
    assert model.thresholds is not None and list(metrics["thresholds"]) == ["good", "plot"]
    final_run.score_test(run_dir)
    assert 0.0 <= rundir.read_json(run_dir / "metrics.json")["test_macro_f1"] <= 1.0


def test_trials_whose_refit_would_train_them_again_as_they_were_join_the_ensemble_as_they_are(tmp_path, searched):
    """Multi-label, the refit keeps the config's validation share: one split's trial is its own refit."""
    path = search_yaml(tmp_path, write_tagged_csv(tmp_path / "tags.csv"), {**BOTH, "folds": 1},
                       data={"label_separator": "|", "validation_split": 0.25})
    cfg, raw = search_config(path, [], None)
    result = tune.run(cfg, raw, None, 2, echo=lambda line: None)
    context = Study.budgeted(cfg, raw, result.tune_dir, None, 0.0, time.monotonic())
    rows = rows_of(open_study(cfg, result.tune_dir))
    assert all(final_run.reusable(row) for row in rows)
    assert not any(final_run.reusable(row) for row in searched[1])  # over folds: trained again
    chosen = selection.Selection({1: 0.5, 0: 0.5}, 0.9, 0.8, [0.8])
    fast = [{**row, "seconds": 1e6, "finishing_seconds": 0.0} for row in rows]  # no training time is needed
    tight = Study.budgeted(cfg, raw, result.tune_dir, 60.0, 0.0, time.monotonic())
    assert final_run.that_fit(tight, chosen, fast).weights == {1: 0.5, 0: 0.5}
    run_dir = final_run.train_final(context, rows[0], chosen, rows)
    for member, trial in zip(ensemble.member_dirs(run_dir, 2), (1, 0), strict=True):
        kept = rundir.read_json(Path(rows[trial]["run_dir"]) / "metrics.json")["weights_sha256"]
        assert rundir.read_json(member / "metrics.json")["weights_sha256"] == kept
    model = load_safely(run_dir / "model.keras")
    assert model.thresholds is not None and "val_tuned_macro_f1" in rundir.read_json(run_dir / "metrics.json")
    final_run.score_test(run_dir)
    assert CliRunner().invoke(app, ["predict", str(run_dir), "good plot"]).exit_code == 0


def test_a_winner_whose_refit_would_be_its_own_training_again_is_copied_into_best(tmp_path):
    path = search_yaml(tmp_path, write_tagged_csv(tmp_path / "tags.csv"), {**BOTH, "folds": 1, "ensemble": False},
                       data={"label_separator": "|", "validation_split": 0.25})
    cfg, raw = search_config(path, [], None)
    result = tune.run(cfg, raw, None, 1, echo=lambda line: None)
    assert result.best_run.parent == result.tune_dir / "best"
    trial_dir = Path(result.winner["run_dir"])
    trial, final = (rundir.read_json(d / "metrics.json") for d in (trial_dir, result.best_run))
    assert final["weights_sha256"] == trial["weights_sha256"] and "test_macro_f1" in final
    started = [rundir.read_json(d / "run.json")["started_at"] for d in (trial_dir, result.best_run)]
    assert started[0] == started[1]  # not trained again: the trial's own folder, copied
