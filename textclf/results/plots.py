"""Pictures of training and evaluation, drawn with matplotlib (no TensorFlow needed).

History plots follow "Deep Learning with Python": training as dots, validation
as a line, loss and accuracy side by side.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from textclf.config import higher_is_better  # noqa: E402
from textclf.errors import TextclfError  # noqa: E402
from textclf.results.marks import Marks, history_marks  # noqa: E402
from textclf.runs import rundir  # noqa: E402


def _run_marks(run_dir: Path, history: dict[str, list[float]], finished: bool) -> Marks:
    train = rundir.read_config(run_dir).train
    marks = history_marks(history, train.checkpoint_monitor, train.epochs)
    return marks if finished else Marks(marks.best_epoch, marks.lr_reductions, None)  # not stopped: paused


def _rate_changed(history) -> bool:
    rates = history.get("learning_rate", [])
    return len(set(rates)) > 1


def _label_axes(ax, title: str, key: str) -> None:
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_ylabel(key)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers, counted from 1
    low, high = ax.get_xlim()
    if high - low < 2:  # one epoch: a readable axis around it, not ticks of 0.95 … 1.05
        middle = round((low + high) / 2)
        ax.set_xlim(middle - 1, middle + 1)
    ax.legend(fontsize="small")


def run_label(run_dir: Path) -> str:
    """How a run is named in a picture: an ensemble's member by its number, a run by its config's name and model
    (its folder's time stamp says nothing at a glance)."""
    run_dir = Path(run_dir)
    try:
        cfg = rundir.read_config(run_dir)
    except TextclfError:
        return run_dir.name
    if run_dir.parent.name == rundir.MEMBERS_DIR:
        return f"member {run_dir.name} ({cfg.model.type})"
    return f"{cfg.name} ({cfg.model.type})"


def _draw_single(axes, history, marks: Marks, metric: str) -> None:
    epochs = history["epoch"]
    for ax, key in zip(axes, ("loss", metric), strict=True):
        if key in history:
            ax.plot(epochs, history[key], "bo", label=f"training {key}")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], "b-", label=f"validation {key}")
        if marks.best_epoch is not None:
            ax.axvline(marks.best_epoch, color="green", linestyle="--", label=f"best epoch ({marks.best_epoch})")
        for i, epoch in enumerate(marks.lr_reductions):  # a marker on top: an early stop's line may share the epoch
            ax.plot([epoch], [0.97], "v", color="orange", markersize=9, transform=ax.get_xaxis_transform(),
                    label="learning rate lowered" if i == 0 else None)
        if marks.early_stop is not None:
            ax.axvline(marks.early_stop, color="red", linestyle="-.", label=f"early stop ({marks.early_stop})")
        if _rate_changed(history):  # a constant rate would only add a flat line and an axis
            rate_axis = ax.twinx()
            rate_axis.step(epochs, history["learning_rate"], where="post", color="gray", alpha=0.5)
            rate_axis.set_ylabel("learning rate", color="gray")
            rate_axis.set_yscale("log")
        _label_axes(ax, f"Training and validation {key}", key)


def _draw_comparison(axes, runs, marks: list[Marks], metric: str) -> None:
    """Each run's validation curves; a star on each at its best epoch."""
    for ax, key in zip(axes, ("loss", metric), strict=True):
        for (_, history, title), run_marks in zip(runs, marks, strict=True):
            if f"val_{key}" not in history:
                continue
            line, = ax.plot(history["epoch"], history[f"val_{key}"], "-o", markersize=3,
                            label=f"{title} (validation)")
            if run_marks.best_epoch in history["epoch"]:
                best = history["epoch"].index(run_marks.best_epoch)
                ax.plot([run_marks.best_epoch], [history[f"val_{key}"][best]], "*", markersize=13,
                        color=line.get_color(), markeredgecolor="black")
        ax.plot([], [], "*", color="gray", markeredgecolor="black", markersize=11, label="best epoch")
        _label_axes(ax, f"Validation {key}", key)


def _status(run_dir: Path) -> str:
    path = run_dir / rundir.RUN_FILE
    return rundir.status_of(rundir.read_json(path), run_dir) if path.is_file() else "unknown"


