import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from helpers import SPACE, search_yaml, write_csv
from typer.testing import CliRunner

from textclf.cli import app
from textclf.config import load_config
from textclf.errors import TextclfError
from textclf.runs import rundir
from textclf.tuning import study, tune
from textclf.tuning.space import search_config

runner = CliRunner()


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory) -> Path:
    return write_csv(tmp_path_factory.mktemp("tune-data") / "reviews.csv")


def tuned(tmp_path, data_csv, search=SPACE, budget=120.0, trials=4, **sections):
    cfg, raw = search_config(search_yaml(tmp_path, data_csv, search, **sections), [], None)
    return tune.run(cfg, raw, budget, trials, echo=lambda line: None)


@pytest.mark.parametrize(("change", "named"), [
    ({"space": {"train.learnig_rate": [0.1]}}, "learnig_rate"),
    ({"space": {"train.learning_rate": {"log_uniform": [0.1, 0.01]}}}, "train.learning_rate"),
    ({"space": {"train.learning_rate": {"log_uniform": [0.0, 0.01]}}}, "train.learning_rate"),
    ({"space": {"data.ngrams": [1, 5]}}, "data.ngrams"),
    ({"space": {"data.ngrams": []}}, "data.ngrams"),
    ({"per_model": {"nbsvm": {"model.alfa": [1.0]}}}, "alfa"),
    ({"per_model": {"lstm": {"model.units": [8]}}}, "lstm"),
    ({"space": {"model.type": ["nbsvm", "nbsvmx"]}}, "nbsvmx"),
    ({"first": [{"model.units": 3}]}, "model.units"),
    ({"metric": "val_f1"}, "search.metric"),
])
def test_a_bad_search_space_is_one_line_naming_the_key_and_exit_2(tmp_path, data_csv, change, named):
    merged = {key: ({**SPACE[key], **value} if isinstance(value, dict) and key in SPACE else value)
              for key, value in change.items()}
    path = search_yaml(tmp_path, data_csv, {**SPACE, **merged})
    with pytest.raises(TextclfError, match=named.replace(".", r"\.")):
        load_config(path)
    result = runner.invoke(app, ["tune", str(path), "--budget", "10s"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and named in lines[0]
    assert runner.invoke(app, ["train", str(path), "--dry-run"]).exit_code == 2  # the same schema for train


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("3m", 180), ("1h30m", 5400), ("45", 45), ("2.5m", 150)])
def test_budgets_read_as_durations(text, seconds):
    assert tune.parse_budget(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "0s", "-3m", "3 minutes"])
def test_a_budget_that_is_not_a_duration_is_refused(text):
    with pytest.raises(TextclfError, match="--budget"):
        tune.parse_budget(text)


def test_tune_picks_on_validation_only_and_promotes_a_complete_winner(tmp_path, data_csv):
    result = tuned(tmp_path, data_csv, trials=3)
    rows = result.leaderboard
    assert [r["trial"] for r in rows] == [0, 1, 2]
    assert rows[0]["values"]["model.alpha"] == 0.5 and rows[0]["values"]["model.type"] == "nbsvm"  # `first` first
    complete = [r for r in rows if r["state"] == "complete"]
    best = max(complete, key=lambda r: (r["value"], -r["trial"]))
    for row in rows:  # the test split of a trial is never looked at; only the winner's, after the search
        metrics = rundir.read_json(Path(row["run_dir"]) / "metrics.json")
        assert "test_accuracy" not in metrics and "val_accuracy" in metrics
    assert result.best_run.parent == result.tune_dir / "best" and "test_accuracy" in rundir.read_json(
        result.best_run / "metrics.json")
    for name in ("model.keras", "config.yaml", "history.csv", "plots/history.png", "evaluation/test/metrics.json"):
        assert (result.best_run / name).is_file(), name
    rerun = load_config(result.best_run / "config.yaml")  # the winner's config trains as it is
    assert rerun.search is None and rerun.model.type == best["values"]["model.type"]
    assert rerun.train.epochs == best["best_epochs"][0] and not rerun.train.early_stopping.enabled
    saved = json.loads((result.tune_dir / "tune.json").read_text())
    assert saved["best"]["run_dir"] == str(result.best_run) and saved["best"]["trial_run_dir"] == best["run_dir"]
    assert len(saved["trials"]) == 3
    assert (result.tune_dir / "tune.png").stat().st_size > 0


