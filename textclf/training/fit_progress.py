"""Training progress: one plain line per epoch, and on a terminal a live count of batches.

It replaces Keras' progress bar, which runs past its total ("16/13", a
negative ETA) when batches run several to a call (keras-team/keras#20861),
stands still through an epoch shorter than one such call, and writes its
escape codes into log files.
"""

from __future__ import annotations

import sys
import time

import keras

REDRAW_SECONDS = 0.2


def steps_per_execution(steps_per_epoch: int, most: int) -> int:
    """Batches per call into the compiled graph: ``most``, fewer where an epoch has few batches.

    The progress count moves once per call, so an epoch gets at least about
    16 updates: short epochs pay a little per-call overhead for a live count.
    """
    return max(1, min(most, steps_per_epoch // 16))


def _metrics(logs: dict) -> str:
    shown = {key: value for key, value in (logs or {}).items() if key not in ("epoch_seconds", "learning_rate")}
    return "  ".join(f"{key} {float(value):.4f}" for key, value in shown.items()
                     if isinstance(value, (int, float)) or hasattr(value, "__float__"))


def _lowered(model, logs) -> str:
    """``  learning rate lowered to 0.0005`` when a plateau cut the rate at this epoch's end: the epoch's rate is
    in its logs, the optimizer holds the new one (Keras' own message prints it to 19 digits)."""
    before = (logs or {}).get("learning_rate")
    try:
        now = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    except (AttributeError, TypeError, ValueError):  # no model, or a schedule (it is no plateau's)
        return ""
    return f"  learning rate lowered to {now:.3g}" if before is not None and now < float(before) * (1 - 1e-6) else ""


class EpochProgress(keras.callbacks.Callback):
    """``Epoch 3/10  1.2 s  loss 0.1234  accuracy 0.95  val_loss …`` on ``stream`` (stdout, as Keras' bar) per epoch.

    On a terminal the line is redrawn during the epoch, at most every 0.2 s,
    with the batches done out of ``steps`` (never past it).
    """

    def __init__(self, epochs: int, steps: int | None = None, stream=None):
        super().__init__()
        self.epochs, self.steps = epochs, steps
        self.stream = stream or sys.stdout
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.started = self.shown = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        now = time.monotonic()
        if not self.live or now - self.shown < REDRAW_SECONDS:
            return
        self.shown = now
        steps = self.params.get("steps") or self.steps
        done = batch + 1 if not steps else min(batch + 1, steps)
        count = f"{done}/{steps}" if steps else f"{done}"
        self.stream.write(f"\rEpoch {self.epoch + 1}/{self.epochs}  {count} batches  {_metrics(logs)}\033[K")
        self.stream.flush()

    def on_epoch_end(self, epoch, logs=None):
        seconds = (logs or {}).get("epoch_seconds", time.monotonic() - self.started)
        line = f"Epoch {epoch + 1}/{self.epochs}  {seconds:.1f} s  {_metrics(logs)}{_lowered(self.model, logs)}"
        self.stream.write(f"\r{line}\033[K\n" if self.live else f"{line}\n")
        self.stream.flush()
