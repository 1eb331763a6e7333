"""``textclf evaluate``: score a run's model on a split of its data, or on other data, and show its mistakes.

The scores themselves are ``scores`` (one label per text) and ``multi_label``;
this module reads the data, matches its labels to the model's classes, and
writes ``evaluation/<split>/`` with its pictures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textclf.config import source_of
from textclf.data import splits
from textclf.errors import TextclfError
from textclf.model.head import Head
from textclf.results import calibration, loading, multi_label, plots, predict
from textclf.results.scores import classification_metrics, confident_mistakes, roc_curve
from textclf.runs import rundir

SPLITS = ("test", "validation", "train")


def as_text_list(texts) -> list[str]:
    """A split's texts as a list of str, one by one: ``astype(str)`` first made a fixed-width array as wide as
    the longest text, 25,000 IMDB reviews × 13,700 characters × 4 bytes, for a moment (1.3 GB)."""
    return [str(text) for text in texts]


def _in_model_order(labels: np.ndarray, data_names: list[str], model_names: list[str], location: str) -> np.ndarray:
    """The data's label numbers as the model numbers its classes; a label the model lacks is an error.

    Other data (``--data``) may hold fewer classes, or number them otherwise: mapping by position was wrong.
    """
    if not model_names:
        return labels
    unknown = [name for name in data_names if name not in model_names]
    if unknown:
        raise TextclfError(f"{location}: labels the model was not trained on: {', '.join(map(repr, unknown[:10]))}"
                           f"; its classes are {', '.join(map(repr, model_names))}")
    return np.array([model_names.index(name) for name in data_names], dtype=np.int64)[labels]


def _columns_in_model_order(labels: np.ndarray, data_names: list[str], model_names: list[str],
                            location: str) -> np.ndarray:
    """Multi-label rows with the model's columns; a label the model lacks is an error."""
    unknown = [name for name in data_names if name not in model_names]
    if unknown:
        raise TextclfError(f"{location}: labels the model was not trained on: {', '.join(map(repr, unknown[:10]))}")
    ordered = np.zeros((len(labels), len(model_names)), labels.dtype)
    ordered[:, [model_names.index(name) for name in data_names]] = labels
    return ordered


def multi_label_report(labels, probabilities, names: list[str], thresholds, texts, count: int) -> dict:
    """``multi_label.scores`` and the ``count`` texts whose decisions were surest and wrong."""
    report = multi_label.scores(labels, probabilities, thresholds, names)
    decided = Head(len(names), multi_label=True).decide(probabilities, thresholds)
    surest_wrong = np.where(decided != labels, np.abs(probabilities - 0.5), 0).max(axis=1)
    picked = [i for i in np.argsort(-surest_wrong, kind="stable")[:count] if surest_wrong[i] > 0]
    report["mistakes"] = [
        {"text": " ".join(str(texts[i]).split())[:200],
         "true_labels": [names[j] for j in np.flatnonzero(labels[i])],
         "predicted_labels": [names[j] for j in np.flatnonzero(decided[i])]} for i in picked]
    return {**report, "task": "multi_label", "class_names": names,
            "thresholds": np.broadcast_to(np.asarray(thresholds, float), (len(names),)).tolist()}


def _evaluate_multi_label(model, chosen, corpus, names: list[str], errors: int, threshold, out: Path) -> dict:
    if not (chosen.multi_label and Head.of_model(model).multi_label):
        held, trained = ("multi", "single") if chosen.multi_label else ("single", "multi")
        raise TextclfError(f"{corpus.location}: {held}-label data for a {trained}-label model")
    labels = _columns_in_model_order(chosen.labels, list(corpus.class_names), names, corpus.location)
    probabilities = predict.predict_texts(model, as_text_list(chosen.texts))
    report = multi_label_report(labels, probabilities, names, model.thresholds if threshold is None else threshold,
                                chosen.texts, errors)
    out.mkdir(parents=True, exist_ok=True)
    plots.label_f1(report["per_label"], out / "label_f1.png")
    plots.roc({name: (*roc_curve(labels[:, j], probabilities[:, j]), scores["roc_auc"])
               for j, (name, scores) in enumerate(report["per_label"].items()) if scores["roc_auc"] is not None},
              out / "roc.png")
    return report


