"""How far a model's probabilities can be taken at their word: expected calibration error and the Brier score.

ECE (Guo et al., ICML 2017): the texts binned by the confidence of their decision (15 equal-width bins), the
gap between each bin's mean confidence and its accuracy, weighted by its share of the texts. A model that says
0.9 should be right nine times in ten. The Brier score is the mean squared distance of the probabilities from
the one-hot truth, summed over classes. NumPy only.
"""

from __future__ import annotations

import numpy as np

BINS = 15


def reliability(labels: np.ndarray, probabilities: np.ndarray, bins: int = BINS) -> dict:
    """ECE, Brier score, and each non-empty bin's range, count, mean confidence and accuracy."""
    confidence, predicted = probabilities.max(axis=1), probabilities.argmax(axis=1)
    right = (predicted == labels).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    where = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)  # (low, high]; 0 in the first
    table, ece = [], 0.0
    for index in range(bins):
        members = where == index
        if not members.any():
            continue
        mean_confidence, accuracy = float(confidence[members].mean()), float(right[members].mean())
        ece += members.mean() * abs(mean_confidence - accuracy)
        table.append({"low": round(float(edges[index]), 4), "high": round(float(edges[index + 1]), 4),
                      "count": int(members.sum()), "confidence": mean_confidence, "accuracy": accuracy})
    truth = np.eye(probabilities.shape[1])[labels]
    return {"ece": float(ece), "brier": float(np.mean(np.sum((probabilities - truth) ** 2, axis=1))),
            "bins": table}


def scaled(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities (one column per class) with their logits divided by ``temperature``: softmax(log p / T),
    which for two classes is the sigmoid of the logit over T. The argmax never changes."""
    logits = np.log(np.clip(probabilities.astype(np.float64), 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def _nll(labels: np.ndarray, probabilities: np.ndarray, temperature: float) -> float:
    picked = scaled(probabilities, temperature)[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.clip(picked, 1e-12, 1.0))))


def fit_temperature(labels: np.ndarray, probabilities: np.ndarray, low: float = 0.05, high: float = 20.0) -> float:
    """The one temperature that minimizes the negative log-likelihood of ``labels`` (Guo et al., 2017), by golden
    section search over log T; 1.0 where there is nothing to fit on."""
    if len(labels) == 0:
        return 1.0
    a, b, ratio = np.log(low), np.log(high), (np.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    for _ in range(60):
        if _nll(labels, probabilities, np.exp(c)) < _nll(labels, probabilities, np.exp(d)):
            b, d = d, c
            c = b - ratio * (b - a)
        else:
            a, c = c, d
            d = a + ratio * (b - a)
    return float(np.exp((a + b) / 2))
