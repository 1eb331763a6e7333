"""Ctrl-C and ``kill`` during training: an interrupt that a finalizer swallowed still stops at the next batch."""

import signal

import keras
import numpy as np
import pytest

from textclf.training import signals


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_interrupt_a_finalizer_swallowed_still_stops_training_after_the_batch():
    class Finalized:
        def __del__(self):  # Python reports "Exception ignored in ..." and carries on
            signals.stop_on_signal(signal.SIGINT, None)

    signals.clear_signal()
    Finalized()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(np.zeros((8, 2)), np.zeros(8), batch_size=2, epochs=3, verbose=0,
                      callbacks=[signals.StopOnSignal(), counter])
    finally:
        signals.clear_signal()
    assert seen == []  # stopped after the first batch, before any later callback saw it
