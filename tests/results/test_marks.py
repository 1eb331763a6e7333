"""Where a run's notable epochs sit: best by the monitor's direction, learning-rate cuts, an early stop."""

from textclf.results.marks import Marks, history_marks

HISTORY = {"epoch": [1, 2, 3, 4], "val_loss": [0.9, 0.5, 0.6, 0.7], "val_accuracy": [0.6, 0.7, 0.8, 0.75],
           "learning_rate": [1e-3, 1e-3, 5e-4, 2.5e-4]}


def test_the_best_epoch_follows_the_monitors_direction():
    assert history_marks(HISTORY, "val_loss", 4).best_epoch == 2
    assert history_marks(HISTORY, "val_accuracy", 4).best_epoch == 3


def test_learning_rate_cuts_and_an_early_stop_are_marked_at_the_epochs_that_ended_them():
    assert history_marks(HISTORY, "val_loss", 10) == Marks(best_epoch=2, lr_reductions=[2, 3], early_stop=4)
    assert history_marks(HISTORY, "val_loss", 4).early_stop is None  # all planned epochs ran


def test_an_empty_history_has_no_marks():
    assert history_marks({}, "val_loss", 3) == Marks(None, [], None)
