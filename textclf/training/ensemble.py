"""Ensembles (``train.ensemble: K``): K members, each a normal run in ``members/<i>``, averaged into one model.

On a few thousand texts, which ones a training holds out for validation and
the order of its batches move its test accuracy by a point or more
(benchmarks/RESULTS.md). K members that differ in both (seeds ``seed`` …
``seed + K − 1``; the test split stays the same) and whose probabilities are
averaged keep what they agree on. Each member is a plain run folder, so a kill
loses at most one member's unfinished epochs and ``--resume`` goes on from
there; the ensemble's ``model.keras`` takes raw strings like any run's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np

from textclf.config import Config, validate
from textclf.config.ensemble_members import member_raw
from textclf.data import splits
from textclf.errors import TextclfError
from textclf.model.text_model import TextModel
from textclf.results import predict
from textclf.results.loading import load_safely
from textclf.results.plots import history_plot
from textclf.results.scores import classification_metrics
from textclf.runs import rundir
from textclf.runs.backup import write_then_rename
from textclf.training import prepare


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


def _corpus(cfg: Config, given) -> splits.Corpus:
    corpus = prepare.corpus_of(cfg, given)  # no strategy: an ensemble is never distributed (the schema)
    if corpus.train.multi_label:
        raise TextclfError(f"{corpus.location}: train.ensemble averages one label per text; this data is "
                           "multi-label (set train.ensemble: 1)")
    return corpus


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
    corpus = _corpus(cfg, options.corpus)
    dirs = member_dirs(run_dir, cfg.train.ensemble)
    for index, member_dir in enumerate(dirs):
        if _completed(member_dir):
            continue
        member = member_config(cfg, index)
        print(f"member {index + 1} of {len(dirs)} (seed {member.seed})", flush=True)
        split = corpus if index == 0 else splits.redrawn(corpus, cfg.data.validation_split, member.seed,
                                                                      cfg.data.stratify)
        again = (member_dir / rundir.CONFIG_FILE).is_file()
        member_dir.mkdir(parents=True, exist_ok=True)
        run_member(member, member_dir, command_line=command_line, resume=again,
                   options=dataclasses.replace(options, corpus=split))
    return combine(run_dir, dirs, corpus, options.score_test, weights_of(cfg))


def averaged(members: list[keras.Model], weights: list[float] | None = None) -> TextModel:
    """One end-to-end model: raw strings in, the mean of the members' outputs (probabilities) out, weighted by
    ``weights`` (summing to 1) where given."""
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
    return TextModel(texts, mean, class_names=members[0].class_names, name="ensemble")


def combine(run_dir: Path, dirs: list[Path], corpus: splits.Corpus, score_test: bool,
            weights: list[float] | None = None) -> tuple[dict, TextModel]:
    """The ensemble's ``model.keras``, its test scores and each member's, and the members' history plot."""
    model = averaged([load_safely(member / rundir.MODEL_FILE) for member in dirs], weights)
    write_then_rename(run_dir / rundir.MODEL_FILE, model.save, "final_save")
    members = [rundir.read_json(member / rundir.METRICS_FILE) for member in dirs]
    metrics = {**members[0], "ensemble": len(dirs), "parameters": int(model.count_params()),
               "train_seconds": round(sum(m.get("train_seconds", 0.0) for m in members), 3),
               "members": [{**{key: m[key] for key in ("val_accuracy", "test_accuracy", "best_epoch") if key in m},
                            **({"temperature": m["calibration"]["temperature"]} if "calibration" in m else {}),
                            **({"weight": round(weights[i], 6)} if weights else {})} for i, m in enumerate(members)]}
    metrics.pop("calibration", None)  # each member is calibrated on its own validation draw: see members
    if score_test:
        names = list(corpus.class_names)
        labels = np.asarray(corpus.test.labels)
        report = classification_metrics(labels, predict.predict_texts(model, list(corpus.test.texts)), names)
        metrics.update(test_accuracy=report["accuracy"], test_loss=report["loss"], test_macro_f1=report["macro"]["f1"])
    rundir.write_json(run_dir / rundir.METRICS_FILE, metrics)
    history_plot(dirs, run_dir / rundir.HISTORY_PLOT, finished=True)
    return metrics, model
