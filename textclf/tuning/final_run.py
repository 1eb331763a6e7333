"""A search's final run: the ensemble selection's members, or the winner alone, trained once more within the
budget on all but a sliver of the non-test texts; its test split scored once, after the choice.

The members are the trials whose held-out predictions averaged best
(``selection.greedy``). They are trained in the order of their weights while
their final trainings fit in what is left of the budget; an ensemble of fewer
than two that fit is the winner alone (``leaderboard.winner``), as before. A
trial whose final training would be its own again (``reusable``: one split, kept
whole, as multi-label refits keep it) is copied, not trained.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np

from textclf.config import validate
from textclf.runs import rundir
from textclf.training import ensemble
from textclf.tuning import selection, space
from textclf.tuning.leaderboard import best as best_trial
from textclf.tuning.leaderboard import candidates, reusable
from textclf.tuning.study import Study
from textclf.tuning.trial_callbacks import StopAtDeadline
from textclf.tuning.trials import config_of, corpus_for, train_trial

ENSEMBLE_NAME = "ensemble"


def select(study: Study, rows: list[dict]) -> selection.Selection | None:
    """The weighted ensemble of trials whose held-out predictions score best together; None where it is one
    trial (no other one improved the best's held-out score), or where fewer than two kept predictions."""
    if not study.cfg.search.ensemble:
        return None
    pool_rows = [row for row in candidates(rows) if not row["cut_short"] and row.get("best_epochs")]
    pool, labels = selection.load_pool({row["trial"]: row.get("held_out") or selection.held_out_path(
        study.tune_dir, row["trial"]) for row in pool_rows})  # a shared study's: in other processes' folders too
    if len(pool) < 2 or best_trial(candidates(rows), study.cfg.search.metric)["trial"] not in pool:
        return None  # an ensemble is judged against the best trial: without its predictions, it cannot be
    chosen = selection.greedy(pool, labels, study.cfg.search.metric)
    return chosen if len(chosen.weights) > 1 else None


def that_fit(study: Study, chosen: selection.Selection, rows: list[dict]) -> selection.Selection | None:
    """The members whose final trainings, and their share of the ensemble's saving and test scoring, fit in the
    budget, heaviest first, their weights summing to 1 again; None where fewer than two fit."""
    by_trial, kept, seconds = {row["trial"]: row for row in rows}, {}, 0.0
    for trial, weight in chosen.weights.items():
        needed = study.final_seconds(by_trial[trial]) + study.member_finishing_seconds(by_trial[trial])
        if study.fits(seconds + needed):
            kept[trial], seconds = weight, seconds + needed
    if len(kept) < 2:
        return None
    total = sum(kept.values())
    return selection.Selection({t: w / total for t, w in kept.items()}, chosen.score, chosen.single, chosen.steps)


def ensemble_config(study: Study, chosen: selection.Selection, rows: list[dict], examples: int,
                    multi_label: bool = False):
    """The ensemble's config: the search's base config, each member a trial's values and its refit
    (``space.refit_values``), on all but a sliver of the ``examples`` non-test texts (``space.refit_share``)."""
    by_trial = {row["trial"]: row for row in rows}
    raw = copy.deepcopy(study.raw)
    raw.pop("search", None)
    raw.update(name=ENSEMBLE_NAME, output_dir=str(study.tune_dir / "best"))
    raw.setdefault("data", {})["validation_split"] = space.refit_share(examples, multi_label,
                                                                       study.cfg.data.validation_split)
    train = raw.setdefault("train", {})
    train.pop("ensemble", None)
    train["members"] = [{"weight": weight, "set": {**by_trial[trial]["values"],
                                                    **space.refit_values(by_trial[trial]["best_epochs"])}}
                        for trial, weight in chosen.weights.items()]
    return validate(raw, origin="the ensemble of trials")


def train_final(study: Study, best: dict, chosen: selection.Selection | None, rows: list[dict]) -> Path:
    """The final run's folder, in ``tune-<name>/best/``: the ensemble, or the winner (``promote``). Members whose
    trials are ``reusable`` join the ensemble as their trials left them."""
    if chosen is not None:
        by_trial = {row["trial"]: row for row in rows}
        kept = {index: Path(by_trial[trial]["run_dir"]) for index, trial in enumerate(chosen.weights)
                if reusable(by_trial[trial])}
        examples, multi_label = _examples_then_free(study, study.cfg)
        return _train_final(study, ensemble_config(study, chosen, rows, examples, multi_label), kept)
    return promote(study, best)


def _examples_then_free(study: Study, cfg) -> tuple[int, bool]:
    """How many non-test texts the trials read (and whether they hold several labels), then the trials' reads
    let go: the final training splits its own (IMDB: gigabytes)."""
    corpus = corpus_for(study, cfg)
    examples, multi_label = len(corpus.train) + len(corpus.validation), corpus.train.multi_label
    study.corpora.clear()
    return examples, multi_label


def _train_final(study: Study, cfg, kept: dict[int, Path] | None = None) -> Path:
    """``cfg`` trained into a new folder in ``tune-<name>/best/``, stopped where the test scoring must start;
    an ensemble's members in ``kept`` (index → trial folder) copied there as completed, not trained."""
    run_dir = rundir.create_run_dir(study.tune_dir / "best", cfg.name)
    for index, trial_dir in (kept or {}).items():
        shutil.copytree(trial_dir, ensemble.member_dirs(run_dir, cfg.train.ensemble)[index])
    finish = StopAtDeadline(study.finish_by, after_an_epoch=True)
    train_trial(cfg, run_dir, corpus_for(study, cfg), callbacks=(finish,), trial=None)
    return run_dir


def _copied(study: Study, trial_dir: Path, name: str) -> Path:
    run_dir = rundir.create_run_dir(study.tune_dir / "best", name)
    shutil.copytree(trial_dir, run_dir, dirs_exist_ok=True)
    return run_dir


def promote(study: Study, best: dict) -> Path:
    """The winner's final run folder, in ``tune-<name>/best/``: its config trained once more on all but a
    sliver of the non-test texts, for the epochs its trial kept (``space.refit_config``), as ``textclf
    train`` would run it, stopped at the end of the budget. A trial that kept its model (one split, or cut
    short) is its own winner where that training would not fit in the budget, as is one of a study from
    before refits (no epochs recorded); one that did not is trained again as its config says, unless that
    training would be its own again (``reusable``): then its folder is copied. The final training is an
    ensemble of seeds (``space.member_count``), where the budget allows."""
    trial_dir = Path(best["run_dir"])
    if (trial_dir / rundir.MODEL_FILE).is_file() and not (best.get("best_epochs") and study.has_time_for(best)):
        return trial_dir  # a trial that ran to the budget's end; a study from before refits
    # another process's trial (a shared study) is rebuilt from its values where its folder cannot be read
    readable = (trial_dir / rundir.CONFIG_FILE).is_file()
    cfg = rundir.read_config(trial_dir) if readable else config_of(study, best["trial"], best["values"])
    if best.get("best_epochs"):
        examples, multi_label = _examples_then_free(study, cfg)
        wanted = space.member_count(study.cfg.search, multi_label, cfg.train.distribute != "none")
        if reusable(best) and wanted == 1:  # its refit would train it again as it was: a copy
            return _copied(study, trial_dir, cfg.name)
        members = wanted if study.has_time_for(best, wanted) else 1
        cfg = space.refit_config(cfg, best["best_epochs"], examples, members, multi_label)
    return _train_final(study, cfg)


def score_test(best_run: Path) -> float:
    """The final run's test accuracy, looked at once the search is over; written into its metrics.json."""
    from textclf.results import evaluate

    report = evaluate.evaluate_run(best_run, split="test", errors=0)
    metrics = rundir.read_json(best_run / rundir.METRICS_FILE)
    metrics["test_accuracy"] = float(report.get("accuracy", report.get("subset_accuracy", 0.0)))  # multi-label:
    metrics["test_macro_f1"] = float(report["macro"]["f1"])  # every label of a text right
    if "micro" in report:
        metrics["test_micro_f1"] = float(report["micro"]["f1"])
    if "loss" in report:
        metrics["test_loss"] = float(report["loss"])
    if "confusion_matrix" in report:
        counts = np.array(report["confusion_matrix"]).sum(axis=1)
        metrics["majority_share"] = {**metrics.get("majority_share", {}), "test": float(counts.max() / counts.sum())}
    rundir.write_json(best_run / rundir.METRICS_FILE, metrics)
    return metrics["test_accuracy"]