def test_small_data_scores_trials_over_folds_and_promotes_one_training_of_the_winner(tmp_path, data_csv):
    result = tuned(tmp_path, data_csv, search={**SPACE, "folds": 2}, trials=2)
    for row in result.leaderboard:
        folds = sorted(result.tune_dir.glob(f"trials/trial-{row['trial']:03d}-fold*"))
        assert len(folds) == 2 == row["folds"]
        scores = [rundir.read_json(fold / "metrics.json")["val_accuracy"] for fold in folds]
        assert row["value"] == pytest.approx(sum(scores) / 2) and row["fold_scores"] == pytest.approx(scores)
        assert not any((fold / "model.keras").exists() for fold in folds)  # only the promoted run keeps a model
        assert all("test_accuracy" not in rundir.read_json(fold / "metrics.json") for fold in folds)
    assert result.best_run.parent == result.tune_dir / "best"
    for name in ("model.keras", "config.yaml", "history.csv", "plots/history.png", "evaluation/test/metrics.json"):
        assert (result.best_run / name).is_file(), name
    assert rundir.read_json(result.best_run / "metrics.json")["test_accuracy"] == result.test_accuracy


def test_the_winner_is_trained_again_on_nearly_every_text_for_the_epochs_its_folds_kept(tmp_path, data_csv):
    result = tuned(tmp_path, data_csv, search={**SPACE, "folds": 3}, trials=1,
                   train={"epochs": 4, "early_stopping": {"enabled": True, "patience": 0}})
    best = json.loads((result.tune_dir / "tune.json").read_text())["best"]
    assert len(best["best_epochs"]) == 3 and all(1 <= epoch <= 4 for epoch in best["best_epochs"])
    final = load_config(result.best_run / "config.yaml")
    assert final.train.epochs == sorted(best["best_epochs"])[1] and final.train.checkpoint_monitor == "loss"
    assert not final.train.early_stopping.enabled and not final.train.reduce_lr_on_plateau.enabled
    sizes = rundir.read_json(result.best_run / "run.json")["data"]["sizes"]
    fold = rundir.read_json(Path(best["trial_run_dir"]) / "run.json")["data"]["sizes"]
    assert sizes == {"train": 86, "validation": 10, "test": 24}  # 96 non-test texts: 100 or 10 % held back
    assert fold["train"] == 64 and fold["validation"] == 32  # a fold: a third held out
    epochs_run = len((result.best_run / "history.csv").read_text().strip().splitlines()) - 1
    assert epochs_run == final.train.epochs  # to the last epoch: nothing stops it early


def test_on_small_data_the_winner_is_an_ensemble_of_trainings_that_drew_their_own_slivers(tmp_path, data_csv):
    result = tuned(tmp_path, data_csv, search={**SPACE, "folds": 2, "members": "auto"}, trials=1)
    final = load_config(result.best_run / "config.yaml")
    assert final.train.ensemble == 3  # auto: 3 for fewer than 20,000 texts
    seeds = [rundir.read_json(member / "run.json")["seed"] for member in sorted(result.best_run.glob("members/*"))]
    assert seeds == [final.seed, final.seed + 1, final.seed + 2]
    metrics = rundir.read_json(result.best_run / "metrics.json")
    assert metrics["ensemble"] == 3 and metrics["test_accuracy"] == result.test_accuracy
    assert (result.best_run / "evaluation" / "test" / "metrics.json").is_file()


