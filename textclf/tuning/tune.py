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

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textclf.config import Config
from textclf.errors import TextclfError
from textclf.runs import rundir
from textclf.tuning import space
from textclf.tuning.leaderboard import candidates, done, line, rows_of, winner
from textclf.tuning.study import Study, folder_for, locked, open_study
from textclf.tuning.study import identity as study_identity
from textclf.tuning.trial_callbacks import StopAtDeadline
from textclf.tuning.trials import corpus_for, corpus_key, objective, read_corpus, train_trial

TUNE_FILE = "tune.json"


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


def _promote(study: Study, best: dict) -> Path:
    """The winner's final run folder, in ``tune-<name>/best/``: its config trained once more on all but a
    sliver of the non-test texts, for the epochs its trial kept (``space.refit_config``), as ``textclf
    train`` would run it, stopped at the end of the budget. A trial that kept its model (one split, or cut
    short) is its own winner where that training would not fit in the budget, as is one of a study from
    before refits (no epochs recorded); one that did not is trained again as its config says. On small data the
    final training is an ensemble (``space.member_count``), where the budget allows."""
    trial_dir = Path(best["run_dir"])
    if (trial_dir / rundir.MODEL_FILE).is_file() and not (best.get("best_epochs") and study.has_time_for(best)):
        return trial_dir  # a trial that ran to the budget's end; a study from before refits
    cfg = rundir.read_config(trial_dir)
    if best.get("best_epochs"):
        examples = sum(len(getattr(corpus_for(study, cfg), name)) for name in ("train", "validation"))
        study.corpora.clear()  # the trials' reads: the refit splits its own (IMDB: gigabytes)
        wanted = space.member_count(study.cfg.search, examples)
        members = wanted if study.has_time_for(best, wanted) else 1
        cfg = space.refit_config(cfg, best["best_epochs"], examples, members)
    run_dir = rundir.create_run_dir(study.tune_dir / "best", cfg.name)
    finish = StopAtDeadline(study.finish_by, after_an_epoch=True)
    train_trial(cfg, run_dir, corpus_for(study, cfg), callbacks=(finish,), trial=None)
    return run_dir


def _state(tune_dir: Path) -> dict:
    path = tune_dir / TUNE_FILE
    return rundir.read_json(path) if path.is_file() else {}


def _score_winner(best_run: Path) -> float:
    """The winner's test accuracy, looked at once the search is over; written into its metrics.json."""
    from textclf.results import evaluate

    report = evaluate.evaluate_run(best_run, split="test", errors=0)
    counts = np.array(report["confusion_matrix"]).sum(axis=1)
    metrics = rundir.read_json(best_run / rundir.METRICS_FILE)
    metrics["test_accuracy"] = float(report["accuracy"])
    metrics["test_macro_f1"] = float(report["macro"]["f1"])
    if "loss" in report:
        metrics["test_loss"] = float(report["loss"])
    metrics["majority_share"] = {**metrics.get("majority_share", {}), "test": float(counts.max() / counts.sum())}
    rundir.write_json(best_run / rundir.METRICS_FILE, metrics)
    return float(report["accuracy"])


def run(cfg: Config, raw: dict, budget_seconds: float | None, max_trials: int | None, command_line: str = "",
        echo=print) -> TuneResult:
    """Tune ``cfg.search`` into ``<output_dir>/tune-<name>/``; continue the study there if it searched the same
    data with the same config, else start one in the next free ``tune-<name>-N``.

    The data is read and checked once, before any trial: a mistake in it is the one line ``train`` gives.
    """
    started = time.monotonic()
    corpus = read_corpus(cfg)
    identity = study_identity(raw, corpus.fingerprint)
    tune_dir = folder_for(cfg, identity, TUNE_FILE, echo)
    with locked(tune_dir):
        state = _state(tune_dir)
        spent = float(state.get("spent_seconds", 0.0))
        study = open_study(cfg, tune_dir)
        finished = len(done(rows_of(study)))
        if finished:
            echo(f"continuing the study in {tune_dir}: {finished} trials done, {spent:.0f} s spent")
        context = Study.budgeted(cfg, raw, tune_dir, budget_seconds, spent, started)
        context.corpora[corpus_key(cfg)] = corpus

        def record(study_, best: dict | None = None) -> None:
            _save(tune_dir, cfg, budget_seconds, spent + time.monotonic() - started, study_, command_line,
                  {"study": identity, "best": best})

        _search(context, study, None if max_trials is None else max(0, max_trials - finished), record, echo)
        return _finish(context, study, record, state.get("best"))


def _search(context: Study, study, trials_left: int | None, record, echo) -> None:
    """Run trials until the budget, the trial count or a stop: each finished trial printed and saved."""
    metric = context.cfg.search.metric

    def report(study_, trial):
        rows = rows_of(study_)
        row = next((r for r in rows if r["trial"] == trial.number), None)
        if row:
            echo(line(row, metric))
        record(study_)
        context.expect_winner_from(rows)
        if time.monotonic() >= context.trials_end():
            study_.stop()

    context.expect_winner_from(rows_of(study))
    if trials_left != 0 and (context.remaining is None or context.remaining > 0):
        study.optimize(objective(context), n_trials=trials_left, timeout=context.remaining, callbacks=[report],
                       catch=(Exception,), gc_after_trial=True)


def _finish(context: Study, study, record, previous: dict | None) -> TuneResult:
    """The winner among the trials that may win, trained once more (``_promote``) and scored on test once; a
    winner this study already trained (the same command run again) keeps its final run."""
    rows = rows_of(study)
    completed = candidates(rows)
    if not completed:
        raise TextclfError(f"{context.tune_dir}: no trial finished within the budget; give more time (--budget)")
    best = winner(completed, context.cfg.search.metric)
    same = previous and previous.get("trial") == best["trial"]
    if same and Path(previous["run_dir"], rundir.MODEL_FILE).is_file():
        best_run, test_accuracy = Path(previous["run_dir"]), float(previous["test_accuracy"])
    else:
        best_run = _promote(context, best)
        test_accuracy = _score_winner(best_run)
    record(study, {**best, "trial_run_dir": best["run_dir"], "run_dir": str(best_run), "test_accuracy": test_accuracy})
    return TuneResult(context.tune_dir, best_run, rows, test_accuracy, best)


def _save(tune_dir: Path, cfg: Config, budget: float | None, spent: float, study, command_line: str,
          extra: dict) -> None:
    """tune.json (the leaderboard, budget and winner) and the picture of score against trial and time."""
    from textclf.results.plots import tune_plot

    rows = rows_of(study)
    payload = {"command": command_line, "metric": cfg.search.metric, "seed": cfg.seed, "budget_seconds": budget,
               "spent_seconds": round(spent, 1), "trials": rows, **extra}
    rundir.write_json(tune_dir / TUNE_FILE, payload)
    tune_plot(rows, cfg.search.metric, tune_dir / "tune.png", (extra.get("best") or {}).get("trial"))
