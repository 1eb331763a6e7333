"""What a search adds to a trial's training: the deadline, and reporting the score of the epoch it keeps."""

import time

import keras
import numpy as np
import pytest

from textclf.tuning.trial_callbacks import ReportToTrial, StopAtDeadline


def test_a_trial_reports_the_score_of_the_epoch_it_would_keep():
    """The score after each epoch is the metric at the best epoch so far by the checkpoint's monitor: an
    accuracy that dips while the loss still falls is the one the trial keeps, and is judged by."""
    import optuna

    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    report = ReportToTrial(trial, "val_accuracy", "val_loss")
    report.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    epochs = [(0.30, 0.90), (0.25, 0.88), (0.27, 0.93), (0.20, 0.85)]  # (val_loss, val_accuracy)
    for epoch, (loss, accuracy) in enumerate(epochs):
        report.on_epoch_end(epoch, {"val_loss": loss, "val_accuracy": accuracy})
    reported = study.trials[0].intermediate_values
    assert [reported[epoch] for epoch in range(4)] == pytest.approx([0.90, 0.88, 0.88, 0.85])
    assert not report.pruned


@pytest.mark.parametrize(("after_an_epoch", "batches"), [(False, 1), (True, 8)])
def test_a_deadline_stops_training_at_a_batch_end_or_once_an_epoch_is_done(after_an_epoch, batches):
    class Count(keras.callbacks.Callback):
        seen = 0

        def on_train_batch_end(self, batch, logs=None):
            self.seen += 1

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    count, passed = Count(), StopAtDeadline(time.monotonic() - 1, after_an_epoch=after_an_epoch)
    history = model.fit(np.zeros((64, 2)), np.zeros(64), batch_size=8, epochs=5, callbacks=[passed, count], verbose=0)
    assert count.seen == batches and len(history.history["loss"]) == 1 and passed.hit
    again = Count()  # a second training it watches (an ensemble's member) gets its epoch too
    model.fit(np.zeros((64, 2)), np.zeros(64), batch_size=8, epochs=5, callbacks=[passed, again], verbose=0)
    assert again.seen == batches


def test_multi_label_epochs_report_their_loss_negated_to_a_search_of_macro_f1():
    """Keras' macro-F1 at 0.5 hardly ever says a rare label while a model trains, so multi-label trials are
    pruned by val_loss, which points the other way from the study's maximized macro-F1."""
    import optuna

    from textclf.tuning.trial_callbacks import pruning_metric

    assert pruning_metric("val_macro_f1", multi_label=True) == "val_loss"
    assert pruning_metric("val_macro_f1", multi_label=False) == "val_macro_f1"
    study = optuna.create_study(direction="maximize")
    report = ReportToTrial(study.ask(), pruning_metric("val_macro_f1", True), "val_loss", searched="val_macro_f1")
    report.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    for epoch, loss in enumerate([0.30, 0.20, 0.25]):
        report.on_epoch_end(epoch, {"val_loss": loss, "val_macro_f1": 0.01})
    assert list(study.trials[0].intermediate_values.values()) == pytest.approx([-0.30, -0.20, -0.20])


def test_a_trial_pruned_on_another_metric_than_the_searchs_says_which_and_shows_its_value():
    import optuna

    from textclf.tuning.leaderboard import line, rows_of

    class Always(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            return True

    study = optuna.create_study(direction="maximize", pruner=Always())
    trial = study.ask()
    report = ReportToTrial(trial, "val_loss", "val_loss", searched="val_macro_f1")
    report.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    report.on_epoch_end(0, {"val_loss": 0.25})
    assert report.pruned and trial.user_attrs["pruned_on"] == ["val_loss", 0.25]
    study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    shown = line(rows_of(study)[0], "val_macro_f1")
    assert "val_loss 0.2500" in shown and "val_macro_f1" not in shown and "-0.25" not in shown
