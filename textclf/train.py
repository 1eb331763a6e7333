"""Training stage: config → data → model → ``fit`` → a complete run directory."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import textclf
from textclf import data, models, rundir
from textclf.config import Config, to_yaml
from textclf.plots import history_marks, history_plot

CHECKPOINT = Path("checkpoints") / "best.keras"
OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


@dataclass(frozen=True)
class TrainResult:
    metrics: dict
    model: keras.Model  # the end-to-end model, raw strings in, as saved to model.keras


class EpochLog(keras.callbacks.Callback):
    """Adds each epoch's wall-clock seconds and learning rate to the logs.

    Placed before ``CSVLogger`` so both columns land in ``history.csv``.
    """

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._start
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))


def _callbacks(cfg: Config, run_dir: Path) -> list[keras.callbacks.Callback]:
    train = cfg.train
    callbacks = [
        EpochLog(),
        keras.callbacks.ModelCheckpoint(
            run_dir / CHECKPOINT, monitor=train.checkpoint_monitor, save_best_only=True
        ),
    ]
    if train.early_stopping.enabled:
        stop = train.early_stopping
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=stop.monitor, patience=stop.patience, min_delta=stop.min_delta,
                restore_best_weights=True, verbose=1,
            )
        )
    if train.reduce_lr_on_plateau.enabled:
        plateau = train.reduce_lr_on_plateau
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=plateau.monitor, factor=plateau.factor, patience=plateau.patience,
                min_lr=plateau.min_lr, verbose=1,
            )
        )
    callbacks.append(keras.callbacks.CSVLogger(run_dir / "history.csv", append=True))
    return callbacks


def _summary(model: keras.Model, run_dir: Path) -> None:
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    print(text)
    rundir.write_atomic(run_dir / "summary.txt", text + "\n")


def _versions() -> dict[str, str]:
    return {
        "textclf": textclf.__version__,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def _fit(cfg: Config, run_dir: Path) -> TrainResult:
    keras.utils.set_random_seed(cfg.seed)
    corpus = data.load_corpus(cfg.data, cfg.seed)
    rundir.update_run_info(
        run_dir,
        data={
            "source": cfg.data.source,
            "location": corpus.location,
            "fingerprint": corpus.fingerprint,
            "sizes": {"train": len(corpus.train), "validation": len(corpus.validation), "test": len(corpus.test)},
        },
        class_names=list(corpus.class_names),
    )
    input_kind = cfg.model.input_kind
    vectorizer = data.make_vectorizer(cfg.data, input_kind)
    data.adapt(vectorizer, corpus.train.texts)

    def dataset(split, shuffle_seed=None):
        features = data.encode(vectorizer, split.texts, cfg.data, input_kind)
        return data.make_dataset(features, split.labels, cfg.train.batch_size, cfg.data, shuffle_seed)

    train_ds, val_ds, test_ds = dataset(corpus.train, cfg.seed), dataset(corpus.validation), dataset(corpus.test)
    num_classes = len(corpus.class_names)
    model = models.build(cfg.model, vocab_size=vectorizer.vocabulary_size(), num_classes=num_classes)
    model.compile(
        optimizer=OPTIMIZERS[cfg.train.optimizer](learning_rate=cfg.train.learning_rate),
        loss="binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    _summary(model, run_dir)

    started = time.perf_counter()
    model.fit(
        train_ds, validation_data=val_ds, epochs=cfg.train.epochs,
        callbacks=_callbacks(cfg, run_dir), shuffle=False,  # train_ds shuffles itself
    )
    train_seconds = time.perf_counter() - started

    best = keras.models.load_model(run_dir / CHECKPOINT)
    test = best.evaluate(test_ds, return_dict=True, verbose=0)
    end_to_end = models.end_to_end(vectorizer, best, cfg.data, input_kind)
    end_to_end.save(run_dir / rundir.MODEL_FILE)

    history = rundir.read_history(run_dir)
    rundir.write_json(run_dir / "history.json", history)
    metrics = {
        "test_accuracy": float(test["accuracy"]),
        "test_loss": float(test["loss"]),
        "train_seconds": round(train_seconds, 3),
        "seconds_per_epoch": round(float(np.mean(history["epoch_seconds"])), 3),
        "epochs_run": len(history["epoch"]),
        "best_epoch": history_marks(history, cfg.train.checkpoint_monitor, cfg.train.epochs).best_epoch,
        "parameters": int(best.count_params()),
        "vocabulary_size": int(vectorizer.vocabulary_size()),
        "num_classes": num_classes,
    }
    rundir.write_json(run_dir / "metrics.json", metrics)
    history_plot([run_dir], run_dir / "plots" / "history.png")
    return TrainResult(metrics, end_to_end)


def run(cfg: Config, run_dir: Path, command_line: str = "") -> TrainResult:
    """Train ``cfg`` into the (new, empty) ``run_dir``; return its metrics and model.

    ``run.json`` says ``running`` while training, then ``completed``, or
    ``failed`` / ``interrupted`` with the reason if anything goes wrong.
    """
    rundir.write_atomic(run_dir / "config.yaml", to_yaml(cfg))
    rundir.update_run_info(
        run_dir,
        status="running",
        name=cfg.name,
        model_type=cfg.model.type,
        seed=cfg.seed,
        command=command_line,
        started_at=rundir.utc_now().isoformat(),
        versions=_versions(),
    )
    try:
        result = _fit(cfg, run_dir)
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        rundir.update_run_info(run_dir, status=status, finished_at=rundir.utc_now().isoformat(), error=str(exc))
        raise
    rundir.update_run_info(run_dir, status="completed", finished_at=rundir.utc_now().isoformat())
    return result
