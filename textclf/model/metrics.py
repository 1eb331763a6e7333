"""Training metrics beyond accuracy (``train.metrics``), on textclf's integer labels.

Keras' ``AUC`` and ``F1Score`` want one-hot labels shaped like the output;
textclf trains on class numbers (a (batch,) vector) with one sigmoid unit for
two classes and a softmax otherwise. These subclasses reshape the labels
first, so ``auc`` and ``f1`` mean the same for two classes or twenty:
ROC-AUC of the positive class (micro-averaged one-vs-rest above two), and F1
of the positive class (macro-averaged above two); ``macro_f1`` the mean of every
class's F1. Multi-label labels already are 0/1 rows: ``accuracy`` is then the share of right (text, label)
decisions, ``auc`` one ROC-AUC over them all, ``f1`` the micro-averaged F1
at 0.5 (the thresholds are tuned after training), ``macro_f1`` the mean of the labels' F1 at 0.5.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def _labels_like(y_true, y_pred):
    """Class numbers as one-hot rows shaped like the output (a column for one sigmoid unit)."""
    width = y_pred.shape[-1]
    y_true = tf.reshape(tf.cast(y_true, tf.int32), [-1])
    if width == 1:
        return tf.cast(y_true[:, None], y_pred.dtype)
    return tf.one_hot(y_true, width, dtype=y_pred.dtype)


@keras.saving.register_keras_serializable(package="textclf", name="LabelAUC")
class LabelAUC(keras.metrics.AUC):
    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(_labels_like(y_true, y_pred), y_pred, sample_weight)


@keras.saving.register_keras_serializable(package="textclf", name="LabelMacroF1")
class LabelMacroF1(keras.metrics.F1Score):
    """The mean of every class's F1, the predicted class being the most probable: with one sigmoid unit, both
    classes' (``f1`` is the positive class's only). What ``search.metric: val_macro_f1`` compares on imbalanced
    data, where always saying the large class scores a high accuracy."""

    def __init__(self, name="macro_f1", **kwargs):
        kwargs.update(average="macro", threshold=None)
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if y_pred.shape[-1] == 1:
            y_pred = tf.concat([1 - y_pred, y_pred], axis=-1)
        return super().update_state(_labels_like(y_true, y_pred), y_pred, sample_weight)


@keras.saving.register_keras_serializable(package="textclf", name="LabelF1")
class LabelF1(keras.metrics.F1Score):
    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(_labels_like(y_true, y_pred), y_pred, sample_weight)

    def result(self):
        return tf.reduce_mean(super().result())  # one unit: its F1; several: the macro average


def make(names: tuple[str, ...] | list[str], head) -> list:
    """The Keras metrics ``train.metrics`` names, logged as ``auc``, ``f1`` (and ``val_``…), for a ``Head``."""
    if head.multi_label:
        return [{"accuracy": keras.metrics.BinaryAccuracy(name="accuracy"), "auc": keras.metrics.AUC(name="auc"),
                 "f1": keras.metrics.F1Score(average="micro", threshold=0.5, name="f1"),
                 "macro_f1": keras.metrics.F1Score(average="macro", threshold=0.5, name="macro_f1")}[name]
                for name in names]
    made = []
    for name in names:
        if name == "accuracy":
            made.append("accuracy")
        elif name == "auc":
            made.append(LabelAUC(name="auc"))
        elif name == "macro_f1":
            made.append(LabelMacroF1())
        else:
            made.append(LabelF1(average=None if head.binary else "macro", threshold=0.5 if head.binary else None,
                                name="f1"))
    return made
