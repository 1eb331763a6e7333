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

from textclf.config import Config
from textclf.errors import TextclfError
from textclf.runs import rundir
from textclf.tuning import final_run, shared
from textclf.tuning.leaderboard import NOT_STARTED, candidates, done, line, rows_of, winner
from textclf.tuning.study import Study, folder_for, locked, open_study
from textclf.tuning.study import identity as study_identity
from textclf.tuning.trials import corpus_key, objective, read_corpus

TUNE_FILE = "tune.json"


@dataclass(frozen=True)
class TuneResult:
    tune_dir: Path
    best_run: Path | None  # None: another process sharing the study trains the final run (``shared``)
    leaderboard: list[dict]
    test_accuracy: float | None
    winner: dict | None  # the winning trial's leaderboard row
    ensemble: dict | None = None  # the ensemble selection's members and held-out scores (``Selection.as_record``)


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


def _state(tune_dir: Path) -> dict:
    path = tune_dir / TUNE_FILE
    return rundir.read_json(path) if path.is_file() else {}


def run(cfg: Config, raw: dict, budget_seconds: float | None, max_trials: int | None, command_line: str = "",
        echo=print, started: float | None = None, storage_url: str | None = None) -> TuneResult:
    """Tune ``cfg.search`` into ``<output_dir>/tune-<name>/``; continue the study there if it searched the same
    data with the same config, else start one in the next free ``tune-<name>-N``. With ``storage_url``, the
    study is shared with the other processes tuning the same data and config there (``shared``).

    The data is read and checked once, before any trial: a mistake in it is the one line ``train`` gives.
    ``started``: when the budget's clock started (``time.monotonic()``; the command's start), else now.
    """
    started = time.monotonic() if started is None else started
    storage = shared.storage(storage_url) if storage_url else None
    corpus = read_corpus(cfg)
    identity = study_identity(raw, corpus.fingerprint)
    tune_dir = folder_for(cfg, identity, TUNE_FILE, echo)
    with locked(tune_dir):
        state = _state(tune_dir)
        if storage is None:
            study, spent = open_study(cfg, tune_dir), float(state.get("spent_seconds", 0.0))
        else:
            study = open_study(cfg, tune_dir, storage, shared.study_name(cfg.name, identity))
            already = time.monotonic() - started  # this process's start-up: spent too
            spent = shared.spent(study, budget_seconds, already) - already
            shared.say(study, "searching")
        finished = len(done(rows_of(study)))
        if finished:
            echo(f"continuing the study {'in ' + str(tune_dir) if storage is None else study.study_name}: "
                 f"{finished} trials done, {spent:.0f} s spent")
        context = Study.budgeted(cfg, raw, tune_dir, budget_seconds, spent, started)
        context.corpora[corpus_key(cfg)] = corpus

        def record(study_, best: dict | None = None) -> None:
            _save(tune_dir, cfg, budget_seconds, spent + time.monotonic() - started, study_, command_line,
                  {"study": identity, "best": best})
            if storage is not None and best is None:
                shared.say(study_, "searching")

        _search(context, study, None if max_trials is None else max(0, max_trials - finished), record, echo)
        if storage is not None and _leave_to_others(study, echo):
            return TuneResult(tune_dir, None, rows_of(study), None, None)
        return _finish(context, study, record, state.get("best"))


def _leave_to_others(study, echo) -> bool:
    """A shared study's final run is trained once, by the last process searching it: this one says it is done,
    and leaves the final run to another process that still searches, if any."""
    shared.say(study, "done")
    longest = max((row["seconds"] or 0.0 for row in rows_of(study)), default=0.0)
    others = shared.others_searching(study, grace=max(shared.GONE_AFTER, 2 * longest))
    if others:
        echo(f"{study.study_name}: {others} other process(es) still searching; the last to finish trains and "
             "scores the final run")
    elif not shared.claim_final_run(study):
        echo(f"{study.study_name}: another process that finished with this one trains and scores the final run")
        return True
    return bool(others)


def _search(context: Study, study, trials_left: int | None, record, echo) -> None:
    """Run trials until the budget, the trial count or a stop: each finished trial printed and saved."""
    metric = context.cfg.search.metric

    def report(study_, trial):
        rows = rows_of(study_)
        row = next((r for r in rows if r["trial"] == trial.number), None)
        if row:
            echo(line(row, metric))
        elif NOT_STARTED in trial.user_attrs:
            echo(trial.user_attrs[NOT_STARTED])
        record(study_)
        context.expect_winner_from(rows)
        if time.monotonic() >= context.trials_end():
            study_.stop()

    context.expect_winner_from(rows_of(study))
    if trials_left != 0 and (context.remaining is None or context.remaining > 0):
        study.optimize(objective(context), n_trials=trials_left, timeout=context.remaining, callbacks=[report],
                       catch=(Exception,), gc_after_trial=True)


def _finish(context: Study, study, record, previous: dict | None) -> TuneResult:
    """The ensemble selection's members, or the winner among the trials that may win, trained once more
    (``final_run``) and scored on test once; a final run this study already trained (the same command run
    again, the same choice) is kept."""
    rows = rows_of(study)
    completed = candidates(rows)
    if not completed:
        raise TextclfError(f"{context.tune_dir}: no trial finished within the budget; give more time (--budget)")
    best = winner(completed, context.cfg.search.metric)
    chosen = final_run.select(context, rows)
    selected = chosen.as_record(context.cfg.search.metric)["members"] if chosen else None
    same = previous and previous.get("trial") == best["trial"] and \
        (previous.get("ensemble") or {}).get("selected") == selected
    if same and Path(previous["run_dir"], rundir.MODEL_FILE).is_file():
        best_run, test_accuracy, ensemble = Path(previous["run_dir"]), float(previous["test_accuracy"]), \
            previous.get("ensemble")
    else:
        fitting = final_run.that_fit(context, chosen, rows) if chosen else None
        best_run = final_run.train_final(context, best, fitting, rows)
        test_accuracy = final_run.score_test(best_run)
        # selected: what the selection chose; members: what was trained (those that fit the budget), if any
        ensemble = chosen and {**(fitting or chosen).as_record(context.cfg.search.metric), "selected": selected,
                               "trained": fitting is not None}
    record(study, {**best, "trial_run_dir": best["run_dir"], "run_dir": str(best_run), "test_accuracy": test_accuracy,
                   "ensemble": ensemble})
    return TuneResult(context.tune_dir, best_run, rows, test_accuracy, best, ensemble)


def _save(tune_dir: Path, cfg: Config, budget: float | None, spent: float, study, command_line: str,
          extra: dict) -> None:
    """tune.json (the leaderboard, budget and winner) and the picture of score against trial and time."""
    from textclf.results.plots import tune_plot

    rows = rows_of(study)
    payload = {"command": command_line, "metric": cfg.search.metric, "seed": cfg.seed, "budget_seconds": budget,
               "spent_seconds": round(spent, 1), "trials": rows, **extra}
    rundir.write_json(tune_dir / TUNE_FILE, payload)
    tune_plot(rows, cfg.search.metric, tune_dir / "tune.png", (extra.get("best") or {}).get("trial"))
