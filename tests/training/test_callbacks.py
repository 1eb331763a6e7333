import csv

import keras
import pytest
from helpers import tiny_config

from textclf.config import load_config
from textclf.errors import TextclfError
from textclf.runs import rundir
from textclf.training import callbacks


def _tracked(run_dir, cfg):
    """The stateful callbacks ``make_callbacks`` gives, and its CallbackState."""
    made = callbacks.make_callbacks(cfg, run_dir)
    state = next(c for c in made if isinstance(c, callbacks.CallbackState))
    return state.tracked, state


def test_callback_order_keeps_learning_rate_cuts_in_the_backup(tmp_path, imdb_dir):
    cfg = load_config(tiny_config(tmp_path, imdb_dir, {"type": "lstm"}))
    kinds = [type(c) for c in callbacks.make_callbacks(cfg, tmp_path)]
    position = {kind: kinds.index(kind) for kind in kinds}
    assert position[keras.callbacks.ReduceLROnPlateau] < position[callbacks.AtomicBackup]
    assert position[keras.callbacks.EarlyStopping] < position[callbacks.CallbackState]
    assert position[callbacks.CallbackState] < position[callbacks.AtomicBackup]
    assert position[callbacks.EpochLog] < position[callbacks.HistoryLogger] == len(kinds) - 1
    assert keras.callbacks.TensorBoard in kinds
    assert keras.callbacks.TerminateOnNaN in kinds


def test_stateful_callback_counters_survive_a_restart(tmp_path, imdb_dir):
    cfg = load_config(tiny_config(tmp_path, imdb_dir, {"type": "lstm"}))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    before, state = _tracked(tmp_path, cfg)
    checkpoint, stopping, plateau = before
    for callback in (*before, state):
        callback.set_model(model)
    stopping.wait, stopping.best, stopping.best_epoch, stopping.best_weights = 1, 0.25, 2, model.get_weights()
    plateau.wait, plateau.cooldown_counter, plateau.best = 1, 0, 0.25
    checkpoint.best = 0.25
    state.on_epoch_end(2, {"loss": 0.3, "val_loss": 0.4})

    after, restored = _tracked(tmp_path, cfg)  # what a resumed process builds
    restored.set_model(model)
    restored.on_epoch_begin(3)
    assert (after[0].best, after[1].wait, after[1].best, after[1].best_epoch) == (0.25, 1, 0.25, 2)
    assert (after[2].wait, after[2].best) == (1, 0.25)
    assert [w.shape for w in after[1].best_weights] == [w.shape for w in model.get_weights()]

    _, unmatched = _tracked(tmp_path, cfg)
    with pytest.raises(TextclfError, match="epoch 7"):
        unmatched.on_epoch_begin(7)


@pytest.mark.parametrize("first", [1, 0])  # 0: a run begun before history.csv counted from 1
def test_history_missing_its_last_row_is_refilled_from_the_saved_logs(tmp_path, first):
    logs = [{"loss": 0.5 - i / 10, "val_loss": 0.6 - i / 10} for i in range(3)]
    (tmp_path / "history.csv").write_text(f"epoch,loss,val_loss\r\n{first},0.5,0.6\r\n{first + 1},0.4,0.5\r\n")
    callbacks.restore_history(tmp_path, {"logs": logs}, 3)
    rows = list(csv.DictReader((tmp_path / "history.csv").open(newline="")))
    assert [int(r["epoch"]) for r in rows] == [first, first + 1, first + 2]
    assert float(rows[2]["loss"]) == pytest.approx(0.3)
    assert rundir.read_history(tmp_path)["epoch"] == [1, 2, 3]
    with pytest.raises(TextclfError, match="cannot resume"):
        callbacks.restore_history(tmp_path, {"logs": logs}, 5)
    with pytest.raises(TextclfError, match="no saved training state"):
        callbacks.restore_history(tmp_path, {"logs": []}, 0)


def test_a_run_begun_counting_epochs_from_0_goes_on_that_way(tmp_path):
    (tmp_path / "history.csv").write_text("epoch,loss\r\n0,0.5\r\n")
    logger = callbacks.HistoryLogger(tmp_path / "history.csv")
    logger.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    logger.on_train_begin()
    logger.on_epoch_end(1, {"loss": 0.4})
    logger.on_train_end()
    assert rundir.read_history(tmp_path) == {"epoch": [1, 2], "loss": [0.5, 0.4]}
    fresh = callbacks.HistoryLogger(tmp_path / "new.csv")
    assert fresh.first == 1


def test_every_run_writes_live_curves_for_tensorboard_with_the_learning_rate(trained_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train_logs = trained_run / rundir.TENSORBOARD / "train"
    accumulator = EventAccumulator(str(train_logs))
    accumulator.Reload()
    tags = set(accumulator.Tags()["scalars"]) | set(accumulator.Tags()["tensors"])
    assert {"epoch_loss", "epoch_learning_rate"} <= tags


