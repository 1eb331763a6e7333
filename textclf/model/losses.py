"""A loss for ``train.class_weight: balanced`` on multi-label data, where Keras' ``class_weight`` cannot go.

Keras weighs whole examples by their one class; a multi-label text holds
several labels or none, so each label weighs its own positives and
negatives instead, by n / (2 × count) as scikit-learn's ``balanced`` does
for one binary problem: a rare label's few positives count as much as its
many negatives.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def balanced_weights(labels: np.ndarray) -> tuple[list[float], list[float]]:
    """Per label (a column of 0/1 ``labels``), the weight of a positive and of a negative: n / (2 × count)."""
    positives = labels.sum(axis=0).astype(np.float64)
    counts = np.stack([positives, len(labels) - positives])
    weights = np.divide(len(labels), 2 * counts, out=np.zeros_like(counts), where=counts > 0)
    return weights[0].tolist(), weights[1].tolist()


@keras.saving.register_keras_serializable(package="textclf", name="BalancedBinaryCrossentropy")
class BalancedBinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy per label, positives and negatives weighted per label, averaged over labels."""

    def __init__(self, positive_weights, negative_weights, name="balanced_binary_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.positive_weights, self.negative_weights = list(positive_weights), list(negative_weights)

    def call(self, y_true, y_pred):
        y_pred = ops.clip(y_pred, keras.config.epsilon(), 1.0 - keras.config.epsilon())
        y_true = ops.cast(y_true, y_pred.dtype)
        positive = ops.convert_to_tensor(self.positive_weights, y_pred.dtype)
        negative = ops.convert_to_tensor(self.negative_weights, y_pred.dtype)
        terms = positive * y_true * ops.log(y_pred) + negative * (1.0 - y_true) * ops.log(1.0 - y_pred)
        return -ops.mean(terms, axis=-1)

    def get_config(self):
        return {**super().get_config(), "positive_weights": self.positive_weights,
                "negative_weights": self.negative_weights}
