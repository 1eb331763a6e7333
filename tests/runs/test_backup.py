import keras
import numpy as np

from textclf.runs import backup


def _model(value: float):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile("adam", "mse")
    model.layers[0].kernel.assign(np.full((2, 1), value, "float32"))
    return model


def _save(folder, model, epoch):
    callback = backup.AtomicBackup(folder)
    callback.set_model(model)
    callback._current_epoch = epoch
    callback._save_model()


def test_a_backup_is_all_or_nothing_and_the_newest_complete_one_is_loaded(tmp_path):
    folder = tmp_path / "keras"
    for epoch in (1, 2, 3):
        _save(folder, _model(float(epoch)), epoch)
    assert sorted(p.name for p in folder.iterdir()) == ["epoch-2", "epoch-3"]  # the two newest are kept
    # A save cut short by a kill: a temporary folder with half a weights file, never renamed.
    broken = folder / ".epoch-4.tmp-999"
    broken.mkdir()
    (broken / backup.WEIGHTS).write_bytes(b"\x89HDF half")
    assert backup.saved_epochs(folder) == 3
    restored = _model(0.0)
    callback = backup.AtomicBackup(folder)
    callback.set_model(restored)
    callback.on_train_begin()
    assert restored._initial_epoch == 3 and float(restored.layers[0].kernel.numpy()[0, 0]) == 3.0
    assert not broken.exists()


def test_nothing_saved_means_epoch_0(tmp_path):
    assert backup.saved_epochs(tmp_path / "none") == 0


def test_write_then_rename_leaves_the_old_file_until_the_new_one_is_whole(tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("old")

    def fail(path):
        path.write_text("half")
        raise OSError("disk full")

    try:
        backup.write_then_rename(target, fail, "final_save")
    except OSError:
        pass
    assert target.read_text() == "old"
    backup.write_then_rename(target, lambda path: path.write_text("new"), "final_save")
    assert target.read_text() == "new"
