"""Training callbacks: the Keras ones a run uses, plus what resuming needs.

Keras' ``BackupAndRestore`` saves the weights, the optimizer (its step count
and learning rate included) and the epoch counter. It leaves out the counters
of early stopping, learning-rate plateaus and the best checkpoint, so a resumed
run would forget its patience and overwrite a better checkpoint with a worse
one. ``CallbackState`` keeps those, next to the backup, one file per epoch.
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path

import keras
import numpy as np

from textclf import faults
from textclf.config import Config, higher_is_better
from textclf.errors import TextclfError
from textclf.runs import rundir
from textclf.runs.backup import AtomicBackup, saved_epochs
from textclf.runs.rundir import BACKUP, BEST_WEIGHTS_FILE, CHECKPOINT, KERAS_BACKUP, STATE_FILE, TENSORBOARD
from textclf.training.signals import StopOnSignal

_STATE_FIELDS = {
    keras.callbacks.EarlyStopping: ("wait", "best", "best_epoch", "stopped_epoch"),
    keras.callbacks.ReduceLROnPlateau: ("wait", "cooldown_counter", "best"),
    keras.callbacks.ModelCheckpoint: ("best",),
}


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


def _plain(value):
    """JSON-ready Python number (Keras keeps some as NumPy scalars)."""
    return value.item() if isinstance(value, np.generic) else value


def resume_epoch(run_dir: Path) -> int:
    """How many epochs the backup holds (0 when there is none)."""
    return saved_epochs(run_dir / BACKUP / KERAS_BACKUP)


def read_state(run_dir: Path) -> dict:
    """The saved callback state: ``{"epochs": {N: state after N epochs}, "logs": [...], "fit_finished": bool}``."""
    path = run_dir / BACKUP / STATE_FILE
    if not path.exists():
        return {"epochs": {}, "logs": []}
    state = rundir.read_json(path)
    if not isinstance(state.get("epochs"), dict) or not isinstance(state.get("logs"), list) or \
            not all(isinstance(log, dict) for log in state["logs"]):
        raise TextclfError(f"{path}: damaged (not the training state textclf writes); cannot resume")
    return state


def restore_history(run_dir: Path, state: dict, epochs: int) -> None:
    """Make ``history.csv`` hold exactly the first ``epochs`` epochs, as ``CSVLogger`` writes them.

    ``CSVLogger`` appends only after the backup is saved, so a kill between the
    two can leave out the last row; it is refilled from the saved logs.
    """
    path = run_dir / rundir.HISTORY_FILE
    with open(path, newline="", encoding="utf-8") if path.exists() else io.StringIO() as handle:
        rows = list(csv.DictReader(handle))
    if len(rows) == epochs:
        return
    if epochs == 0:
        raise TextclfError(f"{run_dir}: {len(rows)} epochs logged but no saved training state ({BACKUP}/); "
                           "cannot resume")
    logs = state["logs"][:epochs]
    if len(logs) < epochs:
        raise TextclfError(f"{path}: {len(rows)} epochs logged, the backup holds {epochs}; cannot resume")
    keys = sorted(logs[0]) if logs else []
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["epoch", *keys])
    first = rundir.first_epoch_number(path)
    writer.writerows([first + index, *(log[k] for k in keys)] for index, log in enumerate(logs))
    rundir.write_atomic(path, out.getvalue() if logs else "")


class CallbackState(keras.callbacks.Callback):
    """Saves the stateful callbacks' counters and every epoch's logs; restores them on resume.

    Saved at each epoch end, before ``BackupAndRestore`` saves the weights of
    that epoch; the last two epochs are kept, so whichever backup Keras
    restores finds its match. Restored when the first epoch of a resumed fit
    begins, which is when Keras has set the epoch it resumes from.
    """

    def __init__(self, run_dir: Path, tracked: list[keras.callbacks.Callback]):
        super().__init__()
        self.folder = run_dir / BACKUP
        self.tracked = tracked
        self.state = read_state(run_dir)
        self._restored = False

    def _fields(self, callback) -> tuple[str, ...]:
        return next(fields for kind, fields in _STATE_FIELDS.items() if isinstance(callback, kind))

    def on_epoch_begin(self, epoch, logs=None):
        if self._restored:
            return
        self._restored = True
        if epoch == 0:
            return
        saved = self.state["epochs"].get(str(epoch))
        if saved is None:
            raise TextclfError(f"{self.folder}: no saved callback state for epoch {epoch}; cannot resume")
        for callback, values in zip(self.tracked, saved, strict=True):
            for field in self._fields(callback):
                setattr(callback, field, values[field])
            if isinstance(callback, keras.callbacks.EarlyStopping) and (self.folder / BEST_WEIGHTS_FILE).exists():
                with np.load(self.folder / BEST_WEIGHTS_FILE) as weights:
                    callback.best_weights = [weights[f"w{i}"] for i in range(len(weights.files))]

    def on_epoch_end(self, epoch, logs=None):
        self.folder.mkdir(exist_ok=True)
        done = epoch + 1
        self.state["logs"] = self.state["logs"][:epoch] + [{k: _plain(v) for k, v in (logs or {}).items()}]
        self.state["epochs"] = {
            **{k: v for k, v in self.state["epochs"].items() if int(k) == epoch},
            str(done): [{f: _plain(getattr(c, f)) for f in self._fields(c)} for c in self.tracked],
        }
        for callback in self.tracked:
            if isinstance(callback, keras.callbacks.EarlyStopping) and callback.best_epoch == epoch:
                if callback.best_weights is not None:
                    self._save_weights(callback.best_weights)
        rundir.write_json(self.folder / STATE_FILE, self.state)

    def on_train_end(self, logs=None):
        self.state["fit_finished"] = True
        self.folder.mkdir(exist_ok=True)
        rundir.write_json(self.folder / STATE_FILE, self.state)

    def _save_weights(self, weights: list[np.ndarray]) -> None:
        tmp = self.folder / f".{BEST_WEIGHTS_FILE}.tmp.npz"
        np.savez(tmp, **{f"w{i}": w for i, w in enumerate(weights)})
        tmp.replace(self.folder / BEST_WEIGHTS_FILE)


class AtomicCheckpoint(keras.callbacks.ModelCheckpoint):
    """``ModelCheckpoint`` (best only) that writes a temporary file and renames it over the checkpoint."""

    def __init__(self, path: Path, **kwargs):
        self.final = Path(path)
        self.temporary = self.final.with_name(f".{self.final.stem}.tmp{self.final.suffix}")
        super().__init__(self.temporary, save_best_only=True, **kwargs)

    def on_train_begin(self, logs=None):
        self.temporary.unlink(missing_ok=True)  # left by a kill mid-write: its epoch is trained again
        super().on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if self.temporary.exists():
            faults.kill_point("checkpoint")
            os.replace(self.temporary, self.final)


def _mode(monitor: str) -> str:
    """Said, not guessed: Keras' "auto" takes any name without "acc" in it (val_f1) as lower-is-better."""
    return "max" if higher_is_better(monitor) else "min"


