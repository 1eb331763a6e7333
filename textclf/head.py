"""The head: everything "two classes, or more" decides, in one place.

Two classes get one sigmoid unit (the probability of the second class) and
binary cross-entropy; more get a softmax and sparse categorical
cross-entropy. Every stage that builds, trains, reads or explains a model
asks the head rather than checking the number of classes itself: the loss,
the output layer, probability columns, decisions under a threshold, which
ROC curves to draw, which Naive-Bayes ratio columns to keep. Multi-label
classification becomes one more kind of head.

NumPy only at import; the Keras pieces import Keras when asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textclf.errors import TextclfError


@dataclass(frozen=True)
class Head:
    num_classes: int

    @classmethod
    def of_model(cls, model) -> Head:
        """The head of a built model, from the width of its output."""
        return cls(max(2, int(model.output.shape[-1])))

    @property
    def binary(self) -> bool:
        return self.num_classes == 2

    @property
    def units(self) -> int:
        return 1 if self.binary else self.num_classes

    @property
    def activation(self) -> str:
        return "sigmoid" if self.binary else "softmax"

    @property
    def loss(self) -> str:
        return "binary_crossentropy" if self.binary else "sparse_categorical_crossentropy"

    def output_layer(self):
        """The last layer of every builder: float32 even under mixed precision."""
        from keras import layers

        return layers.Dense(self.units, activation=self.activation, dtype="float32", name="predictions")

    def probabilities(self, raw: np.ndarray) -> np.ndarray:
        """Model outputs as one column per class: a sigmoid's (n, 1) becomes [1 - p, p]."""
        return np.concatenate([1.0 - raw, raw], axis=1) if self.binary else raw

    def probabilities_tensor(self, raw):
        """``probabilities`` inside a TensorFlow graph (the exported serving function)."""
        import tensorflow as tf

        raw = tf.cast(raw, tf.float32)
        return tf.concat([1.0 - raw, raw], axis=1) if self.binary else raw

    def decide(self, probabilities: np.ndarray, threshold: float | None = None) -> np.ndarray:
        """Each row's class: the most probable, or (two classes) the second when its probability passes
        ``threshold``; 0.5 gives the same as the most probable."""
        if threshold is None:
            return probabilities.argmax(axis=1)
        if not 0.0 < threshold < 1.0:
            raise TextclfError(f"--threshold: {threshold} must lie between 0 and 1")
        if not self.binary:
            raise TextclfError(f"--threshold: only for two classes; this model has {self.num_classes}")
        return (probabilities[:, 1] > threshold).astype(np.int64)

    def scored_classes(self) -> list[int]:
        """The classes an ROC curve is drawn for: the positive one, or each one against the rest."""
        return [1] if self.binary else list(range(self.num_classes))

    def headline(self, per_class: dict[str, dict]) -> dict:
        """The scores quoted for the whole model: the positive (second) class's precision, recall, F1 and
        ROC-AUC for two classes; the mean ROC-AUC of each class against the rest for more."""
        scores = list(per_class.values())
        if self.binary:
            return {key: scores[1][key] for key in ("precision", "recall", "f1", "roc_auc")}
        return {"roc_auc": float(np.mean([score["roc_auc"] for score in scores]))}

    def ratio_columns(self, ratios: np.ndarray) -> np.ndarray:
        """Naive-Bayes log-count ratios per class, as the output units use them (one unit: the second class)."""
        return ratios[:, 1:] if self.binary else ratios

    def metrics(self, names) -> list:
        """The Keras metrics ``train.metrics`` names, for this head."""
        from textclf.metrics import make

        return make(names, self)