def _evaluate_single_label(model, chosen, corpus, names: list[str], errors: int, threshold, out: Path) -> dict:
    labels = _in_model_order(chosen.labels, list(corpus.class_names), names, corpus.location)
    probabilities = predict.predict_texts(model, as_text_list(chosen.texts))
    report = classification_metrics(labels, probabilities, names, threshold)
    report["mistakes"] = confident_mistakes(chosen.texts, labels, probabilities, names, errors, threshold=threshold)
    out.mkdir(parents=True, exist_ok=True)
    plots.confusion_matrix(np.array(report["confusion_matrix"]), names, out / "confusion_matrix.png")
    report["calibration"] = calibration.reliability(labels, probabilities)
    plots.reliability_diagram(report["calibration"]["bins"], report["calibration"]["ece"], out / "reliability.png")
    curves = {}
    for index in Head(len(names)).scored_classes():
        fpr, tpr = roc_curve((labels == index).astype(int), probabilities[:, index])
        curves[names[index]] = (fpr, tpr, report["per_class"][names[index]]["roc_auc"])
    plots.roc(curves, out / "roc.png")
    return report


def evaluation_dir(run_dir: Path, split: str | None, data_path: str | None) -> Path:
    """``evaluation/<split>/`` for the run's own data; ``evaluation/data-<file name>/`` for other data."""
    return Path(run_dir) / rundir.EVALUATION_DIR / (split if data_path is None else f"data-{Path(data_path).stem}")


def held_out(run_dir: Path, data_path: str | None, split: str | None):
    """What is scored: a split of the run's own data (``--split``), or every row of another file (``--data``),
    read as the run reads its data (columns, labels), from the source its path names. (split, its source)."""
    cfg = rundir.read_config(run_dir)
    if data_path is not None:
        if split is not None:
            raise TextclfError("--split: only for the run's own data; with --data every row of the file is scored")
        labeled = splits.read_source(cfg.data.model_copy(update={
            "path": str(data_path), "test_path": None, "source": source_of(Path(data_path))}))
        return splits.every_row(labeled), labeled
    if (split or "test") not in SPLITS:
        raise TextclfError(f"--split: unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    try:
        corpus = splits.load_corpus(cfg.data, cfg.seed)
    except TextclfError as exc:
        hint = "; to score other data, pass it with --data PATH" if "does not exist" in str(exc) else ""
        raise TextclfError(f"{exc}{hint}") from None
    return getattr(corpus, split or "test"), corpus


def evaluate_run(run_dir: Path, data_path: str | None = None, split: str | None = None, errors: int = 5,
                 threshold: float | None = None) -> dict:
    """Evaluate ``run_dir``'s model on a split of its data (``test`` unless said), or on every row of
    ``data_path``; write ``evaluation/<split>/`` (or ``evaluation/data-<name>/``) in the run."""
    model = loading.load_model(run_dir)  # a file that is not a textclf model: said before any data is read
    names = loading.class_names(run_dir, model)
    chosen, source = held_out(run_dir, data_path, split)
    out = evaluation_dir(run_dir, split or "test", data_path)
    multi = chosen.multi_label or Head.of_model(model).multi_label
    report = (_evaluate_multi_label if multi else _evaluate_single_label)(model, chosen, source, names, errors,
                                                                         threshold, out)
    report.update(split=None if data_path else split or "test", data=source.location, folder=str(out),
                  rows_scored=len(chosen))
    rundir.write_json(out / rundir.METRICS_FILE, report)
    return report
