"""Ensembles (``train.ensemble: K``): K members, each a normal run in ``members/<i>``, averaged into one model.

On a few thousand texts, which ones a training holds out for validation and
the order of its batches move its test accuracy by a point or more
(benchmarks/RESULTS.md). K members that differ in both (seeds ``seed`` …
``seed + K − 1``; the test split stays the same) and whose probabilities are
averaged keep what they agree on. Multi-label members share one validation
split instead: the ensemble tunes each label's threshold there, on their
averaged probabilities (``multi_label.tune_thresholds``). Each member is a
plain run folder, so a kill loses at most one member's unfinished epochs and
``--resume`` goes on from there; the ensemble's ``model.keras`` takes raw
strings like any run's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np

from textclf.config import Config, validate
from textclf.config.ensemble_members import member_raw
from textclf.data import splits
from textclf.model.text_model import TextModel
from textclf.results import multi_label, predict
from textclf.results.loading import load_safely
from textclf.results.plots import history_plot
from textclf.results.scores import classification_metrics
from textclf.runs import rundir
from textclf.runs.backup import write_then_rename
from textclf.training import prepare, run_record


def member_dirs(run_dir: Path, count: int) -> list[Path]:
    return [Path(run_dir) / rundir.MEMBERS_DIR / str(index) for index in range(count)]


def member_config(cfg: Config, index: int) -> Config:
    """Member ``index``: the run's config with its own seed (its validation draw, batch order and start), and
    its own values where ``train.members`` lists them (``config.ensemble_members``)."""
    if cfg.train.members:
        return validate(member_raw(cfg.model_dump(mode="json"), index), origin=f"train.members[{index}]")
    return cfg.model_copy(update={"seed": cfg.seed + index,
                                  "train": cfg.train.model_copy(update={"ensemble": 1})})


def weights_of(cfg: Config) -> list[float] | None:
    """The members' weights, summing to 1; None for an ensemble of equals."""
    if not cfg.train.members:
        return None
    total = sum(member.weight for member in cfg.train.members)
    return [member.weight / total for member in cfg.train.members]


def saved_state(run_dir: Path, count: int) -> str:
    """What an interrupted ensemble keeps: its completed members, and the epochs of the one it was training."""
    from textclf.training.callbacks import resume_epoch

    dirs = member_dirs(run_dir, count)
    done = sum(map(_completed, dirs))
    training = f"; member {done + 1}'s state after epoch {resume_epoch(dirs[done])}" if done < count else ""
    return f"{done} of {count} members completed{training}"


def _completed(run_dir: Path) -> bool:
    return (run_dir / rundir.RUN_FILE).is_file() and \
        rundir.read_json(run_dir / rundir.RUN_FILE).get("status") == "completed"


def fit(cfg: Config, run_dir: Path, command_line: str, options, run_member) -> tuple[dict, TextModel]:
    """Train the members not yet completed (an interrupted one is resumed), then average them.

    ``run_member`` is ``train.run``, handed in: a member is trained as any run is.
    """
    corpus = prepare.corpus_of(cfg, options.corpus)  # no strategy: an ensemble is never distributed (the schema)
    dirs = member_dirs(run_dir, cfg.train.ensemble)
    for index, member_dir in enumerate(dirs):
        if _completed(member_dir):
            continue
        member = member_config(cfg, index)
        print(f"member {index + 1} of {len(dirs)} (seed {member.seed})", flush=True)
        shared = index == 0 or corpus.train.multi_label  # multi-label: thresholds tuned on one split's mean
        split = corpus if shared else splits.redrawn(corpus, cfg.data.validation_split, member.seed,
                                                     cfg.data.stratify)
        again = (member_dir / rundir.CONFIG_FILE).is_file()
        member_dir.mkdir(parents=True, exist_ok=True)
        run_member(member, member_dir, command_line=command_line, resume=again,
                   options=dataclasses.replace(options, corpus=split))
    return combine(run_dir, dirs, corpus, options.score_test, weights_of(cfg), cfg.train.threshold)


