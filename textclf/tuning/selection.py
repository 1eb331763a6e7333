"""Ensemble selection across a search's trials (Caruana et al., ICML 2004), on their held-out predictions.

Each trial that ran every fold keeps its held-out class probabilities: out of
fold where it ran folds, its validation split otherwise (``save_held_out``).
Greedy forward selection with replacement then adds, one at a time, the trial
whose probabilities most improve the held-out score of the running mean, and
stops when no trial improves it. A trial picked k times of n weighs k / n. The
selection starts from the best single trial, so it never scores below it on
held-out rows. Multi-label trials are compared as their final runs decide:
by macro-F1 under thresholds tuned on other rows (``multi_label``). NumPy
only: the tuning stage trains the chosen members again.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textclf.results import multi_label

HELD_OUT_DIR = "held_out"
ROUNDS = 50  # greedy steps at most: weights in fiftieths; auto-sklearn's default size


@dataclass(frozen=True)
class Selection:
    weights: dict[int, float]  # trial number → its weight in the mean, summing to 1
    score: float  # the weighted mean's held-out score
    single: float  # the best single trial's held-out score
    steps: list[float]  # the held-out score after each greedy step (rising)

    def as_record(self, metric: str) -> dict:
        return {"metric": metric, "held_out_score": round(self.score, 6), "best_single": round(self.single, 6),
                "members": [{"trial": t, "weight": round(w, 6)} for t, w in self.weights.items()]}


def score(probabilities: np.ndarray, labels: np.ndarray, metric: str) -> float:
    """Higher is better: accuracy, macro-F1 (the most probable class), or minus the mean log loss; multi-label
    (a 0/1 row of labels per text), macro-F1 under cross-fitted thresholds, or minus the mean binary log loss."""
    if labels.ndim == 2:
        return _multi_label_score(probabilities, labels, metric)
    predicted = probabilities.argmax(axis=1)
    if metric == "val_loss":
        picked = probabilities[np.arange(len(labels)), labels]
        return float(np.mean(np.log(np.clip(picked, 1e-7, 1.0))))
    if metric == "val_macro_f1":
        classes = probabilities.shape[1]
        hits = np.bincount(labels[predicted == labels], minlength=classes)
        sizes = np.bincount(predicted, minlength=classes) + np.bincount(labels, minlength=classes)
        present = sizes > 0  # a class neither in the labels nor predicted does not count
        return float(np.mean(2 * hits[present] / sizes[present]))
    return float(np.mean(predicted == labels))


def _multi_label_score(probabilities: np.ndarray, labels: np.ndarray, metric: str) -> float:
    if metric == "val_loss":
        clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
        return float(np.mean(np.where(labels > 0, np.log(clipped), np.log(1 - clipped))))
    return multi_label.cross_fitted_macro_f1(labels, probabilities)


def greedy(pool: dict[int, np.ndarray], labels: np.ndarray, metric: str, rounds: int = ROUNDS) -> Selection:
    """Forward selection with replacement: each step adds the trial that raises the held-out score most, and
    the selection stops at the first step that raises it not at all. Ties go to the earlier trial."""
    trials = sorted(pool)
    singles = {t: score(pool[t], labels, metric) for t in trials}
    first = max(trials, key=lambda t: (singles[t], -t))
    counts, total, current = {first: 1}, pool[first].astype(np.float64), singles[first]
    steps = [current]
    for size in range(2, rounds + 1):
        tried = {t: score((total + pool[t]) / size, labels, metric) for t in trials}
        best = max(trials, key=lambda t: (tried[t], -t))
        if tried[best] <= current:
            break
        counts[best] = counts.get(best, 0) + 1
        total, current = total + pool[best], tried[best]
        steps.append(current)
    picked = sum(counts.values())
    weights = {t: counts[t] / picked for t in sorted(counts, key=lambda t: (-counts[t], t))}
    return Selection(weights, current, singles[first], steps)


def rows_key(*parts) -> str:
    """Names which rows a trial held out: trials with the same key predicted the same texts, in one order."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def held_out_path(tune_dir: Path, trial: int) -> Path:
    return Path(tune_dir) / HELD_OUT_DIR / f"trial-{trial:03d}.npz"


def save_held_out(tune_dir: Path, trial: int, key: str, rows: np.ndarray, probabilities: np.ndarray,
                  labels: np.ndarray) -> Path:
    """A trial's held-out predictions, by row of the non-test data; written whole (rename) or not at all."""
    folder = Path(tune_dir) / HELD_OUT_DIR
    folder.mkdir(exist_ok=True)
    order = np.argsort(rows)
    partial = folder / f".trial-{trial:03d}.npz.partial"
    with open(partial, "wb") as handle:
        np.savez(handle, key=key, rows=rows[order], probabilities=probabilities[order].astype(np.float32),
                 labels=labels[order])
    os.replace(partial, held_out_path(tune_dir, trial))
    return held_out_path(tune_dir, trial)


def load_pool(paths: dict[int, Path]) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """The held-out predictions saved at ``paths`` (trial → file) that predicted the same rows as most of them
    (one read of the data, one fold split), with those rows' labels; empty where none can be read."""
    kept = {}
    for trial, path in paths.items():
        if Path(path).is_file():
            with np.load(path) as saved:
                kept[trial] = {name: saved[name] for name in ("key", "rows", "probabilities", "labels")}
    if not kept:
        return {}, np.zeros(0, dtype=np.int64)
    keys = [str(item["key"]) for item in kept.values()]
    common = max(set(keys), key=lambda k: (keys.count(k), k))
    pool = {t: item for t, item in kept.items() if str(item["key"]) == common}
    labels = next(iter(pool.values()))["labels"]
    return {t: item["probabilities"] for t, item in pool.items()}, labels
