"""Multi-label decisions and scores: per-label thresholds, and the metrics that fit several labels per text.

A multi-label model gives each label a probability; a label applies where
its probability passes its threshold. ``tune_thresholds`` picks, per label,
the threshold with the best F1 on the validation split (a rare label is
best served by a threshold far below 0.5). ``scores`` reports what
``evaluate`` and ``metrics.json`` show. NumPy only.
"""

from __future__ import annotations

import numpy as np

from textclf.model.head import Head


def tune_thresholds(labels: np.ndarray, probabilities: np.ndarray, default: float = 0.5) -> np.ndarray:
    """Per label, the threshold whose decisions (probability > threshold) give the best F1 on these rows;
    ``default`` for a label none of them holds. Halfway between two probabilities, so that ties fall together."""
    thresholds = np.full(labels.shape[1], default, np.float64)
    for j in range(labels.shape[1]):
        truth, scores = labels[:, j] > 0, probabilities[:, j].astype(np.float64)
        if not truth.any():
            continue
        order = np.argsort(-scores, kind="stable")
        ranked, hits = scores[order], np.cumsum(truth[order])
        f1 = 2 * hits / (np.arange(1, len(ranked) + 1) + truth.sum())
        f1[np.r_[ranked[1:] == ranked[:-1], False]] = -1  # cut only between distinct probabilities
        best = int(np.argmax(f1))
        thresholds[j] = (ranked[best] + ranked[best + 1]) / 2 if best + 1 < len(ranked) else ranked[best] / 2
    return thresholds


def cross_fitted_macro_f1(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Macro-F1 under tuned thresholds without scoring the rows they were tuned on: the rows' halves (every
    other row) tune thresholds for each other, and the two scores are averaged. What compares multi-label
    models (a tune trial's score): their Keras macro-F1 is at 0.5, where rare labels are almost never said,
    and a score on the tuning rows themselves favours the noisiest model."""
    names = [str(j) for j in range(labels.shape[1])]
    halves = [np.arange(start, len(labels), 2) for start in (0, 1)]
    if min(map(len, halves)) == 0:
        return scores(labels, probabilities, tune_thresholds(labels, probabilities), names)["macro"]["f1"]
    return float(np.mean([scores(labels[scored], probabilities[scored],
                                 tune_thresholds(labels[tuned], probabilities[tuned]), names)["macro"]["f1"]
                          for tuned, scored in (halves, halves[::-1])]))


def _ratio(numerator, denominator) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    numerator, denominator = np.asarray(numerator, np.float64), np.asarray(denominator, np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def scores(labels: np.ndarray, probabilities: np.ndarray, thresholds, names: list[str]) -> dict:
    """Micro, macro and weighted precision / recall / F1; per label P / R / F1 / support / ROC-AUC; subset
    accuracy, Hamming loss, and the mean number of labels per text, true and predicted."""
    from textclf.results.scores import roc_auc

    truth = labels > 0
    limits = np.broadcast_to(np.asarray(thresholds, np.float64), (len(names),))  # one for all, or one per label
    predicted = Head(len(names), multi_label=True).decide(probabilities, limits) > 0
    tp, fp = (predicted & truth).sum(axis=0), (predicted & ~truth).sum(axis=0)
    fn, support = (~predicted & truth).sum(axis=0), truth.sum(axis=0)
    precision, recall, f1 = _ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn)
    weights = _ratio(support, support.sum())
    micro = {"precision": _ratio(tp.sum(), tp.sum() + fp.sum()), "recall": _ratio(tp.sum(), tp.sum() + fn.sum()),
             "f1": _ratio(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn.sum())}
    per_label = {
        name: {"precision": float(precision[j]), "recall": float(recall[j]), "f1": float(f1[j]),
               "support": int(support[j]), "threshold": float(limits[j]),
               "roc_auc": float(roc_auc(truth[:, j].astype(int), probabilities[:, j]))
               if 0 < support[j] < len(truth) else None}
        for j, name in enumerate(names)}
    return {
        "examples": int(len(truth)),
        "micro": {key: float(value) for key, value in micro.items()},
        "macro": {"precision": float(precision.mean()), "recall": float(recall.mean()), "f1": float(f1.mean())},
        "weighted": {"precision": float(weights @ precision), "recall": float(weights @ recall),
                     "f1": float(weights @ f1)},
        "subset_accuracy": float(np.mean(np.all(predicted == truth, axis=1))),
        "hamming_loss": float(np.mean(predicted != truth)),
        "label_cardinality": {"true": float(truth.sum(axis=1).mean()),
                              "predicted": float(predicted.sum(axis=1).mean())},
        "per_label": per_label,
    }
