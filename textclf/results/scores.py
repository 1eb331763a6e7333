"""Single-label scores from labels and probabilities: accuracy, loss, per-class P/R/F1, ROC, confident mistakes.

NumPy only, so that ``evaluate``, an ensemble's test scoring and the
multi-label scores (``multi_label``) share one ROC-AUC.
"""

from __future__ import annotations

import numpy as np

from textclf.model.head import Head


def roc_curve(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates at every distinct score threshold."""
    order = np.argsort(-scores, kind="stable")
    scores, labels = scores[order], labels[order]
    distinct = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tps = np.cumsum(labels)[distinct]
    fps = (distinct + 1) - tps
    positives, negatives = max(tps[-1], 1), max(fps[-1], 1)
    return np.r_[0.0, fps / negatives], np.r_[0.0, tps / positives]


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    fpr, tpr = roc_curve(labels, scores)
    return float(np.trapezoid(tpr, fpr))


def _rates(confusion: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per class, from a confusion matrix (rows true, columns predicted): support, precision, recall, F1."""
    true_counts, predicted_counts, hits = confusion.sum(1), confusion.sum(0), np.diag(confusion)
    zeros = np.zeros(len(confusion))
    precision = np.divide(hits, predicted_counts, out=zeros.copy(), where=predicted_counts > 0)
    recall = np.divide(hits, true_counts, out=zeros.copy(), where=true_counts > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=zeros.copy(), where=(precision + recall) > 0)
    return true_counts, precision, recall, f1


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray, names: list[str],
                           threshold: float | None = None) -> dict:
    """Accuracy, log loss, per-class precision/recall/F1, macro and weighted averages, ROC-AUC.

    ``threshold`` (two classes): the decision is the second class above it, not the more probable class.
    """
    head = Head(probabilities.shape[1])
    predicted = head.decide(probabilities, threshold)
    confusion = np.zeros((head.num_classes, head.num_classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    true_counts, precision, recall, f1 = _rates(confusion)
    picked = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0)
    per_class = {
        name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
               "support": int(true_counts[i]),
               "roc_auc": roc_auc((labels == i).astype(int), probabilities[:, i])}
        for i, name in enumerate(names)
    }
    weights = true_counts / max(true_counts.sum(), 1)
    result = {
        "examples": int(len(labels)),
        "accuracy": float(np.mean(predicted == labels)),
        "loss": float(-np.mean(np.log(picked))),
        "macro": {"precision": float(precision.mean()), "recall": float(recall.mean()), "f1": float(f1.mean())},
        "weighted": {"precision": float(precision @ weights), "recall": float(recall @ weights),
                     "f1": float(f1 @ weights)},
        "per_class": per_class,
        "confusion_matrix": confusion.tolist(),
        "class_names": names,
        "threshold": threshold,
    }
    return {**result, **head.headline(per_class)}


def confident_mistakes(texts, labels, probabilities, names, count: int, snippet: int = 200,
                       threshold: float | None = None) -> list[dict]:
    """The ``count`` wrong predictions the model was surest of."""
    predicted = Head(probabilities.shape[1]).decide(probabilities, threshold)
    wrong = np.flatnonzero(predicted != labels)
    wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")][:count]
    return [
        {"text": " ".join(str(texts[i]).split())[:snippet], "true_label": names[labels[i]],
         "predicted_label": names[predicted[i]], "probability": float(probabilities[i, predicted[i]])}
        for i in wrong
    ]
