"""The head: everything "two classes, or more" decides, in one place.

Two classes get one sigmoid unit (the probability of the second class) and
binary cross-entropy; more get a softmax and sparse categorical
cross-entropy; multi-label data (a set of labels per text, a 0/1 row per
text) gets a sigmoid per class and binary cross-entropy. Every stage that builds, trains, reads or explains a model
asks the head rather than checking the number of classes itself: the loss,
the output layer, probability columns, decisions under a threshold, which
ROC curves to draw, which Naive-Bayes ratio columns to keep.

NumPy only at import; the Keras pieces import Keras when asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textclf.errors import TextclfError


@dataclass(frozen=True)
class Head:
    num_classes: int
    multi_label: bool = False

    @classmethod
    def of_model(cls, model) -> Head:
        """The head of a built model, from the width of its output; multi-label if it carries thresholds."""
        multi_label = getattr(model, "thresholds", None) is not None
        return cls(int(model.output.shape[-1]) if multi_label else max(2, int(model.output.shape[-1])), multi_label)

    @property
    def binary(self) -> bool:
        return self.num_classes == 2 and not self.multi_label

    @property
    def units(self) -> int:
        return 1 if self.binary else self.num_classes

    @property
    def activation(self) -> str:
        return "sigmoid" if self.binary or self.multi_label else "softmax"

    @property
    def loss(self) -> str:
        return "binary_crossentropy" if self.binary or self.multi_label else "sparse_categorical_crossentropy"

    def training_loss(self, labels: np.ndarray, balanced: bool):
        """The loss to train with: ``loss``, or for ``train.class_weight: balanced`` on multi-label data one that
        weighs each label's positives and negatives (``losses``); single-label data is weighted by Keras'
        ``class_weight`` (``data.class_weights``)."""
        if not (balanced and self.multi_label):
            return self.loss
        from textclf.model.losses import BalancedBinaryCrossentropy, balanced_weights

        return BalancedBinaryCrossentropy(*balanced_weights(labels))

    def output_layer(self):
        """The last layer of every builder: float32 even under mixed precision."""
        from keras import layers

        return layers.Dense(self.units, activation=self.activation, dtype="float32", name="predictions")

    def divide_logits(self, classifier, temperature: float) -> None:
        """Temperature scaling folded into the output layer's weights: every logit divided by ``temperature``.

        The model then gives calibrated probabilities wherever it runs (``predict``, an export, a server), with
        nothing new to load. A Dense output layer carries it in its kernel and bias; an activation after a logits
        layer (nbsvm, linear), in that layer (``scale_logits``).
        """
        output = classifier.get_layer("predictions")
        if hasattr(output, "kernel"):
            output.kernel.assign(output.kernel / temperature)
            output.bias.assign(output.bias / temperature)
            return
        logits = next(layer for layer in reversed(classifier.layers) if hasattr(layer, "scale_logits"))
        logits.scale_logits(1.0 / temperature)

    def logits(self, classifier, features):
        """The output units' scores before the activation (log-odds for a sigmoid), from what the output layer
        takes: a Dense output applies its kernel and bias; an activation after a logits layer takes the logits."""
        output = classifier.get_layer("predictions")
        if not hasattr(output, "kernel"):
            return features
        import tensorflow as tf

        return tf.matmul(tf.cast(features, tf.float32), output.kernel) + output.bias

    def unit_of(self, class_index: int) -> tuple[int, float]:
        """The output unit whose score is class ``class_index``'s, and its sign: two classes share one sigmoid
        unit, whose log-odds are the second class's and, negated, the first's."""
        if self.binary:
            return 0, (1.0 if class_index == 1 else -1.0)
        return class_index, 1.0

    def probabilities(self, raw: np.ndarray) -> np.ndarray:
        """Model outputs as one column per class: a sigmoid's (n, 1) becomes [1 - p, p]."""
        return np.concatenate([1.0 - raw, raw], axis=1) if self.binary else raw

    def label_matrix(self, labels: np.ndarray) -> np.ndarray:
        """Labels as a 0/1 row per text, one column per class (multi-label labels already are)."""
        return labels if self.multi_label else np.eye(self.num_classes, dtype=np.int8)[labels]

    def probabilities_tensor(self, raw):
        """``probabilities`` inside a TensorFlow graph (the exported serving function)."""
        import tensorflow as tf

        raw = tf.cast(raw, tf.float32)
        return tf.concat([1.0 - raw, raw], axis=1) if self.binary else raw

    def decide(self, probabilities: np.ndarray, threshold=None) -> np.ndarray:
        """Each row's class: the most probable, or (two classes) the second when its probability passes
        ``threshold``; 0.5 gives the same as the most probable. Multi-label: each class whose probability
        passes its threshold (``threshold``: one for all, or one per class), as a 0/1 row."""
        if np.ndim(threshold) == 0 and threshold is not None and not 0.0 < threshold < 1.0:
            raise TextclfError(f"--threshold: {threshold} must lie between 0 and 1")
        if self.multi_label:
            return (probabilities > np.asarray(0.5 if threshold is None else threshold)).astype(np.int8)
        if threshold is None:
            return probabilities.argmax(axis=1)
        if not self.binary:
            raise TextclfError(f"--threshold: only for two classes; this model has {self.num_classes}")
        return (probabilities[:, 1] > threshold).astype(np.int64)

    def scored_classes(self) -> list[int]:
        """The classes an ROC curve is drawn for: the positive one, or each one against the rest."""
        return [1] if self.binary else list(range(self.num_classes))  # multi-label: each label

    def headline(self, per_class: dict[str, dict]) -> dict:
        """The scores quoted for the whole model: the positive (second) class's precision, recall, F1 and
        ROC-AUC for two classes; the mean ROC-AUC of each class against the rest for more."""
        scores = list(per_class.values())
        if self.multi_label:
            return {"roc_auc": float(np.nanmean([score["roc_auc"] for score in scores]))}
        if self.binary:
            return {key: scores[1][key] for key in ("precision", "recall", "f1", "roc_auc")}
        return {"roc_auc": float(np.mean([score["roc_auc"] for score in scores]))}

    def ratio_columns(self, ratios: np.ndarray) -> np.ndarray:
        """Naive-Bayes log-count ratios per class, as the output units use them (one unit: the second class)."""
        return ratios[:, 1:] if self.binary else ratios  # multi-label: each label against its absence

    def metrics(self, names) -> list:
        """The Keras metrics ``train.metrics`` names, for this head."""
        from textclf.model.metrics import make

        return make(names, self)
