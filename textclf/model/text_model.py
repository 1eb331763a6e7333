"""The end-to-end model a run saves: raw strings in, class probabilities out, class names inside.

A plain functional Keras model refuses a Python list of strings in
``predict`` ("Unrecognized data type") and a NumPy unicode array ("Invalid
dtype: str320"), and it cannot say what its outputs mean. ``TextModel`` is
that same functional model, plus its ``class_names`` (saved in its config)
and plain-string input. Runs saved before it existed load as plain
functional models; readers ask ``class_names_of`` and fall back to
``run.json``. Loading one (``results.loading``) also needs the text layers
that feed it (``features``), which this module does not know.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

import textclf.model.layers  # noqa: F401  registers the network layers a saved model refers to
import textclf.model.losses  # noqa: F401  the loss a balanced multi-label network was compiled with
import textclf.model.metrics  # noqa: F401  the metrics its inner network was compiled with
import textclf.model.optimizers  # noqa: F401  and the optimizers its inner network was compiled with


def as_strings(texts):
    """A list, tuple or NumPy array of str becomes a string tensor; anything else passes through."""
    if isinstance(texts, str):
        texts = [texts]
    if isinstance(texts, (list, tuple)) or (isinstance(texts, np.ndarray) and texts.dtype.kind in "USO"):
        flat = [str(text) for text in np.asarray(texts, dtype=object).reshape(-1)]
        return tf.constant(flat, tf.string) if flat else tf.zeros([0], tf.string)
    return texts


@keras.saving.register_keras_serializable(package="textclf", name="TextModel")
class TextModel(keras.Model):
    """A functional model of raw strings that knows its class names.

    ``model.predict(["great film"])`` works on a list or a NumPy array of
    str; ``model.class_names[i]`` names probability column ``i`` (for two
    classes the single sigmoid output is P(``class_names[1]``)). A
    multi-label model also carries ``thresholds``, one per label: a label
    applies where its probability passes its threshold; None otherwise.
    """

    def __init__(self, *args, class_names=(), thresholds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_names = [str(name) for name in class_names]
        self.thresholds = None if thresholds is None else [float(value) for value in thresholds]

    def get_config(self):
        extra = {} if self.thresholds is None else {"thresholds": self.thresholds}  # older loaders need no new key
        return {**super().get_config(), "class_names": self.class_names, **extra}

    def __call__(self, inputs, *args, **kwargs):
        return super().__call__(as_strings(inputs), *args, **kwargs)

    def predict(self, x, batch_size=None, verbose=0, **kwargs):
        """Keras' ``predict``, on plain strings too, and quiet unless asked (``verbose="auto"``)."""
        return super().predict(as_strings(x), batch_size=batch_size, verbose=verbose, **kwargs)

    def predict_on_batch(self, x):
        return super().predict_on_batch(as_strings(x))


def classifier_of(model: keras.Model) -> keras.Model:
    """The trained network inside an end-to-end model (vectorized input in, the head's outputs out)."""
    return next(layer for layer in model.layers if isinstance(layer, keras.Model))


def members_of(model: keras.Model) -> list[keras.Model]:
    """The end-to-end models an ensemble (``ensemble.averaged``) averages; a single model is its own member."""
    members = [layer for layer in getattr(model, "layers", []) if isinstance(layer, TextModel)]
    return members or [model]


def member_weights(model: keras.Model) -> list[float]:
    """Each member's weight in an ensemble's mean, in ``members_of``'s order: ``weight_<i>`` scales
    ``member_<i>`` (``ensemble.averaged``); equal where the mean is unweighted."""
    members = members_of(model)
    scales = {layer.name: float(layer.scale) for layer in getattr(model, "layers", [])
              if isinstance(layer, keras.layers.Rescaling) and layer.name.startswith("weight_")}
    if not scales:
        return [1.0 / len(members)] * len(members)
    return [scales[member.name.replace("member_", "weight_")] for member in members]


def class_names_of(model) -> list[str]:
    """The class names a saved model carries; empty for models saved before ``TextModel``."""
    return list(getattr(model, "class_names", None) or [])
