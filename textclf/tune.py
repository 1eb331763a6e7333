"""Tune stage: search a config's ``search:`` space within a time budget; every trial is a normal textclf run.

Optuna's TPE sampler (seeded) proposes the values, after the trials listed
in ``search.first``; each trial reports its validation score after every
epoch and is pruned once it trails the median of the trials before it. The
study lives in an append-only journal in the tune folder: a kill loses no
finished trial, and running the same command again continues the study.
Trials are compared on validation only; the test split of the winner alone
is scored, once the search is over.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from textclf import data, rundir, search, train
from textclf.callbacks import ReportToTrial, StopAtDeadline
from textclf.config import Config, apply_value, validate
from textclf.errors import TextclfError
from textclf.leaderboard import candidates, contenders, final_training_seconds, line, rows_of, winner

STUDY_FILE = "study.journal"
TUNE_FILE = "tune.json"
# Kept back from the budget for the last trial's saving and the winner's test scoring: a share of it, and at
# least a few seconds, which finishing takes whatever the budget on a busy machine (benchmarks/RESULTS.md,
# "Design measurements"); once trials have saved, what they took counts too (``_Study.finishing_seconds``).
RESERVE, MIN_RESERVE_SECONDS = 0.07, 4.0
FINISHING_MARGIN = 1.25  # × the longest a trial's saving took: what one finishing step is given


@dataclass(frozen=True)
class TuneResult:
    tune_dir: Path
    best_run: Path
    leaderboard: list[dict]
    test_accuracy: float
    winner: dict  # the winning trial's leaderboard row


def parse_budget(text: str) -> float:
    """'90s', '3m', '1h', '1h30m' or plain seconds → seconds."""
    parts = re.fullmatch(r"\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*", text)
    if not text.strip() or parts is None:
        raise TextclfError(f"--budget: {text!r} is not a duration (e.g. 90s, 3m, 1h30m)")
    hours, minutes, seconds = (float(p) if p else 0.0 for p in parts.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise TextclfError(f"--budget: {text!r} is no time at all")
    return total


@dataclass
class _Study:
    cfg: Config
    raw: dict
    tune_dir: Path
    end: float  # the budget's end (time.monotonic())
    reserve: float  # seconds for one finishing step (the last trial's saving; the winner's test scoring), at least
    corpora: dict
    winner_seconds: float = 0.0  # what the winner's final training is expected to take
    finishing: float = 0.0  # the longest a trial took to save, after its training stopped, on this machine
    members: int = 1  # trainings the winner's final run averages (``search.member_count``)

    def finishing_seconds(self) -> float:
        """Kept back for one finishing step: the reserve, or more where trials took longer to save (a slow or
        loaded machine); the winner's test scoring reads and writes about as much."""
        return max(self.reserve, FINISHING_MARGIN * self.finishing)

    def finish_by(self) -> float:
        """The winner's final training stops here: what is left is for its test scoring."""
        return self.end - self.finishing_seconds()

    def trials_end(self) -> float:
        """When trials stop: the winner's final training and the last save must fit after it."""
        return self.finish_by() - self.finishing_seconds() - self.winner_seconds

    def expect_winner_from(self, rows: list[dict]) -> None:
        """Trials leave time for the slowest final training of any trial that can still win, and for saving."""
        could_win = contenders(candidates(rows), self.cfg.search.metric)
        self.winner_seconds = self.members * max(map(final_training_seconds, could_win), default=0.0)
        self.finishing = max((row.get("finishing_seconds") or 0.0 for row in rows), default=0.0)

    def has_time_for(self, row: dict, members: int = 1) -> bool:
        return time.monotonic() + members * final_training_seconds(row) <= self.finish_by()


# The data settings that shape features but not the texts read and their split: trials that differ only
# in these share one read.
VECTORIZER_SETTINGS = {"split", "punctuation", "vocab_size", "maxlen", "padding", "truncating", "output_mode",
                       "ngrams", "char_ngrams", "cache"}


