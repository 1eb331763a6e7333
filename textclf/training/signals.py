"""Ctrl-C and ``kill`` during training: a ``KeyboardInterrupt`` that cannot be lost, at the next batch end.

``launch`` installs ``stop_on_signal`` for SIGINT and SIGTERM; the run then
saves its state and says how to resume.
"""

from __future__ import annotations

import threading

import keras

_signalled = threading.Event()


def stop_on_signal(signum, frame):
    """Handler for Ctrl-C and ``kill``: raise ``KeyboardInterrupt``, and remember the signal.

    Python drops an exception raised while it runs a finalizer (a ``__del__``
    or weakref callback; TensorFlow has many), so the interrupt could be lost;
    ``StopOnSignal`` raises it again after the next batch.
    """
    _signalled.set()
    raise KeyboardInterrupt


def clear_signal() -> None:
    _signalled.clear()


class StopOnSignal(keras.callbacks.Callback):
    """Stops training at the first batch end after a signal arrived, if its interrupt went missing.

    Keras reports batch ends once per ``train.STEPS_PER_EXECUTION`` training batches.
    """

    def on_train_batch_end(self, batch, logs=None):
        self._check()

    def on_test_batch_end(self, batch, logs=None):
        self._check()

    @staticmethod
    def _check():
        if _signalled.is_set():
            raise KeyboardInterrupt
