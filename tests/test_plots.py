import yaml

from textclf import rundir
from textclf.plots import history_marks, history_plot


def fake_run(tmp_path, name, rows, epochs_planned):
    run_dir = tmp_path / name
    run_dir.mkdir()
    header = "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss"
    lines = [header] + [",".join(str(v) for v in (i, *row)) for i, row in enumerate(rows)]
    (run_dir / "history.csv").write_text("\n".join(lines) + "\n")
    config = {"train": {"epochs": epochs_planned, "checkpoint_monitor": "val_loss"}}
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config))
    return run_dir


# acc, lr, loss, val_acc, val_loss: best val_loss at epoch 3; lr lowered after epoch 4; stopped at 5 of 10
ROWS = [(0.6, 1e-3, 0.7, 0.6, 0.6), (0.7, 1e-3, 0.5, 0.7, 0.5), (0.8, 1e-3, 0.4, 0.8, 0.3),
        (0.85, 1e-3, 0.3, 0.8, 0.35), (0.9, 5e-4, 0.2, 0.79, 0.4)]


def test_marks_sit_at_the_right_epochs(tmp_path):
    run_dir = fake_run(tmp_path, "stopped", ROWS, epochs_planned=10)
    marks = history_marks(rundir.read_history(run_dir), "val_loss", 10)
    assert (marks.best_epoch, marks.lr_reductions, marks.early_stop) == (3, [4], 5)
    assert history_marks(rundir.read_history(run_dir), "val_accuracy", 5).early_stop is None


def test_history_plot_single_and_comparison(tmp_path):
    first = fake_run(tmp_path, "first", ROWS, epochs_planned=10)
    second = fake_run(tmp_path, "second", ROWS[:3], epochs_planned=3)
    single = history_plot([first], tmp_path / "one.png")
    assert single[0].best_epoch == 3
    both = history_plot([first, second], tmp_path / "two.png")
    assert [m.early_stop for m in both] == [5, None]
    for name in ("one.png", "two.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
