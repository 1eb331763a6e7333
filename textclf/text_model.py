"""The end-to-end model a run saves: raw strings in, class probabilities out, class names inside.

A plain functional Keras model refuses a Python list of strings in
``predict`` ("Unrecognized data type") and a NumPy unicode array ("Invalid
dtype: str320"), and it cannot say what its outputs mean. ``TextModel`` is
that same functional model, plus its ``class_names`` (saved in its config)
and plain-string input. Runs saved before it existed load as plain
functional models; readers ask ``class_names_of`` and fall back to
``run.json``.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import textclf.char_ngrams  # noqa: F401  the split of a vectorizer with character n-grams
import textclf.layers  # noqa: F401  registers the layers a saved model refers to
import textclf.losses  # noqa: F401  the loss a balanced multi-label network was compiled with
import textclf.metrics  # noqa: F401  the metrics its inner network was compiled with
import textclf.optimizers  # noqa: F401  and the optimizers its inner network was compiled with
from textclf.errors import TextclfError


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


def class_names_of(model) -> list[str]:
    """The class names a saved model carries; empty for models saved before ``TextModel``."""
    return list(getattr(model, "class_names", None) or [])


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _outside_files(config) -> list[str]:
    """Paths a saved config would make Keras read from outside the ``.keras`` file (a vocabulary "file")."""
    found = []
    if isinstance(config, dict):
        for key, value in config.items():
            if key in ("vocabulary", "idf_weights") and isinstance(value, str):
                found.append(value)
            found += _outside_files(value)
    elif isinstance(config, list):
        for value in config:
            found += _outside_files(value)
    return found


def load_safely(path: Path):
    """A ``.keras`` file loaded in Keras safe mode; anything refused or broken is one line saying what and why.

    Safe mode refuses Lambda layers and other code (a ``TFSMLayer``), but
    lets a layer's config name a vocabulary file anywhere on disk (say
    ``/etc/passwd``): textclf's own models keep theirs inside the file, so
    such a model is refused before Keras reads anything.
    """
    import json
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise TextclfError(f"{path}: cannot load model ({_first_line(exc)})") from None
    outside = _outside_files(config)
    if outside:
        raise TextclfError(f"{path}: refused: the model would read {outside[0]!r} from outside its own file")
    try:
        return keras.models.load_model(path, safe_mode=True)
    except ValueError as exc:
        message = _first_line(exc)
        if "Lambda" in str(exc) or "unsafe" in str(exc) or "safe_mode" in str(exc):
            raise TextclfError(f"{path}: refused by Keras safe mode, which loads no code: {message}") from None
        raise TextclfError(f"{path}: cannot load model ({message})") from None
    except Exception as exc:  # Keras raises many types for a bad file; all mean the same to the user
        raise TextclfError(f"{path}: cannot load model ({_first_line(exc)})") from None
