"""Texts as the model reads them, as strings to compare: the run's own standardization, spaces collapsed.

Two texts with one key reach the model as the same words, whatever their case, punctuation or spacing
(``data.duplicates``). TensorFlow's standardizers are the very functions inside ``model.keras``
(``text_layers``), so this never disagrees with what a model sees.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from textclf.features.text_layers import STANDARDIZERS

CHUNK = 8192


def standardized(texts, punctuation: str = "strip") -> list[str]:
    """Each text standardized as ``data.punctuation`` says, its words joined by single spaces."""
    function, keys = STANDARDIZERS[punctuation], []
    texts = np.asarray(texts, dtype=object)
    for start in range(0, len(texts), CHUNK):
        chunk = function(tf.constant([str(text) for text in texts[start:start + CHUNK]])).numpy()
        keys.extend(" ".join(value.decode("utf-8", "replace").split()) for value in chunk)
    return keys


def split_keys(corpus, punctuation: str) -> dict[str, list[str]]:
    """The keys of a corpus's train, validation and test texts."""
    return {name: standardized(getattr(corpus, name).texts, punctuation) for name in ("train", "validation", "test")}
