"""One trial of a search: its config from Optuna's values, its folds trained as normal runs, its score.

Trials that read the same data the same way share one read (``corpus_for``);
each trains with the budget's deadline, and its first fold also reports to
the pruner. Only a trial that can still win keeps its model.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from textclf.config import Config, validate
from textclf.config.ensemble_members import FEATURE_SETTINGS
from textclf.config.search_space import trial_config
from textclf.data import splits
from textclf.errors import TextclfError
from textclf.results import predict
from textclf.runs import rundir
from textclf.training import train
from textclf.tuning import selection, space
from textclf.tuning.leaderboard import NOT_STARTED
from textclf.tuning.study import Study
from textclf.tuning.trial_callbacks import ReportToTrial, StopAtDeadline, pruning_metric


def corpus_key(cfg: Config) -> tuple:
    """Trials whose data settings differ only in how texts become features read the same texts alike."""
    return cfg.data.model_dump_json(exclude=set(FEATURE_SETTINGS)), cfg.seed


def read_corpus(cfg: Config):
    """The texts a trial reads, split; refused here, in one line, where tune cannot search them."""
    corpus = splits.load_corpus(cfg.data, cfg.seed)
    if corpus.streamed:
        raise TextclfError("data.stream: tune holds its data in memory (its trials share one read); "
                           "tune on a sample of the rows, then train the winner with data.stream: true")
    if corpus.train.multi_label and cfg.search is not None and cfg.search.metric == "val_accuracy":
        raise TextclfError(f"search.metric: {corpus.location} holds several labels per text, where accuracy is "
                           "the share of right (text, label) decisions; compare trials by val_macro_f1")
    return corpus


def corpus_for(study: Study, cfg: Config):
    """Trials that read the same data the same way share one read and split."""
    key = corpus_key(cfg)
    if key not in study.corpora:
        study.corpora[key] = read_corpus(cfg)
    return study.corpora[key]


@dataclass
class Outcome:
    """What a trial's trainings gave: a score per fold trained, the epochs each kept, and how it ended."""

    scores: list = field(default_factory=list)
    best_epochs: list = field(default_factory=list)
    finishing: float = 0.0  # the longest a training took to save after it stopped
    pruned: bool = False
    stopped_by_budget: bool = False
    held_out: list = field(default_factory=list)  # each fold's class probabilities on the texts it held out

    def add(self, metrics: dict, metric: str, finishing: float) -> None:
        """A fold's score; multi-label macro-F1 as its tuned thresholds decide (the final run decides so too)."""
        tuned = metric == "val_macro_f1" and "val_tuned_macro_f1" in metrics
        self.scores.append(float(metrics["val_tuned_macro_f1" if tuned else metric]))
        if metrics.get("best_epoch"):
            self.best_epochs.append(int(metrics["best_epoch"]))
        self.finishing = max(self.finishing, finishing)


def config_of(study: Study, number: int, values: dict) -> Config:
    """Trial ``number``'s config: the search's base config with its values, writing under ``tune-<name>/trials``.
    A trial is one training, whatever ensemble its base config asks for: the final run's members are the
    search's to choose (``search.members``, the ensemble selection)."""
    raw = trial_config(study.raw, values)
    raw.update(name=f"trial-{number:03d}", output_dir=str(study.tune_dir / "trials"))
    train = raw.setdefault("train", {})
    if isinstance(train, dict) and "train.ensemble" not in values:
        train.update(ensemble=1, members=[])
    return validate(raw, origin=f"trial {number}")


def objective(study: Study):
    """Optuna's objective: a trial's config from its values, trained on each fold, scored by their mean."""
    import optuna

    def run_trial(trial) -> float:
        values = space.trial_values(trial, study.raw, study.cfg.search)
        if not study.can_finish(values.get("model.type")):
            _end_the_search(study, trial, values.get("model.type"))
        cfg = config_of(study, trial.number, values)
        corpus = corpus_for(study, cfg)
        examples = len(corpus.train) + len(corpus.validation)
        count = space.fold_count(study.cfg.search, examples)
        study.members = space.member_count(study.cfg.search, corpus.train.multi_label, cfg.train.distribute != "none")
        folds = [corpus] if count == 1 else splits.folds(corpus, count, cfg.seed)
        trial.set_user_attr("values", values)
        share = space.refit_share(examples, corpus.train.multi_label, study.cfg.data.validation_split)
        trial.set_user_attr("own_refit", count == 1 and share == cfg.data.validation_split)  # ``leaderboard.reusable``
        outcome = _train_folds(study, trial, cfg, folds)
        _record(trial, outcome, count, len(folds[0].validation))
        if outcome.pruned:
            raise optuna.TrialPruned()
        if len(outcome.held_out) == count:  # every fold ran: a member the ensemble selection may pick
            path = selection.save_held_out(study.tune_dir, trial.number, selection.rows_key(corpus_key(cfg), count),
                                           np.concatenate(splits.held_out_rows(corpus, count, cfg.seed)),
                                           np.concatenate(outcome.held_out),
                                           np.concatenate([split.validation.labels for split in folds]))
            trial.set_user_attr("held_out", str(path))
        return float(np.mean(outcome.scores))

    return run_trial