def _corpus_for(study: _Study, cfg: Config):
    """Trials that read the same data the same way share one read and split."""
    key = (cfg.data.model_dump_json(exclude=VECTORIZER_SETTINGS), cfg.seed)
    if key not in study.corpora:
        if cfg.data.stream:
            raise TextclfError("data.stream: tune holds its data in memory (its trials share one read); "
                               "tune on a sample of the rows, then train the winner with data.stream: true")
        corpus = data.load_corpus(cfg.data, cfg.seed)
        if corpus.train.multi_label:
            raise TextclfError(f"{corpus.location}: tune does not search multi-label data yet; train a config "
                               "such as configs/goemotions.yaml")
        study.corpora[key] = corpus
    return study.corpora[key]


def _objective(study: _Study):
    import optuna

    space = study.cfg.search

    def objective(trial):
        values = search.trial_values(trial, study.raw, space)
        raw = search.trial_config(study.raw, values, apply_value)
        raw.update(name=f"trial-{trial.number:03d}", output_dir=str(study.tune_dir / "trials"))
        cfg = validate(raw, origin=f"trial {trial.number}")
        corpus = _corpus_for(study, cfg)
        examples = len(corpus.train) + len(corpus.validation)
        count = search.fold_count(space, examples)
        study.members = search.member_count(space, examples)
        splits = [corpus] if count == 1 else data.folds(corpus, count, cfg.seed)
        trial.set_user_attr("values", values)
        budget = StopAtDeadline(study.trials_end)
        pruning = ReportToTrial(trial, space.metric, cfg.train.checkpoint_monitor)
        scores, best_epochs, finishing = [], [], 0.0
        for index, split in enumerate(splits):  # pruning watches the first fold; the budget all of them
            run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name if count == 1 else f"{cfg.name}-fold{index}")
            if index == 0:
                trial.set_user_attr("run_dir", str(run_dir))
            metrics = _train_trial(cfg, run_dir, split, (pruning, budget) if index == 0 else (budget,), trial)
            finishing = max(finishing, time.monotonic() - budget.ended)
            scores.append(metrics[space.metric])
            if metrics.get("best_epoch"):
                best_epochs.append(int(metrics["best_epoch"]))
            _keep_what_can_win(run_dir, can_win=index == 0 and not pruning.pruned)
            if index == 0:
                trial.set_user_attr("epochs", metrics["epochs_run"])
            if pruning.pruned or budget.hit:
                break
        if 1 < count == len(scores):  # a trial scored over every fold wins as one training of its config
            _keep_what_can_win(Path(trial.user_attrs["run_dir"]), can_win=False)
        trial.set_user_attr("folds", len(scores))
        trial.set_user_attr("finishing_seconds", round(finishing, 2))
        trial.set_user_attr("fold_scores", [float(score) for score in scores])
        trial.set_user_attr("best_epochs", best_epochs)
        trial.set_user_attr("validation_size", len(splits[0].validation))
        trial.set_user_attr("stopped_by_budget", budget.hit)
        trial.set_user_attr("cut_short", not pruning.pruned and len(scores) < count)  # the budget ended it early
        if pruning.pruned:
            raise optuna.TrialPruned()
        return float(np.mean(scores))

    return objective