def averaged(members: list[keras.Model], weights: list[float] | None = None, thresholds=None) -> TextModel:
    """One end-to-end model: raw strings in, the mean of the members' outputs (probabilities) out, weighted by
    ``weights`` (summing to 1) where given; multi-label, deciding by ``thresholds`` (one per label)."""
    texts = keras.Input(shape=(), dtype="string", name="text")
    for index, member in enumerate(members):
        member.name = f"member_{index}"  # a functional model's layers need names of their own
    outputs = [member(texts) for member in members]
    if weights is None:
        mean = keras.layers.Average(name="mean")(outputs)
    else:
        scaled = [keras.layers.Rescaling(float(w), name=f"weight_{i}")(out) for i, (w, out) in
                  enumerate(zip(weights, outputs, strict=True))]
        mean = keras.layers.Add(name="mean")(scaled) if len(scaled) > 1 else scaled[0]
    return TextModel(texts, mean, class_names=members[0].class_names, thresholds=thresholds, name="ensemble")


def combine(run_dir: Path, dirs: list[Path], corpus: splits.Corpus, score_test: bool,
            weights: list[float] | None = None, threshold="tuned") -> tuple[dict, TextModel]:
    """The ensemble's ``model.keras``, its test scores and each member's, and the members' history plot;
    multi-label, its thresholds (``train.threshold``)."""
    loaded = [load_safely(member / rundir.MODEL_FILE) for member in dirs]
    if corpus.train.multi_label:
        model, tuned = _with_thresholds(loaded, weights, corpus, threshold)
    else:
        model, tuned = averaged(loaded, weights), {}
    write_then_rename(run_dir / rundir.MODEL_FILE, model.save, "final_save")
    members = [rundir.read_json(member / rundir.METRICS_FILE) for member in dirs]
    metrics = {**members[0], **tuned, "ensemble": len(dirs), "parameters": int(model.count_params()),
               "train_seconds": round(sum(m.get("train_seconds", 0.0) for m in members), 3),
               "members": [_member_record(m, weights[i] if weights else None) for i, m in enumerate(members)]}
    metrics.pop("calibration", None)  # each member is calibrated on its own validation draw: see members
    if score_test:
        metrics.update(_test_scores(model, corpus))
    rundir.write_json(run_dir / rundir.METRICS_FILE, metrics)
    history_plot(dirs, run_dir / rundir.HISTORY_PLOT, finished=True)
    return metrics, model


def _member_record(metrics: dict, weight: float | None) -> dict:
    kept = ("val_accuracy", "val_tuned_macro_f1", "test_accuracy", "test_macro_f1", "best_epoch")
    return {**{key: metrics[key] for key in kept if key in metrics},
            **({"temperature": metrics["calibration"]["temperature"]} if "calibration" in metrics else {}),
            **({"weight": round(weight, 6)} if weight else {})}


def _with_thresholds(members: list[keras.Model], weights, corpus: splits.Corpus,
                     threshold) -> tuple[TextModel, dict]:
    """A multi-label ensemble: each label's threshold as configured, or tuned on the members' mean over their
    shared validation split, with that split's cross-fitted macro-F1 (what tune compares)."""
    names, tuned = corpus.class_names, {}
    model = averaged(members, weights, np.full(len(names), 0.5 if threshold == "tuned" else float(threshold)))
    if threshold == "tuned":
        labels = np.asarray(corpus.validation.labels)
        probabilities = predict.predict_texts(model, list(corpus.validation.texts))
        model.thresholds = [float(value) for value in multi_label.tune_thresholds(labels, probabilities)]
        tuned = {"val_tuned_macro_f1": multi_label.cross_fitted_macro_f1(labels, probabilities)}
    return model, {**tuned, "thresholds": run_record.threshold_record(names, model.thresholds)}


def _test_scores(model: TextModel, corpus: splits.Corpus) -> dict:
    """The ensemble's scores on the test split: as a single run's, multi-label ones under its thresholds."""
    names, labels = list(corpus.class_names), np.asarray(corpus.test.labels)
    probabilities = predict.predict_texts(model, list(corpus.test.texts))
    if model.thresholds is not None:
        report = multi_label.scores(labels, probabilities, model.thresholds, names)
        return run_record.multi_label_summary(report, 1.0 - report["hamming_loss"])
    report = classification_metrics(labels, probabilities, names)
    return {"test_accuracy": report["accuracy"], "test_loss": report["loss"], "test_macro_f1": report["macro"]["f1"]}
