"""A search's leaderboard: its trials as rows, which of them may win, which wins, and how a row prints.

Pure Python on Optuna's trial records (no TensorFlow, no Optuna import):
``tune`` writes the rows to ``tune.json`` and prints them as it goes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textclf.config import higher_is_better
from textclf.runs import rundir

NOT_STARTED = "not_started"  # trial user attribute: why the search ended at it, without running it


def rows_of(study) -> list[dict]:
    """Every trial once, in order: interrupted trials (rerun after a kill) and trials never started are left out."""
    rows = []
    for trial in study.trials:
        if trial.user_attrs.get("interrupted") or trial.state.name not in ("COMPLETE", "PRUNED", "FAIL") or \
                NOT_STARTED in trial.user_attrs:
            continue  # waiting in the queue, running, stopped by a kill (it runs again), or not started
        seconds = (trial.datetime_complete - trial.datetime_start).total_seconds() if trial.datetime_complete else None
        steps = trial.intermediate_values  # a pruned trial's score: what it would have kept when stopped
        value = trial.value if trial.value is not None else (steps[max(steps)] if steps else None)
        rows.append({"trial": trial.number, "state": trial.state.name.lower(), "value": value,
                     "folds": trial.user_attrs.get("folds", 1), "cut_short": trial.user_attrs.get("cut_short", False),
                     "fold_scores": trial.user_attrs.get("fold_scores"),
                     "best_epochs": trial.user_attrs.get("best_epochs"),
                     "validation_size": trial.user_attrs.get("validation_size"),
                     "finishing_seconds": trial.user_attrs.get("finishing_seconds"),
                     "values": trial.user_attrs.get("values", {}), "seconds": seconds,
                     "epochs": trial.user_attrs.get("epochs"), "run_dir": trial.user_attrs.get("run_dir"),
                     "held_out": trial.user_attrs.get("held_out"), "pruned_on": trial.user_attrs.get("pruned_on"),
                     "own_refit": trial.user_attrs.get("own_refit", False),
                     "finished_at": trial.datetime_complete.isoformat() if trial.datetime_complete else None})
    return rows


def done(rows: list[dict]) -> list[dict]:
    """The trials that ran to their end, complete or pruned: a failed trial is not one done."""
    return [row for row in rows if row["state"] in ("complete", "pruned")]


def candidates(rows: list[dict]) -> list[dict]:
    """The trials that may win: those complete on every fold. A trial the budget ended between folds is scored
    on the folds it finished, which are not the others' folds; it wins only when no trial finished them all."""
    completed = [r for r in rows if r["state"] == "complete" and r["value"] is not None]
    return [r for r in completed if not r["cut_short"]] or completed


def best(completed: list[dict], metric: str = "val_accuracy") -> dict:
    """The trial with the best score (the earliest of equals)."""
    sign = 1 if higher_is_better(metric) else -1
    return max(completed, key=lambda r: (sign * r["value"], -r["trial"]))


def winner(completed: list[dict], metric: str = "val_accuracy") -> dict:
    """The earliest trial within one standard error of the best score.

    The best of many noisy scores is partly luck: on a validation split of a
    few thousand texts the luck is as large as the differences between good
    settings. Trials run in order of how likely they are to win
    (``search.first``, then TPE's), so among trials that cannot be told apart
    the earliest is taken: the one-standard-error rule (Hastie, Tibshirani and
    Friedman). The error is that of the mean over the best trial's folds, or,
    scored on one split, of an accuracy over its validation texts; a loss on
    one split has none to measure, and the best score wins.
    """
    sign = 1 if higher_is_better(metric) else -1
    top = best(completed, metric)
    margin = _standard_error(top, metric)
    return min((r for r in completed if sign * (top["value"] - r["value"]) <= margin), key=lambda r: r["trial"])


def reason(completed: list[dict], metric: str, chosen: dict) -> str:
    """Why ``chosen`` won, when another trial scored higher: the one-standard-error rule, with its numbers."""
    top = best(completed, metric)
    if top["trial"] == chosen["trial"]:
        return "the best score"
    return (f"the earliest trial within one standard error ({_standard_error(top, metric):.4f}) of the best, "
            f"trial {top['trial']}'s {top['value']:.4f}: a difference that size is noise, and earlier trials "
            "are the likelier settings")


def contenders(completed: list[dict], metric: str = "val_accuracy") -> list[dict]:
    """The trials that can still be the winner, whatever trials come after: those within one standard error
    of the best score so far, taking the largest error any of them shows.

    A later, better trial moves that band up, so a trial below it now stays below it (unless the later
    trial's error is larger than any so far). ``tune`` keeps time back for the final training of these
    only: a slow trial that has clearly lost does not end the search early.
    """
    if not completed:
        return []
    sign = 1 if higher_is_better(metric) else -1
    best = max(sign * r["value"] for r in completed)
    margin = max(_standard_error(r, metric) for r in completed)
    return [r for r in completed if best - sign * r["value"] <= margin]


def _standard_error(row: dict, metric: str) -> float:
    scores, size = row.get("fold_scores") or [], row.get("validation_size")
    if len(scores) > 1:
        return float(np.std(scores, ddof=1) / np.sqrt(len(scores)))
    if metric == "val_accuracy" and size:
        return float(np.sqrt(row["value"] * (1 - row["value"]) / size))
    return 0.0


def line(row: dict, metric: str) -> str:
    shown = {key.split(".")[-1]: value for key, value in row["values"].items() if key != "model.type"}
    values = " ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                      for key, value in shown.items())
    score = f"{metric} {row['value']:.4f}" if row["value"] is not None else f"{metric} -"
    if row.get("pruned_on"):  # pruned on another metric (multi-label: val_loss): that one, as it was
        score = f"{row['pruned_on'][0]} {row['pruned_on'][1]:.4f}"
    seconds = f"{row['seconds']:.1f} s" if row["seconds"] is not None else "-"
    return (f"trial {row['trial']:>3}  {row['values'].get('model.type', ''):<14} {score}  {seconds:>8}  "
            f"{'cut short' if row['cut_short'] else row['state']:<8} {values}")


def ensemble_line(ensemble: dict) -> str:
    """The ensemble selection's members and weights, and its held-out score next to the best single trial's."""
    members = ", ".join(f"trial {m['trial']} ({m['weight']:.2f})" for m in ensemble["members"])
    scores = (f"held-out {ensemble['metric']} {ensemble['held_out_score']:.4f} against {ensemble['best_single']:.4f} "
              "for the best single trial")
    if not ensemble.get("trained", True):
        return f"ensemble: {members}; {scores}; its trainings did not fit in the budget: the winner alone is final"
    return f"ensemble: {members}; {scores}; the final run averages them"


def final_training_seconds(row: dict) -> float:
    """A winner is trained once more, on a little more data than its trial's (each fold's): as long as one
    of its folds, and a fifth."""
    return 1.2 * row["seconds"] / row["folds"] if row.get("seconds") else 0.0


def reusable(row: dict) -> bool:
    """Whether a trial's own model is what its final training would make, so that it is copied, not trained
    again: one split that the refit keeps whole (``own_refit``: multi-label data, whose refit keeps the config's
    share where thresholds are tuned, or data so small that the sliver is that share), its model still there
    (another process's trial in a shared study may not be readable here)."""
    trial_dir = Path(row.get("run_dir") or "")
    return bool(row.get("own_refit")) and row.get("folds") == 1 and not row.get("cut_short") and \
        (trial_dir / rundir.MODEL_FILE).is_file() and (trial_dir / rundir.CONFIG_FILE).is_file()