@pytest.mark.parametrize("folds", [1, 2])
def test_a_trial_that_trails_the_others_is_pruned_after_prune_after_epochs(tmp_path, data_csv, folds):
    good = {"model.type": "nbsvm", "train.learning_rate": 0.05}
    hopeless = {"model.type": "embedding_bag", "train.learning_rate": 1.0e-6}  # random tables that barely move
    space = {"space": {"model.type": ["nbsvm", "embedding_bag"], "train.learning_rate": {"log_uniform": [1.0e-6, 0.1]}},
             "first": [good, good, good, hopeless], "prune_after": 2, "folds": folds}
    result = tuned(tmp_path, data_csv, search=space, trials=4, train={"epochs": 4})
    assert [r["state"] for r in result.leaderboard] == ["complete", "complete", "complete", "pruned"]
    assert [r["folds"] for r in result.leaderboard] == [folds, folds, folds, 1]
    assert not any(r["cut_short"] for r in result.leaderboard)  # pruned in its first fold, not cut by the budget
    pruned = result.leaderboard[3]
    assert pruned["epochs"] == 2 and not (Path(pruned["run_dir"]) / "model.keras").exists()
    # a trial on one split keeps its model; one scored over every fold wins as a new training of its config
    assert all((Path(r["run_dir"]) / "model.keras").exists() == (folds == 1) for r in result.leaderboard[:3])


@pytest.mark.parametrize("folds", [1, 2])
def test_the_budget_stops_trials_and_the_search_in_time(tmp_path, data_csv, folds):
    space = {**SPACE, "first": [], "folds": folds}
    started = time.monotonic()
    result = tuned(tmp_path, data_csv, search=space, budget=10.0, trials=None, train={"epochs": 10_000})
    elapsed = time.monotonic() - started
    saved = json.loads((result.tune_dir / "tune.json").read_text())
    assert saved["spent_seconds"] <= 10.0 * 1.1 and elapsed <= 10.0 * 1.1 + 5  # + the winner's test scoring
    assert result.leaderboard and all(r["epochs"] < 10_000 for r in result.leaderboard if r["epochs"])
    assert all(r["finishing_seconds"] > 0 for r in saved["trials"])  # what saving took: the reserve follows it
    # over folds, the budget ended the trial in its first fold: it is kept as cut short, and still wins
    assert all(r["cut_short"] == (folds == 2) for r in result.leaderboard)
    # no time was left to train the winner again: its trial's own model (its first fold's) is the winner
    assert result.best_run == Path(result.winner["run_dir"]) and (result.best_run / "model.keras").is_file()


def test_running_tune_again_continues_the_study_without_repeating_trials(tmp_path, data_csv):
    first = tuned(tmp_path, data_csv, trials=1)
    again = tuned(tmp_path, data_csv, trials=2)
    assert again.tune_dir == first.tune_dir
    assert [r["trial"] for r in again.leaderboard] == [0, 1]
    assert [r["run_dir"] for r in again.leaderboard[:1]] == [r["run_dir"] for r in first.leaderboard]