def _train_trial(cfg: Config, run_dir: Path, corpus, callbacks: tuple, trial) -> dict:
    """One training of a trial (or of the winner: ``trial`` None), its output in its folder's train.log;
    Ctrl-C marks the trial to run again."""
    keras.backend.clear_session()
    options = train.Options(callbacks=callbacks, score_test=False, corpus=corpus)
    try:
        with open(run_dir / "train.log", "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            return train.run(cfg, run_dir, command_line="textclf tune", options=options).metrics
    except KeyboardInterrupt:
        if trial is not None:
            trial.set_user_attr("interrupted", True)  # not a finished trial: it runs again when the study goes on
        raise


def _keep_what_can_win(run_dir: Path, can_win: bool) -> None:
    """A trial's folder keeps its config, history, metrics and plots; only a trial that can win keeps its model
    (one split; or a first fold, until the budget cuts its trial short or its last fold ends).

    ``checkpoints/best.keras`` holds the weights ``model.keras`` already has:
    with large n-gram tables, dozens of trials would otherwise fill gigabytes.
    """
    import shutil

    shutil.rmtree(run_dir / rundir.CHECKPOINT_DIR, ignore_errors=True)
    if not can_win:
        (run_dir / rundir.MODEL_FILE).unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(tune_dir: Path):
    """One process per tune folder: a second one gets a one-line error, not a corrupted study."""
    tune_dir.mkdir(parents=True, exist_ok=True)
    with open(tune_dir / rundir.LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise TextclfError(f"{tune_dir}: another textclf tune is working on this study; wait for it") from None
        yield


def _open_study(cfg: Config, tune_dir: Path):
    """The study in ``tune_dir``, new or continued; trials a kill left running are rerun first."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(tune_dir / STUDY_FILE)))
    direction = "minimize" if cfg.search.metric == "val_loss" else "maximize"
    study = optuna.create_study(
        study_name="textclf", storage=storage, direction=direction, load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=cfg.seed, n_startup_trials=max(4, len(cfg.search.first))),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=cfg.search.prune_after - 1))
    if not study.trials:
        for first in cfg.search.first:
            model_type = first.get("model.type", cfg.model.type)
            study.enqueue_trial({search.param_name(k, model_type, cfg.search): search.encode_choice(v)
                                 for k, v in first.items()})
    for trial in study.trials:  # killed (still "running") or stopped by Ctrl-C mid-trial: run it again first
        stopped = trial.state.name == "RUNNING" or (trial.user_attrs.get("interrupted") and trial.state.name == "FAIL")
        if stopped and not trial.user_attrs.get("requeued"):
            study._storage.set_trial_user_attr(trial._trial_id, "interrupted", True)
            study._storage.set_trial_user_attr(trial._trial_id, "requeued", True)
            if trial.state.name == "RUNNING":
                study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
            study.enqueue_trial(trial.params)
    return study


def _promote(study: _Study, best: dict) -> Path:
    """The winner's final run folder, in ``tune-<name>/best/``: its config trained once more on all but a
    sliver of the non-test texts, for the epochs its trial kept (``search.refit_config``), as ``textclf
    train`` would run it, stopped at the end of the budget. A trial that kept its model (one split, or cut
    short) is its own winner where that training would not fit in the budget, as is one of a study from
    before refits (no epochs recorded); one that did not is trained again as its config says. On small data the
    final training is an ensemble (``search.member_count``), where the budget allows."""
    trial_dir = Path(best["run_dir"])
    if (trial_dir / rundir.MODEL_FILE).is_file() and not (best.get("best_epochs") and study.has_time_for(best)):
        return trial_dir  # a trial that ran to the budget's end; a study from before refits
    cfg = rundir.read_config(trial_dir)
    if best.get("best_epochs"):
        examples = sum(len(getattr(_corpus_for(study, cfg), name)) for name in ("train", "validation"))
        study.corpora.clear()  # the trials' reads: the refit splits its own (IMDB: gigabytes)
        wanted = search.member_count(study.cfg.search, examples)
        members = wanted if study.has_time_for(best, wanted) else 1
        cfg = search.refit_config(cfg, best["best_epochs"], examples, members)
    run_dir = rundir.create_run_dir(study.tune_dir / "best", cfg.name)
    finish = StopAtDeadline(study.finish_by, after_an_epoch=True)
    _train_trial(cfg, run_dir, _corpus_for(study, cfg), callbacks=(finish,), trial=None)
    return run_dir


def _state(tune_dir: Path) -> dict:
    path = tune_dir / TUNE_FILE
    return rundir.read_json(path) if path.is_file() else {}


def _score_winner(best_run: Path) -> float:
    """The winner's test accuracy, looked at once the search is over; written into its metrics.json."""
    from textclf import evaluate

    report = evaluate.evaluate_run(best_run, split="test", errors=0)
    counts = np.array(report["confusion_matrix"]).sum(axis=1)
    metrics = rundir.read_json(best_run / rundir.METRICS_FILE)
    metrics["test_accuracy"] = float(report["accuracy"])
    if "loss" in report:
        metrics["test_loss"] = float(report["loss"])
    metrics["majority_share"] = {**metrics.get("majority_share", {}), "test": float(counts.max() / counts.sum())}
    rundir.write_json(best_run / rundir.METRICS_FILE, metrics)
    return float(report["accuracy"])


def run(cfg: Config, raw: dict, budget_seconds: float | None, max_trials: int | None, command_line: str = "",
        echo=print) -> TuneResult:
    """Tune ``cfg.search`` into ``<output_dir>/tune-<name>/``; continue the study if that folder holds one."""
    tune_dir = Path(cfg.output_dir) / f"tune-{cfg.name}"
    started = time.monotonic()
    with _locked(tune_dir):
        state = _state(tune_dir)
        spent = float(state.get("spent_seconds", 0.0))
        study = _open_study(cfg, tune_dir)
        finished = sum(1 for row in rows_of(study))
        reserve = None if budget_seconds is None else max(budget_seconds * RESERVE, MIN_RESERVE_SECONDS)
        remaining = None if budget_seconds is None else max(0.0, budget_seconds - reserve - spent)
        end = started + remaining + reserve if remaining is not None else float("inf")
        trials_left = None if max_trials is None else max(0, max_trials - finished)
        if finished:
            echo(f"continuing the study in {tune_dir}: {finished} trials done, {spent:.0f} s spent")
        context = _Study(cfg, raw, tune_dir, end, (reserve or 0.0) / 2, {})
        context.expect_winner_from(rows_of(study))

        def report(study_, trial):
            rows = rows_of(study_)
            row = next((r for r in rows if r["trial"] == trial.number), None)
            if row:
                echo(line(row, cfg.search.metric))
            _save(tune_dir, cfg, budget_seconds, spent + time.monotonic() - started, study_, command_line)
            context.expect_winner_from(rows)
            if time.monotonic() >= context.trials_end():
                study_.stop()

        if trials_left != 0 and (remaining is None or remaining > 0):
            study.optimize(_objective(context), n_trials=trials_left, timeout=remaining, callbacks=[report],
                           catch=(Exception,), gc_after_trial=True)
        rows = rows_of(study)
        completed = candidates(rows)
        if not completed:
            raise TextclfError(f"{tune_dir}: no trial finished within the budget; give more time (--budget)")
        best = winner(completed, cfg.search.metric)
        best_run = _promote(context, best)
        test_accuracy = _score_winner(best_run)
        _save(tune_dir, cfg, budget_seconds, spent + time.monotonic() - started, study, command_line,
              best={**best, "trial_run_dir": best["run_dir"], "run_dir": str(best_run), "test_accuracy": test_accuracy})
        return TuneResult(tune_dir, best_run, rows, test_accuracy, best)


def _save(tune_dir: Path, cfg: Config, budget: float | None, spent: float, study, command_line: str,
          best: dict | None = None) -> None:
    """tune.json (the leaderboard, budget and winner) and the picture of score against trial and time."""
    from textclf.plots import tune_plot

    rows = rows_of(study)
    payload = {"command": command_line, "metric": cfg.search.metric, "seed": cfg.seed, "budget_seconds": budget,
               "spent_seconds": round(spent, 1), "trials": rows, "best": best}
    rundir.write_json(tune_dir / TUNE_FILE, payload)
    tune_plot(rows, cfg.search.metric, tune_dir / "tune.png")