def make_callbacks(cfg: Config, run_dir: Path) -> list[keras.callbacks.Callback]:
    """The run's callbacks, in the order that makes resuming exact.

    ``CallbackState`` and ``BackupAndRestore`` come after the callbacks that
    change state at an epoch's end (so a learning-rate cut is in the backup);
    ``CSVLogger`` comes last, so ``history.csv`` never holds an epoch whose
    backup was not written.
    """
    train = cfg.train
    tracked: list[keras.callbacks.Callback] = [
        AtomicCheckpoint(run_dir / CHECKPOINT, monitor=train.checkpoint_monitor, mode=_mode(train.checkpoint_monitor))
    ]
    if train.early_stopping.enabled:
        stop = train.early_stopping
        tracked.append(keras.callbacks.EarlyStopping(
            monitor=stop.monitor, patience=stop.patience, min_delta=stop.min_delta, mode=_mode(stop.monitor),
            restore_best_weights=True, verbose=1,
        ))
    if train.reduce_lr_on_plateau.enabled:
        plateau = train.reduce_lr_on_plateau
        tracked.append(keras.callbacks.ReduceLROnPlateau(
            monitor=plateau.monitor, factor=plateau.factor, patience=plateau.patience,
            min_lr=plateau.min_lr, mode=_mode(plateau.monitor), verbose=0,  # said by fit_progress, rounded
        ))
    return [
        StopOnSignal(),
        keras.callbacks.TerminateOnNaN(raise_error=True),
        EpochLog(),
        # Live curves: `tensorboard --logdir outputs` (the learning rate included, by Keras itself).
        keras.callbacks.TensorBoard(run_dir / TENSORBOARD, write_graph=False),
        *tracked,
        CallbackState(run_dir, tracked),
        AtomicBackup(run_dir / BACKUP / KERAS_BACKUP),
        HistoryLogger(run_dir / rundir.HISTORY_FILE),
    ]


class HistoryLogger(keras.callbacks.CSVLogger):
    """``CSVLogger`` appending to ``history.csv``, epochs counted from 1 as everywhere else in textclf.

    A run begun 0-based (before textclf counted from 1) goes on that way; readers handle both.
    """

    def __init__(self, path: Path):
        super().__init__(path, append=True)
        self.first = rundir.first_epoch_number(path)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch + self.first, logs)
