"""What a training run writes about itself: versions, the data it saw, its summary and its final metrics.

The run folder's paths belong to ``rundir``; this module decides the content
of ``run.json``'s data section, ``summary.txt`` and ``metrics.json``, and the
one-line messages that read them.
"""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from textclf.config import Config
from textclf.data import splits
from textclf.errors import TextclfError
from textclf.features import vocabulary_table
from textclf.model.head import Head
from textclf.results import calibration
from textclf.runs import rundir
from textclf.version import __version__


def versions() -> dict[str, str]:
    return {
        "textclf": __version__,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def write_summary(model: keras.Model, run_dir: Path) -> None:
    """Keras' layer table, printed and kept as ``summary.txt``."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    print(text)
    rundir.write_atomic(run_dir / rundir.SUMMARY_FILE, text + "\n")


def data_info(cfg: Config, corpus: splits.Corpus, vectorizer) -> dict:
    return {
        "source": cfg.data.source,
        "location": corpus.location,
        "fingerprint": corpus.fingerprint,
        "vocabulary_sha256": vocabulary_table.vocabulary_sha256(vectorizer),
        "sizes": _sizes(cfg, corpus),
        "task": "multi_label" if corpus.train.multi_label else "single_label",
        "stratified": cfg.data.stratify,  # a run that lacks it drew its splits unstratified (``launch.resolve``)
        # a streamed corpus learned its vocabulary from a sample: how many texts
        **({"streamed": True, "vocabulary_sample": len(corpus.sample)} if corpus.streamed else {}),
        # multi_worker: train, validation and test texts of each worker's share of the files
        **({"worker_shares": corpus.worker_sizes.astype(int).tolist()} if cfg.sharded else {}),
    }


def _sizes(cfg: Config, corpus: splits.Corpus) -> dict:
    """Texts per split; a streaming worker adds up every worker's share."""
    if not cfg.sharded:
        return {"train": len(corpus.train), "validation": len(corpus.validation), "test": len(corpus.test)}
    totals = corpus.worker_sizes.sum(axis=0)
    return {name: int(total) for name, total in zip(("train", "validation", "test"), totals, strict=True)}


def check_same_data(run_dir: Path, info: dict) -> None:
    """A resumed run must see the texts and vocabulary it started with.

    A run stopped before it had read its data recorded none: it has trained
    nothing yet either, so it starts afresh with this data.
    """
    before = rundir.read_json(run_dir / rundir.RUN_FILE).get("data")
    if not before:
        rundir.update_run_info(run_dir, data=info)
        return
    for key, what in (("fingerprint", "data"), ("vocabulary_sha256", "vocabulary")):
        if before.get(key) != info[key]:
            raise TextclfError(f"{info['location']}: the {what} differs from the one {run_dir} was trained on; "
                               "cannot resume")


def _validation_at_best(history: dict, best_epoch) -> dict:
    """The validation scores of the epoch whose weights were kept: what a search compares runs by."""
    if best_epoch not in history.get("epoch", []):
        return {}
    index = history["epoch"].index(best_epoch)
    return {key: float(history[key][index]) for key in history if key.startswith("val_")}


def _multi_label_metrics(test: dict | None, thresholds, corpus: splits.Corpus) -> dict:
    """A multi-label run's thresholds and its test scores under them (``multi_label.scores``)."""
    if thresholds is None:
        return {}
    scores = (test or {}).get("multi_label")
    summary = {} if scores is None else multi_label_summary(scores, float(test["accuracy"]))
    return {"task": "multi_label", **summary, "thresholds": threshold_record(corpus.class_names, thresholds)}


def multi_label_summary(scores: dict, label_accuracy: float) -> dict:
    """metrics.json's test scores of multi-label decisions (``multi_label.scores``). Accuracy: every label of a
    text right; ``label_accuracy`` is Keras' per (text, label)."""
    return {"test_accuracy": scores["subset_accuracy"], "test_label_accuracy": label_accuracy,
            "test_micro_f1": scores["micro"]["f1"], "test_macro_f1": scores["macro"]["f1"],
            "test_weighted_f1": scores["weighted"]["f1"], "test_subset_accuracy": scores["subset_accuracy"],
            "test_hamming_loss": scores["hamming_loss"]}


def threshold_record(names, thresholds) -> dict:
    return {name: round(float(value), 6) for name, value in zip(names, thresholds, strict=True)}


def final_metrics(best: keras.Model, test: dict | None, history: dict, best_epoch, corpus: splits.Corpus,
                  vocabulary_size: int, thresholds=None) -> dict:
    """``metrics.json``: test scores (when tested), the kept epoch's validation scores, sizes and times;
    a multi-label run's thresholds and F1 scores."""
    shares = {} if corpus.train.multi_label else {  # always predicting the largest class: single-label only
        "majority_share": {"validation": splits.majority_share(corpus.validation.labels),
                           **({"test": splits.majority_share(corpus.test.labels)} if test else {})}}
    return {
        **({"test_accuracy": float(test["accuracy"]), "test_loss": float(test["loss"])} if test else {}),
        **({"test_macro_f1": float(test["macro_f1"])} if test and "macro_f1" in test else {}),
        **_multi_label_metrics(test, thresholds, corpus),
        **_validation_at_best(history, best_epoch),
        **shares,
        "train_seconds": round(float(np.sum(history["epoch_seconds"])), 3),
        "seconds_per_epoch": round(float(np.mean(history["epoch_seconds"])), 3),
        "epochs_run": len(history["epoch"]),
        "best_epoch": best_epoch,
        "parameters": int(best.count_params()),
        "weights_sha256": hashlib.sha256(b"".join(w.tobytes() for w in best.get_weights())).hexdigest(),
        "vocabulary_size": int(vocabulary_size),
        "num_classes": len(corpus.class_names),
        **peak_memory(),
    }


def peak_memory() -> dict:
    """Peak resident memory in MiB of this process and of the largest child process it waited for (the
    read-ahead reader), as ``/usr/bin/time`` reports each."""
    import resource
    import sys

    unit = 2**20 if sys.platform == "darwin" else 2**10  # ru_maxrss: bytes on macOS, KiB on Linux
    mib = {key: resource.getrusage(who).ru_maxrss / unit for key, who in
           (("peak_rss_mib", resource.RUSAGE_SELF), ("peak_rss_mib_children", resource.RUSAGE_CHILDREN))}
    return {key: round(value, 1) for key, value in mib.items() if value}


def out_of_memory(cfg: Config, kind) -> str:
    """One line naming the settings that most likely asked for too much memory, largest factor first."""
    model = cfg.model
    widths = [f"model.{key} ({getattr(model, key)})" for key in ("units", "embedding_dim", "filters", "ff_dim")
              if isinstance(getattr(model, key, None), int)]
    streaming = "; or read the table as a stream: data.stream: true" if cfg.data.source == "csv" and \
        not splits.streamed(cfg.data) else ""
    return (f"out of memory while training: lower train.batch_size ({cfg.train.batch_size}), "
            f"{kind.size_setting(cfg.data)}" + (f" or {', '.join(widths)}" if widths else "") + streaming)


def baseline_warning(metrics: dict, split: str, advice: str = "or `textclf tune`") -> str | None:
    """One line when ``split``'s accuracy is no better than always predicting the largest class."""
    accuracy, share = metrics.get(f"{'val' if split == 'validation' else split}_accuracy"), \
        metrics.get("majority_share", {}).get(split)
    if accuracy is None or share is None or accuracy > share + 1e-6:
        return None
    return (f"warning: {split} accuracy {accuracy:.4f} is no better than always predicting the largest class "
            f"({share:.4f}): the model did not learn; try another model type, a higher learning rate {advice}")


def test_calibration(probabilities: np.ndarray, labels: np.ndarray, temperature: float) -> dict:
    """The test split's ECE as saved (calibrated) and as it was before: the same logits times ``temperature``."""
    return {"test_ece_before": calibration.reliability(labels, calibration.scaled(probabilities, 1 / temperature))[
        "ece"], "test_ece_after": calibration.reliability(labels, probabilities)["ece"]}


def data_warning(metrics: dict) -> str | None:
    """One line when the texts read repeat across splits or carry two labels (``data.duplicates.counts``)."""
    checks = metrics.get("data_checks") or {}
    found = [f"{checks[key]:,} {what}" for key, what in (
        ("test_in_train", "test texts also in train"), ("validation_in_train", "validation texts also in train"),
        ("conflicting_texts", "texts with two labels")) if checks.get(key)]
    if not found:
        return None
    return f"warning: {', '.join(found)} (after standardization); see `textclf inspect` for the rows and a clean copy"


def headline(metrics: dict) -> str:
    """The line ``train`` ends with before the run folder: the test score that fits the task."""
    epochs = metrics["epochs_run"]
    after = f"after {epochs} epoch{'s' * (epochs != 1)}"
    if metrics.get("task") == "multi_label":
        return f"test micro-F1 {metrics['test_micro_f1']:.4f}, macro-F1 {metrics['test_macro_f1']:.4f} {after}"
    return f"test accuracy {metrics['test_accuracy']:.4f} {after}"


def missed_classes(outputs: np.ndarray, labels: np.ndarray, names: list[str]) -> list[dict]:
    """The classes a split holds but the model never labels right (recall 0), with how many texts they have."""
    head = Head(len(names))
    predicted = head.decide(head.probabilities(outputs))
    labels = np.asarray(labels).astype(np.int64)
    return [{"class": names[c], "texts": int((labels == c).sum())} for c in range(len(names))
            if (labels == c).any() and not ((labels == c) & (predicted == c)).any()]


def missed_warning(metrics: dict) -> str | None:
    """One line naming the classes no text of which the model labels right, where it was checked."""
    missed = metrics.get("missed_classes") or {}
    counts: dict[str, list[str]] = {}
    for split, classes in missed.items():
        for entry in classes:
            texts = f"{entry['texts']} text" + "s" * (entry["texts"] != 1)
            counts.setdefault(entry["class"], []).append(f"{split} ({texts})")
    if not counts:
        return None
    named = "; ".join(f"{name!r} on {' and '.join(where)}" for name, where in counts.items())
    return (f"warning: the model labels no text of these classes right (recall 0): {named}; give them more "
            "examples, or try train.class_weight: balanced")