def image_path(out: Path, default_name: str) -> Path:
    """Where a plot goes: ``out``, or a new file named ``default_name`` inside ``out`` when it is a folder."""
    out = Path(out)
    if out.is_dir():
        out = rundir.unused_path(out / default_name)
    formats = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    if out.suffix.lstrip(".").lower() not in formats:
        raise TextclfError(f"--out: {out}: unknown image type {out.suffix or '(none)'!r}; use .png, .svg or .pdf")
    return out


def _check_metric(runs, metric: str) -> None:
    for run_dir, history in runs:
        if metric not in history and f"val_{metric}" not in history:
            columns = sorted(k for k in history if k not in ("epoch", "epoch_seconds", "learning_rate")
                             and not k.startswith("val_"))
            raise TextclfError(f"--metric: {run_dir}/history.csv has no {metric!r}; it has: {', '.join(columns)}")


def history_figure(run_dirs: list[Path], metric: str = "accuracy", finished: bool = False):
    """A run's loss and ``metric`` curves with its marks, or several runs' validation curves: (figure, marks).

    A run still training, or stopped, is drawn as far as its history goes and
    titled as unfinished (``finished``: training itself draws its run, done).
    """
    histories = [(Path(d), rundir.read_history(Path(d))) for d in run_dirs]
    for run_dir, history in histories:
        if not history.get("epoch"):
            raise TextclfError(f"{run_dir}: {rundir.HISTORY_FILE} holds no finished epoch yet")
    _check_metric(histories, metric)
    states = ["completed" if finished else _status(d) for d, _ in histories]
    labels = [run_label(d) for d, _ in histories]
    labels = [label if labels.count(label) == 1 else f"{label} {d.name}" for label, (d, _) in zip(labels, histories,
                                                                                                    strict=True)]
    runs = [(d, h, label if state == "completed" else f"{label} (unfinished: {state})")
            for (d, h), state, label in zip(histories, states, labels, strict=True)]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    marks = [_run_marks(d, h, state == "completed") for (d, h, _), state in zip(runs, states, strict=True)]
    if len(runs) == 1:
        _draw_single(axes, runs[0][1], marks[0], metric)
        fig.suptitle(runs[0][2])
    else:
        _draw_comparison(axes, runs, marks, metric)
    fig.tight_layout()
    return fig, marks


def history_plot(run_dirs: list[Path], out: Path, metric: str = "accuracy", finished: bool = False) -> list[Marks]:
    """``history_figure`` saved as ``out``."""
    fig, marks = history_figure(run_dirs, metric, finished)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=110)
    except OSError as exc:  # a parent that is a file, a read-only folder
        raise TextclfError(f"--out: cannot write {out} ({exc.strerror or exc})") from None
    finally:
        plt.close(fig)
    return marks


# Banking77's 77 classes at 1.2 inches a cell drew a 10,000-pixel square, a minute of a 3-minute search's
# budget: past these, cells shrink to fit the side, and the colour alone says the counts
CONFUSION_SIDE_INCHES, COUNTED_CLASSES = 24.0, 30


def confusion_matrix(matrix: np.ndarray, names: list[str], out, axes=("predicted", "true"),
                     title: str = "Confusion matrix") -> None:
    """Counts of (row, column) label pairs; ``out`` a path or a binary file (``inspect``'s page embeds one)."""
    cell = min(1.2, CONFUSION_SIDE_INCHES / max(1, len(names)))  # inches a class gets
    fig, ax = plt.subplots(figsize=(cell * len(names) + 3, cell * len(names) + 2.5))
    image = ax.imshow(matrix, cmap="Blues", interpolation="nearest")
    fig.colorbar(image, ax=ax)
    size = min(10.0, 10.0 * cell / 0.5)  # points: a label as tall as its cell allows
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=size)
    ax.set_yticks(range(len(names)), names, fontsize=size)
    ax.set_xlabel(axes[0])
    ax.set_ylabel(axes[1])
    threshold = matrix.max() / 2 if matrix.size else 0
    if len(names) <= COUNTED_CLASSES:
        for (row, col), count in np.ndenumerate(matrix):
            ax.text(col, row, f"{count:,}", ha="center", va="center", color="white" if count > threshold else "black")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out, dpi=110, format="png")
    plt.close(fig)