def test_a_tune_killed_mid_trial_goes_on_and_lists_every_trial_once(tmp_path, data_csv):
    path = search_yaml(tmp_path, data_csv, {**SPACE, "first": []}, train={"epochs": 15})
    command = [sys.executable, "-m", "textclf", "tune", str(path), "--trials", "3", "--budget", "5m"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    study = tmp_path / "outputs" / "tune-small"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill -9 while the second trial trains
        trials = sorted(study.glob("trials/trial-001-*/history.csv"))
        if trials and len(trials[0].read_text().splitlines()) >= 2:
            break
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    result = runner.invoke(app, ["tune", str(path), "--trials", "3", "--budget", "5m"])
    assert result.exit_code == 0, result.output
    saved = json.loads((study / "tune.json").read_text())
    listed = [row["trial"] for row in saved["trials"]]
    assert len(listed) == 3 and len(set(listed)) == 3
    assert result.output.strip().splitlines()[-1] == saved["best"]["run_dir"]


def test_a_second_tune_on_the_same_study_is_refused_while_the_first_runs(tmp_path, data_csv):
    cfg, raw = search_config(search_yaml(tmp_path, data_csv, SPACE), [], None)
    with study.locked(Path(cfg.output_dir) / "tune-small"), pytest.raises(TextclfError, match="another textclf tune"):
        tune.run(cfg, raw, 30.0, 1, echo=lambda line: None)


def test_tune_given_only_data_uses_the_default_space(tmp_path, data_csv):
    cfg, _ = search_config(data_csv, ["train.epochs=2"], str(tmp_path))
    assert cfg.data.source == "csv" and cfg.data.path == str(data_csv.resolve()) and cfg.name == "reviews"
    assert cfg.search.first and "model.type" in cfg.search.space


def test_train_warns_when_the_model_only_learned_the_majority_class(tmp_path):
    data = write_csv(tmp_path / "same.csv", rows=100, same_text=True, majority=0.8)
    config = tmp_path / "lstm.yaml"
    config.write_text(yaml.safe_dump({
        "name": "majority", "data": {"source": "csv", "path": str(data), "vocab_size": 50, "maxlen": 10},
        "model": {"type": "lstm", "units": 4, "embedding_dim": 4},
        "train": {"epochs": 1, "batch_size": 16}, "output_dir": str(tmp_path / "outputs")}), encoding="utf-8")
    result = runner.invoke(app, ["train", str(config)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "no better than always predicting" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: test accuracy")


def test_a_data_mistake_ends_the_study_before_any_trial_in_one_line(tmp_path):
    wrong = tmp_path / "wrongcol.csv"
    wrong.write_text(write_csv(tmp_path / "ok.csv").read_text().replace("text,label", "sentence,label", 1))
    started = time.monotonic()
    result = runner.invoke(app, ["tune", str(wrong), "--budget", "20s", "--output-dir", str(tmp_path / "out")])
    assert time.monotonic() - started < 5  # TensorFlow is already imported here: the read alone
    assert result.exit_code == 2 and result.output.strip().splitlines() == [
        f"error: {wrong} line 2: no column 'text' (columns: sentence, label); set data.text_column"]
    assert not list((tmp_path / "out").glob("tune-*/trials"))  # no trial ran


def test_a_changed_data_file_starts_a_new_study_and_keeps_the_old_one(tmp_path):
    data = write_csv(tmp_path / "reviews.csv")
    command = ["tune", str(data), "--trials", "1", "--budget", "2m", "--output-dir", str(tmp_path / "out"),
               "--set", "train.epochs=1", "--set", "search.folds=1", "--set", "search.members=1"]
    assert runner.invoke(app, command).exit_code == 0
    first = tmp_path / "out" / "tune-reviews"
    saved = (first / "tune.json").read_text()
    write_csv(data, seed=1)  # other texts under the same name
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert f"{first} holds a study of other data" in again.stderr and "starting the study in" in again.stderr
    assert "vectorizing" not in again.stderr and "retracing" not in again.stderr  # trials talk into train.log
    assert (first / "tune.json").read_text() == saved  # the first study as it was
    second = json.loads((tmp_path / "out" / "tune-reviews-2" / "tune.json").read_text())
    assert [row["trial"] for row in second["trials"]] == [0]  # a study of its own, from its first trial
    same = runner.invoke(app, [*command[:3], "2", *command[4:]])  # the same data again: that study goes on
    assert "continuing the study in" in same.stderr and "tune-reviews-2" in same.stderr


def test_a_study_run_again_draws_new_values_instead_of_replaying_its_own(tmp_path, data_csv):
    space = {**SPACE, "first": []}
    first = tuned(tmp_path, data_csv, search=space, trials=2)
    again = tuned(tmp_path, data_csv, search=space, trials=4)
    values = [json.dumps(row["values"], sort_keys=True) for row in again.leaderboard]
    assert len(again.leaderboard) == 4 and len(set(values)) == 4, values
    assert [row["values"] for row in first.leaderboard] == [row["values"] for row in again.leaderboard[:2]]


def test_the_same_command_again_keeps_the_same_winner_and_its_final_run(tmp_path, data_csv):
    first = tuned(tmp_path, data_csv, trials=1)
    again = tuned(tmp_path, data_csv, trials=1)  # no trial left to run: the same winner
    assert again.winner["trial"] == first.winner["trial"] and again.best_run == first.best_run
    assert again.test_accuracy == first.test_accuracy
    assert [path.name for path in (first.tune_dir / "best").iterdir()] == [first.best_run.name]  # not trained again


def test_a_search_by_macro_f1_compares_trials_by_their_validation_macro_f1(tmp_path):
    skewed = write_csv(tmp_path / "skewed.csv", rows=150, seed=4, majority=0.8)  # imbalanced: accuracy flatters
    lines = skewed.read_text(encoding="utf-8").splitlines()
    flipped = {"pos": "neg", "neg": "pos"}  # every seventh label wrong: no model is perfect on validation
    skewed.write_text("\n".join([lines[0], *(line.rsplit(",", 1)[0] + "," + flipped[line.rsplit(",", 1)[1]]
                                             if i % 7 == 0 else line for i, line in enumerate(lines[1:]))]) + "\n",
                      encoding="utf-8")
    result = tuned(tmp_path, skewed, search={**SPACE, "metric": "val_macro_f1"}, trials=2)
    for row in result.leaderboard:
        metrics = rundir.read_json(Path(row["run_dir"]) / "metrics.json")
        assert row["value"] == pytest.approx(metrics["val_macro_f1"]) and metrics["val_macro_f1"] != metrics[
            "val_accuracy"]
    saved = json.loads((result.tune_dir / "tune.json").read_text())
    assert saved["metric"] == "val_macro_f1" and "test_macro_f1" in rundir.read_json(result.best_run / "metrics.json")


def test_the_budget_counts_from_the_command_start_python_and_tensorflow_included(tmp_path, data_csv):
    path = search_yaml(tmp_path, data_csv, {**SPACE, "first": [], "folds": 2}, train={"epochs": 10_000})
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "textclf", "tune", str(path), "--budget", "15s"],
                          capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    saved = json.loads((tmp_path / "outputs" / "tune-small" / "tune.json").read_text())
    assert elapsed <= 15.0 * 1.05 + 1.0  # the promise: 5 %, and a second for Python to leave
    assert saved["spent_seconds"] >= 15.0 * 0.7  # the start-up is counted as spent, not given back


def test_multi_label_data_is_searched_by_macro_f1_and_its_winner_keeps_tuned_thresholds(tmp_path):
    from helpers import synthetic_review, write_table

    rng = random.Random(5)

    def row():
        positive, zebra = rng.random() < 0.5, rng.random() < 0.4  # two labels, each learnable on its own
        return (synthetic_review(rng, positive) + (" zebra" if zebra else ""),
                "|".join(["good" if positive else "bad", *(["zebra"] if zebra else [])]))

    path = write_table(tmp_path / "tags.csv", [row() for _ in range(160)])
    result = runner.invoke(app, ["tune", str(path), "--set", "data.label_separator=|", "--set", "search.folds=2",
                                 "--trials", "2", "--budget", "2m", "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "out" / "tune-tags" / "tune.json").read_text())
    assert saved["metric"] == "val_macro_f1" and len(saved["trials"]) == 2
    metrics = rundir.read_json(Path(result.stdout.strip().splitlines()[-1]) / "metrics.json")
    assert metrics["task"] == "multi_label" and set(metrics["thresholds"]) == {"bad", "good", "zebra"}
    assert metrics["test_macro_f1"] > 0.5 and 0.5 < metrics["test_micro_f1"] <= 1.0


def test_the_search_ends_at_a_trial_that_cannot_end_in_time_without_starting_it(tmp_path, data_csv, monkeypatch):
    """Said on the terminal; the trial is in no leaderboard, and the winner is one that ran."""
    monkeypatch.setattr(study.Study, "can_finish", lambda self, model_type: model_type not in self.quickest)
    said, space = [], {**SPACE, "space": {**SPACE["space"], "model.type": ["nbsvm"]},
                       "per_model": {"nbsvm": SPACE["per_model"]["nbsvm"]}}
    cfg, raw = search_config(search_yaml(tmp_path, data_csv, space), [], None)
    result = tune.run(cfg, raw, 120.0, 4, echo=said.append)
    assert [row["trial"] for row in result.leaderboard] == [0]
    assert any(line.startswith("search ends: trial 1 (") and "not started" in line for line in said)
    saved = json.loads((result.tune_dir / "tune.json").read_text())
    assert [row["trial"] for row in saved["trials"]] == [0] and saved["best"]["trial"] == 0
