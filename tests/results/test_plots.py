import json

import matplotlib.pyplot as plt
import pytest
import yaml

from textclf.errors import TextclfError
from textclf.results.marks import history_marks
from textclf.results.plots import history_figure, history_plot
from textclf.runs import rundir


def fake_run(tmp_path, name, rows, epochs_planned, status="completed"):
    run_dir = tmp_path / name
    run_dir.mkdir(parents=True)
    header = "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss"
    lines = [header] + [",".join(str(v) for v in (i + 1, *row)) for i, row in enumerate(rows)]
    (run_dir / "history.csv").write_text("\n".join(lines) + "\n")
    config = {"name": name, "model": {"type": "lstm"},
              "train": {"epochs": epochs_planned, "checkpoint_monitor": "val_loss"}}
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config))
    (run_dir / "run.json").write_text(json.dumps({"status": status}))
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


def _labels(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def test_epoch_ticks_are_whole_numbers_and_validation_is_labelled_so(tmp_path):
    fig, _ = history_figure([fake_run(tmp_path, "run", ROWS, epochs_planned=10)])
    loss_axis = fig.axes[0]
    ticks = [t for t in loss_axis.get_xticks() if 1 <= t <= 5]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert "validation loss" in _labels(loss_axis) and "training loss" in _labels(loss_axis)
    plt.close(fig)


def test_the_learning_rate_axis_appears_only_when_the_rate_changed(tmp_path):
    changed, _ = history_figure([fake_run(tmp_path, "changed", ROWS, epochs_planned=10)])
    constant_rows = [(*row[:1], 1e-3, *row[2:]) for row in ROWS]
    constant, _ = history_figure([fake_run(tmp_path, "constant", constant_rows, epochs_planned=10)])
    assert (len(changed.axes), len(constant.axes)) == (4, 2)  # two panels, plus a rate axis on each
    plt.close("all")


def test_an_unfinished_run_is_drawn_as_far_as_it_went_and_titled_so(tmp_path):
    run = fake_run(tmp_path, "running", ROWS[:2], epochs_planned=10, status="interrupted")
    fig, marks = history_figure([run])
    assert "unfinished: interrupted" in fig._suptitle.get_text()
    assert marks[0].early_stop is None  # paused, not stopped early
    plt.close(fig)


def test_the_overlay_of_several_runs_marks_each_best_epoch(tmp_path):
    first = fake_run(tmp_path, "first", ROWS, epochs_planned=10)
    second = fake_run(tmp_path, "second", ROWS[:2], epochs_planned=2)
    fig, marks = history_figure([first, second])
    stars = [line for line in fig.axes[0].get_lines() if line.get_marker() == "*" and len(line.get_xdata())]
    assert sorted(float(line.get_xdata()[0]) for line in stars) == [2.0, 3.0] == sorted(m.best_epoch for m in marks)
    assert _labels(fig.axes[0])[:2] == ["first (lstm) (validation)", "second (lstm) (validation)"]  # names, not stamps
    plt.close(fig)


def test_members_of_one_epoch_are_drawn_on_a_readable_axis_and_named_as_members(tmp_path):
    members = [fake_run(tmp_path / "run" / "members", str(index), ROWS[:1], epochs_planned=1) for index in range(3)]
    fig, _ = history_figure(members)
    low, high = fig.axes[0].get_xlim()
    assert low <= 0 and high >= 2  # around epoch 1, not 0.95 … 1.05
    assert _labels(fig.axes[0])[:3] == [f"member {index} (lstm) (validation)" for index in range(3)]
    plt.close(fig)


def test_a_learning_rate_cut_at_the_early_stop_stays_visible():
    import matplotlib.pyplot as plt

    from textclf.results.marks import Marks
    from textclf.results.plots import _draw_single

    fig, axes = plt.subplots(1, 2)
    history = {"epoch": [1, 2, 3], "loss": [0.9, 0.7, 0.8], "val_loss": [0.8, 0.7, 0.75], "accuracy": [0.6, 0.7, 0.7],
               "val_accuracy": [0.6, 0.7, 0.65], "learning_rate": [1e-3, 1e-3, 5e-4]}
    _draw_single(axes, history, Marks(best_epoch=2, lr_reductions=[3], early_stop=3), "accuracy")
    cuts = [line for line in axes[0].get_lines() if line.get_marker() == "v"]
    assert len(cuts) == 1 and list(cuts[0].get_xdata()) == [3] and "learning rate lowered" in _labels(axes[0])
    plt.close(fig)


def test_a_metric_the_history_lacks_is_a_user_error(tmp_path):
    with pytest.raises(TextclfError, match="--metric.*'f1'.*accuracy"):
        history_figure([fake_run(tmp_path, "run", ROWS, epochs_planned=10)], metric="f1")


@pytest.mark.parametrize("classes", [3, 77])
def test_a_confusion_matrix_of_many_classes_stays_a_picture_of_bounded_size(tmp_path, monkeypatch, classes):
    """Banking77's 77 classes once drew a 10,000-pixel square, a minute of a 3-minute search; a few classes keep
    their counts written in the cells."""
    import numpy as np
    from PIL import Image

    from textclf.results import plots

    written, text = [], plt.Axes.text
    monkeypatch.setattr(plt.Axes, "text", lambda self, *args, **kwargs: written.append(args) or text(self, *args,
                                                                                                     **kwargs))
    matrix = np.arange(classes * classes).reshape(classes, classes)
    plots.confusion_matrix(matrix, [f"class {i}" for i in range(classes)], tmp_path / "cm.png")
    width, height = Image.open(tmp_path / "cm.png").size
    assert max(width, height) <= 110 * (plots.CONFUSION_SIDE_INCHES + 3)
    assert len(written) == (classes * classes if classes <= plots.COUNTED_CLASSES else 0)
