import io
import re

import keras
import numpy as np

from textclf.training import fit_progress
from textclf.training.fit_progress import EpochProgress, steps_per_execution


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _fit(stream, batches: int, per_call: int, epochs: int = 2):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"], steps_per_execution=per_call)
    x, y = np.random.default_rng(0).normal(size=(4 * batches, 3)), np.ones(4 * batches)
    model.fit(x, y, batch_size=4, epochs=epochs, validation_data=(x, y), verbose=0,
              callbacks=[EpochProgress(epochs, batches, stream=stream)])
    return stream.getvalue()


def test_a_log_file_gets_one_plain_line_per_epoch():
    lines = _fit(io.StringIO(), batches=13, per_call=16).splitlines()
    assert [line.split("  ")[0] for line in lines] == ["Epoch 1/2", "Epoch 2/2"]
    assert all("\x1b" not in line and "\r" not in line and "val_accuracy" in line for line in lines)


def test_a_terminal_count_never_passes_the_total_when_batches_run_16_to_a_call(monkeypatch):
    """13 batches at 16 per call: Keras reports batch 15, which its own bar showed as "16/13"."""
    monkeypatch.setattr(fit_progress, "REDRAW_SECONDS", 0.0)
    shown = _fit(Terminal(), batches=13, per_call=16)
    counts = [(int(done), int(total)) for done, total in re.findall(r"(\d+)/(\d+) batches", shown)]
    assert counts and all(done <= total == 13 for done, total in counts)
    assert shown.endswith("\n") and shown.count("\n") == 2


def test_short_epochs_run_fewer_batches_per_call_so_the_count_moves():
    assert steps_per_execution(352, 16) == 16
    assert steps_per_execution(47, 16) == 2
    assert steps_per_execution(13, 16) == 1


def test_a_learning_rate_cut_is_said_on_the_epochs_line_rounded():
    from types import SimpleNamespace

    from textclf.training.fit_progress import _lowered

    model = SimpleNamespace(optimizer=SimpleNamespace(learning_rate=0.0005000000237487257))
    assert _lowered(model, {"learning_rate": 0.001}) == "  learning rate lowered to 0.0005"
    assert _lowered(model, {"learning_rate": 0.0005000000237487257}) == ""
    assert _lowered(None, {"learning_rate": 0.001}) == ""
