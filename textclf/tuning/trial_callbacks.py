"""The callbacks a search adds to a trial's training: the budget's deadline, and reporting to Optuna's pruner."""

from __future__ import annotations

import time
from collections.abc import Callable

import keras

from textclf.config import higher_is_better


class StopAtDeadline(keras.callbacks.Callback):
    """Stops training at the deadline (at a batch end); the trial keeps its best epoch so far.

    ``deadline``: a ``time.monotonic()`` value, or a function giving it (a deadline that moves as the
    search learns how long its winner will take). ``after_an_epoch``: not before one epoch has ended,
    for a training that must leave a model (each training, where one callback watches several).
    """

    def __init__(self, deadline: float | Callable[[], float], after_an_epoch: bool = False):
        super().__init__()
        self.deadline = deadline if callable(deadline) else lambda: deadline
        self.hit, self.after_an_epoch, self.waiting = False, after_an_epoch, after_an_epoch
        self.ended = time.monotonic()  # when training last stopped: what follows is saving

    def on_train_begin(self, logs=None):
        self.waiting = self.after_an_epoch  # each training it watches (an ensemble's members) gets its epoch

    def on_train_end(self, logs=None):
        self.ended = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if time.monotonic() > self.deadline() and not self.waiting:
            self.hit = self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.waiting = False
        self.on_train_batch_end(None)


class ReportToTrial(keras.callbacks.Callback):
    """Reports after each epoch the score the trial would end with if it stopped now, and stops a trial
    Optuna's pruner gives up on.

    A trial keeps its best epoch by ``monitor`` (the checkpoint's), so its score
    is ``metric`` at that epoch, not at the last one: a model whose accuracy dips
    while its loss still falls is judged, and pruned, by what it would keep. A
    metric that points the other way from the search's (``searched``) is reported
    negated: the pruner compares reports as the study's direction says. A trial
    pruned on a metric other than the search's says which, and its value there
    (user attribute ``pruned_on``): the leaderboard shows that, not a negated loss.
    """

    def __init__(self, trial, metric: str, monitor: str, searched: str | None = None):
        super().__init__()
        self.trial, self.metric, self.monitor, self.pruned = trial, metric, monitor, False
        self.searched = searched or metric
        self.sign = 1 if higher_is_better(metric) == higher_is_better(self.searched) else -1
        self.kept: tuple[float, float] | None = None  # (monitor, metric) at the best epoch so far

    def on_epoch_end(self, epoch, logs=None):
        if not logs or self.metric not in logs or self.monitor not in logs:
            return
        sign = 1 if higher_is_better(self.monitor) else -1
        if self.kept is None or sign * logs[self.monitor] > sign * self.kept[0]:
            self.kept = (float(logs[self.monitor]), float(logs[self.metric]))
        self.trial.report(self.sign * self.kept[1], epoch)
        if self.trial.should_prune():
            self.pruned = self.model.stop_training = True
            if self.metric != self.searched:
                self.trial.set_user_attr("pruned_on", [self.metric, self.kept[1]])


def pruning_metric(metric: str, multi_label: bool) -> str:
    """What epochs report to the pruner: the search's metric, but for multi-label data val_loss, as Keras'
    macro-F1 decides at 0.5 while training, where rare labels are never said (their thresholds are tuned once
    training ends): it pruned GoEmotions' strongest model family, the bag MLP, at its second epoch."""
    return "val_loss" if multi_label and metric == "val_macro_f1" else metric