def _end_the_search(study: Study, trial, model_type: str | None) -> None:
    """The search ends at a trial that cannot: it is not started, and says why (``leaderboard.NOT_STARTED``)."""
    import optuna

    left = max(0.0, study.trials_end() - time.monotonic())
    took = study.quickest[model_type]
    trial.set_user_attr(NOT_STARTED, f"search ends: trial {trial.number} ({model_type}) not started, {left:.0f} s "
                                     f"left for trials and each {model_type} trial took {took:.0f} s or more")
    trial.study.stop()
    raise optuna.TrialPruned()


def _train_folds(study: Study, trial, cfg: Config, folds: list) -> Outcome:
    """Train the trial on each fold in turn: pruning watches the first fold, the budget all of them."""
    budget = StopAtDeadline(study.trials_end)
    metric = study.cfg.search.metric
    pruning = ReportToTrial(trial, pruning_metric(metric, folds[0].train.multi_label), cfg.train.checkpoint_monitor,
                            searched=metric)
    outcome = Outcome()
    for index, split in enumerate(folds):
        run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name if len(folds) == 1 else f"{cfg.name}-fold{index}")
        if index == 0:
            trial.set_user_attr("run_dir", str(run_dir))
        result = train_trial(cfg, run_dir, split, (pruning, budget) if index == 0 else (budget,), trial)
        last = index == len(folds) - 1  # a last fold the budget ended is scored as it stands: its trial, complete,
        if not pruning.pruned and (last or not budget.hit):  # may win, so the ensemble selection must see it
            with trial_log(run_dir, "a"):  # its warnings (a predictor traced) in the fold's log, not the terminal
                outcome.held_out.append(predict.predict_texts(result.model, list(split.validation.texts)))
        outcome.add(result.metrics, study.cfg.search.metric, time.monotonic() - budget.ended)
        keep_what_can_win(run_dir, can_win=index == 0 and not pruning.pruned)
        if index == 0:
            trial.set_user_attr("epochs", result.metrics["epochs_run"])
        if pruning.pruned or budget.hit:
            break
    outcome.pruned, outcome.stopped_by_budget = pruning.pruned, budget.hit
    if 1 < len(folds) == len(outcome.scores):  # a trial scored over every fold wins as one training of its config
        keep_what_can_win(Path(trial.user_attrs["run_dir"]), can_win=False)
    return outcome


def _record(trial, outcome: Outcome, count: int, validation_size: int) -> None:
    """What the leaderboard reads of a trial (``leaderboard.rows_of``), kept in the study's journal."""
    for key, value in (("folds", len(outcome.scores)), ("finishing_seconds", round(outcome.finishing, 2)),
                       ("fold_scores", outcome.scores), ("best_epochs", outcome.best_epochs),
                       ("validation_size", validation_size), ("stopped_by_budget", outcome.stopped_by_budget),
                       # the budget ended it early: scored on fewer folds than the others
                       ("cut_short", not outcome.pruned and len(outcome.scores) < count)):
        trial.set_user_attr(key, value)


def train_trial(cfg: Config, run_dir: Path, corpus, callbacks: tuple, trial) -> train.TrainResult:
    """One training of a trial (or of the winner: ``trial`` None), all it says (progress lines and TensorFlow's
    warnings too) in its folder's train.log: the terminal shows the leaderboard; Ctrl-C marks the trial to run
    again."""
    keras.backend.clear_session()
    options = train.Options(callbacks=callbacks, score_test=False, corpus=corpus)
    try:
        with trial_log(run_dir, "w"):
            return train.run(cfg, run_dir, command_line="textclf tune", options=options)
    except KeyboardInterrupt:
        if trial is not None:
            trial.set_user_attr("interrupted", True)  # not a finished trial: it runs again when the study goes on
        raise


@contextlib.contextmanager
def trial_log(run_dir: Path, mode: str):
    """Everything said while a trial runs (prints, TensorFlow's warnings) into its folder's train.log."""
    with open(run_dir / "train.log", mode, encoding="utf-8") as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log), _logging_to(log):
        yield


@contextlib.contextmanager
def _logging_to(log):
    """TensorFlow's Python warnings (a function retraced) into ``log`` while a trial trains."""
    import logging

    import tensorflow as tf

    logger, handler = tf.get_logger(), logging.StreamHandler(log)
    kept = list(logger.handlers)
    logger.handlers = [handler]
    try:
        yield
    finally:
        logger.handlers = kept


def keep_what_can_win(run_dir: Path, can_win: bool) -> None:
    """A trial's folder keeps its config, history, metrics and plots; only a trial that can win keeps its model
    (one split; or a first fold, until the budget cuts its trial short or its last fold ends).

    ``checkpoints/best.keras`` holds the weights ``model.keras`` already has:
    with large n-gram tables, dozens of trials would otherwise fill gigabytes.
    """
    shutil.rmtree(run_dir / rundir.CHECKPOINT_DIR, ignore_errors=True)
    if not can_win:
        (run_dir / rundir.MODEL_FILE).unlink(missing_ok=True)
