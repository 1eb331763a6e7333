"""One trial: its data read once for trials that read it alike, multi-label refused, only winners keep models."""

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import SPACE, search_yaml, write_csv, write_imdb_tree

from textclf.config import validate
from textclf.data import splits
from textclf.errors import TextclfError
from textclf.runs import rundir
from textclf.tuning import trials
from textclf.tuning.study import Study


def trial_cfg(path: Path, **data):
    return validate({"name": "t", "data": {"path": str(path), **data}, "model": {"type": "nbsvm"}})


def test_trials_that_read_the_data_alike_share_one_read(tmp_path, monkeypatch):
    imdb = write_imdb_tree(tmp_path, per_class=10)
    reads = []
    read = SimpleNamespace(streamed=False, train=SimpleNamespace(multi_label=False))
    monkeypatch.setattr(splits, "load_corpus", lambda cfg, seed: reads.append(cfg) or read)
    study = Study(cfg=None, raw={}, tune_dir=tmp_path, end=0.0, reserve=0.0, corpora={})
    first = trials.corpus_for(study, trial_cfg(imdb, ngrams=1))
    assert trials.corpus_for(study, trial_cfg(imdb, ngrams=3, vocab_size=500)) is first  # vectorizer settings only
    trials.corpus_for(study, trial_cfg(imdb, validation_split=0.3))  # another split: read again
    assert len(reads) == 2


def test_multi_label_data_searched_by_accuracy_is_refused_in_one_line_naming_the_metric(tmp_path):
    path = tmp_path / "tags.csv"
    path.write_text("text,label\n" + "".join(f"text {i},a|b\ntext {i}b,a\n" for i in range(20)), encoding="utf-8")
    cfg = validate({"name": "t", "data": {"source": "csv", "path": str(path), "label_separator": "|"},
                    "model": {"type": "nbsvm"}, "search": {"metric": "val_accuracy"}})
    study = Study(cfg=None, raw={}, tune_dir=tmp_path, end=0.0, reserve=0.0, corpora={})
    with pytest.raises(TextclfError, match="search.metric: .* compare trials by val_macro_f1"):
        trials.corpus_for(study, cfg)
    unsaid = validate({"name": "t", "data": {"source": "csv", "path": str(path), "label_separator": "|"},
                       "model": {"type": "nbsvm"}, "search": {}})
    assert unsaid.search.metric == "val_macro_f1" and "macro_f1" in unsaid.train.metrics  # the default for it
    assert trials.corpus_for(study, unsaid).train.multi_label


@pytest.mark.parametrize("can_win", [True, False])
def test_a_trial_keeps_its_model_only_while_it_can_win_and_never_its_checkpoint(tmp_path, can_win):
    (tmp_path / rundir.CHECKPOINT).parent.mkdir()
    (tmp_path / rundir.CHECKPOINT).write_bytes(b"weights")
    (tmp_path / rundir.MODEL_FILE).write_bytes(b"model")
    (tmp_path / rundir.METRICS_FILE).write_text("{}")
    trials.keep_what_can_win(tmp_path, can_win)
    assert not (tmp_path / rundir.CHECKPOINT_DIR).exists() and (tmp_path / rundir.METRICS_FILE).is_file()
    assert (tmp_path / rundir.MODEL_FILE).is_file() == can_win


def test_an_outcome_keeps_each_folds_score_and_epoch_and_the_slowest_save():
    outcome = trials.Outcome()
    outcome.add({"val_accuracy": 0.8, "best_epoch": 3}, "val_accuracy", 1.5)
    outcome.add({"val_accuracy": 0.7, "best_epoch": None}, "val_accuracy", 0.5)
    assert (outcome.scores, outcome.best_epochs, outcome.finishing) == ([0.8, 0.7], [3], 1.5)


def test_multi_label_folds_are_scored_by_the_macro_f1_of_their_tuned_thresholds():
    outcome = trials.Outcome()
    fold = {"val_macro_f1": 0.21, "val_tuned_macro_f1": 0.44, "val_accuracy": 0.96, "best_epoch": 2}
    outcome.add(fold, "val_macro_f1", 0.0)
    outcome.add({"val_macro_f1": 0.5, "best_epoch": 1}, "val_macro_f1", 0.0)  # one label per text: Keras' own
    outcome.add(fold, "val_accuracy", 0.0)
    assert outcome.scores == [0.44, 0.5, 0.96]


@pytest.mark.parametrize("train", [{"ensemble": 3}, {"members": [{"weight": 1, "set": {"train.epochs": 2}},
                                                                 {"weight": 2, "set": {}}]}])
def test_a_trial_is_one_training_whatever_ensemble_its_base_config_asks_for(tmp_path, train):
    raw = {"name": "t", "data": {"path": "x.csv", "source": "csv"}, "model": {"type": "nbsvm"}, "train": train}
    study = Study(cfg=None, raw=raw, tune_dir=tmp_path, end=0.0, reserve=0.0, corpora={})
    cfg = trials.config_of(study, 4, {"train.learning_rate": 0.01})
    assert cfg.train.ensemble == 1 and not cfg.train.members and cfg.name == "trial-004"
    assert validate(raw).train.ensemble > 1  # the base config itself is left as it was


def test_a_trial_whose_last_fold_the_budget_ended_keeps_its_held_out_predictions(tmp_path, monkeypatch):
    """Complete on every fold, it may win: the ensemble selection must see its predictions (it once did not)."""
    from helpers import SPACE, search_yaml, write_csv

    from textclf.tuning import leaderboard, study, tune
    from textclf.tuning.space import search_config

    cfg, raw = search_config(search_yaml(tmp_path, write_csv(tmp_path / "r.csv"), {**SPACE, "folds": 2}), [], None)
    trainings, train_trial = [], trials.train_trial
    monkeypatch.setattr(trials, "train_trial", lambda *a, **k: trainings.append(1) or train_trial(*a, **k))
    monkeypatch.setattr(Study, "trials_end", lambda self: float("inf") if len(trainings) < 2 else 0.0)
    result = tune.run(cfg, raw, None, 1, echo=lambda line: None)
    row = leaderboard.rows_of(study.open_study(cfg, result.tune_dir))[0]
    assert trainings[:2] == [1, 1] and row["folds"] == 2 and not row["cut_short"]  # its second fold: cut by budget
    assert Path(row["held_out"]).is_file()


def test_what_tensorflow_says_while_folds_predict_their_held_out_rows_goes_to_their_logs(tmp_path):
    """Six bag models' held-out predictions trace one function six times: TensorFlow's retracing warning, in
    a fresh process (it warns a few times per process), belongs in the fold's train.log, not on the terminal."""
    space = {**SPACE, "first": [], "folds": 3}
    path = search_yaml(tmp_path, write_csv(tmp_path / "reviews.csv"), space, train={"epochs": 1})
    done = subprocess.run([sys.executable, "-m", "textclf", "tune", str(path), "--trials", "2", "--budget", "2m"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    logs = sorted((tmp_path / "outputs").glob("tune-*/trials/*/train.log"))
    assert len(logs) == 6 and any("retracing" in log.read_text(encoding="utf-8") for log in logs)
    assert "retracing" not in done.stderr + done.stdout