def reliability_diagram(table: list[dict], ece: float, out: Path) -> None:
    """Accuracy against confidence per bin (``calibration.reliability``): on the diagonal, probabilities mean
    what they say; below it, the model is overconfident. Bars are as wide as their bins; a line shows the texts."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.5, 6.5), sharex=True, height_ratios=[3, 1])
    lows = np.array([b["low"] for b in table])
    widths = np.array([b["high"] - b["low"] for b in table])
    top.bar(lows, [b["accuracy"] for b in table], width=widths, align="edge", edgecolor="black", label="accuracy")
    top.bar(lows, [b["confidence"] - b["accuracy"] for b in table], bottom=[b["accuracy"] for b in table],
            width=widths, align="edge", color="red", alpha=0.3, label="gap to confidence")
    top.plot([0, 1], [0, 1], "k--", linewidth=1, label="calibrated")
    top.set_ylabel("accuracy")
    top.set_title(f"Reliability (ECE {ece:.4f})")
    top.legend(fontsize="small", loc="upper left")
    bottom.bar(lows, [b["count"] for b in table], width=widths, align="edge", color="gray")
    bottom.set_xlabel("confidence of the decision")
    bottom.set_ylabel("texts")
    bottom.set_xlim(0, 1)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def roc(curves: dict[str, tuple[np.ndarray, np.ndarray, float]], out: Path) -> None:
    """ROC curves, one per class name: (false positive rates, true positive rates, AUC)."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for name, (fpr, tpr, auc) in curves.items():
        ax.plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="gray", linestyle="--", linewidth=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC curve")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def label_f1(per_label: dict[str, dict], out: Path) -> None:
    """Multi-label: each label's F1 as a bar, next to its support (how many texts hold it), most held first."""
    names = sorted(per_label, key=lambda name: -per_label[name]["support"])
    fig, (scores, counts) = plt.subplots(1, 2, sharey=True, figsize=(9, 0.28 * len(names) + 1.6))
    rows = np.arange(len(names))
    scores.barh(rows, [per_label[name]["f1"] for name in names], color="tab:blue")
    scores.set_yticks(rows, names)
    scores.invert_yaxis()
    scores.set_xlim(0, 1)
    scores.set_xlabel("F1 (at the label's threshold)")
    counts.barh(rows, [per_label[name]["support"] for name in names], color="tab:gray")
    counts.set_xlabel("support (texts)")
    fig.suptitle("Per-label F1 and support")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def tune_plot(trials: list[dict], metric: str, out: Path, chosen: int | None = None) -> None:
    """A search's validation score against trial number and against the time it finished, pruned trials hollow,
    the ``chosen`` trial starred (the winner need not be the highest point: the one-standard-error rule)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    scored = [t for t in trials if t.get("value") is not None]
    elapsed = np.cumsum([t.get("seconds") or 0.0 for t in scored])
    for ax, xs, label in ((axes[0], [t["trial"] for t in scored], "trial"), (axes[1], elapsed, "seconds of search")):
        for state, style in (("complete", {"color": "C0"}), ("pruned", {"facecolors": "none", "edgecolors": "C1"})):
            picked = [i for i, t in enumerate(scored) if t["state"] == state]
            ax.scatter([xs[i] for i in picked], [scored[i]["value"] for i in picked], label=state, **style)
        if scored:
            values = [t["value"] for t in scored]
            best = np.maximum.accumulate(values) if higher_is_better(metric) else np.minimum.accumulate(values)
            ax.step(xs, best, where="post", color="C2", label="best so far")
        won = [i for i, t in enumerate(scored) if t["trial"] == chosen]
        if won:
            ax.plot([xs[won[0]]], [scored[won[0]]["value"]], "*", color="C3", markersize=16, markeredgecolor="black",
                    label=f"chosen: trial {chosen}")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"validation {metric.removeprefix('val_')}")
    axes[0].xaxis.get_major_locator().set_params(integer=True)
    fig.legend(*axes[1].get_legend_handles_labels(), loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.08))
    fig.suptitle("textclf tune")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, bbox_inches="tight")
    plt.close(fig)
