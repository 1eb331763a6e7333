"""The learned vocabulary inside a Keras vectorizer: set without Keras' slow checks, read back fast, freed with it.

``featurize`` learns the terms; this module hands them to ``TextVectorization``
(``set_distinct_vocabulary``), reads them back without Keras' term-at-a-time
lists (``vocabulary_terms``, and ``fast_reads`` for saving), and keeps them in
anonymous tables, which go with their vectorizer (``anonymous_tables``).
``feature_cache`` writes and restores them through here.
"""

from __future__ import annotations

import contextlib
import os
import weakref

import numpy as np


def vocabulary_terms(vectorizer):
    """The vectorizer's vocabulary as a string tensor, special tokens first: ``get_vocabulary()``, fast.

    Keras builds that list in Python, one term at a time (seconds for an
    800,000-term vocabulary); this reads the lookup table once. Tests check the two agree.
    """
    import tensorflow as tf

    lookup = vectorizer._lookup_layer
    empty = int(lookup.lookup_table.size()) == 0  # adapted on texts without a token: no table to export
    keys, values = (tf.zeros([0], tf.string), tf.zeros([0], tf.int64)) if empty else lookup.lookup_table.export()
    masked = lookup.mask_token is not None and lookup.output_mode == "int"  # as get_vocabulary() decides
    specials = ([lookup.mask_token] if masked else []) + [lookup.oov_token] * lookup.num_oov_indices
    return tf.concat([tf.constant(specials, tf.string), tf.gather(keys, tf.argsort(values))], axis=0)


def _joined_vocabulary(vectorizer) -> bytes:
    """The vocabulary's terms, special tokens first, joined by newlines (no term holds one: standardization
    turns control characters into spaces)."""
    import tensorflow as tf

    table = vectorizer._lookup_layer.lookup_table  # replaced whenever the vocabulary is
    if vectorizer not in _JOINED or _JOINED[vectorizer][0] is not table:
        _JOINED[vectorizer] = (table, tf.strings.reduce_join(vocabulary_terms(vectorizer), separator="\n").numpy())
    return _JOINED[vectorizer][1]


# Per vectorizer, its lookup table and the joined vocabulary read from it: one training run reads the
# vocabulary three times (its checksum, and twice in saving the model).
_JOINED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _vocabulary_list(vectorizer) -> list[str]:
    """The vocabulary as ``get_vocabulary()`` returns it, special tokens included, decoded in one piece."""
    return _joined_vocabulary(vectorizer).decode("utf-8").split("\n")


def fast_reads(vectorizer) -> None:
    """Make this vectorizer's ``get_vocabulary`` and saving fast, for everything that reads it after training.

    Keras builds that list one term at a time, and saving a model calls it
    twice (most of the time of saving a large vocabulary); this instance's
    lookup layer answers from ``_vocabulary_list`` instead, with the same list.
    Saving writes the same ``vocabulary.txt`` Keras writes (its terms joined
    by newlines), from the joined bytes: no list of 800,000 strings at the
    end of a run, when memory peaks (benchmarks/RESULTS.md, "Design measurements").
    """
    lookup = vectorizer._lookup_layer
    keras_save_assets = lookup.save_assets

    def get_vocabulary(include_special_tokens=True):
        terms = _vocabulary_list(vectorizer)
        return terms if include_special_tokens else terms[lookup._token_start_index():]

    def save_assets(dir_path):
        if lookup.input_vocabulary is not None:  # Keras keeps such a vocabulary in the config, not a file
            return keras_save_assets(dir_path)
        with open(os.path.join(dir_path, "vocabulary.txt"), "wb") as file:
            file.write(_joined_vocabulary(vectorizer))

    lookup.get_vocabulary = get_vocabulary
    lookup.save_assets = save_assets


def vocabulary_for_cache(vectorizer) -> tuple[bytes, int]:
    """The vocabulary as ``restore_vocabulary`` takes it back: its terms joined by newlines, special tokens
    first, and how many special tokens lead (``feature_cache``)."""
    lookup = vectorizer._lookup_layer
    masked = lookup.mask_token is not None and lookup.output_mode == "int"
    return _joined_vocabulary(vectorizer), int(masked) + lookup.num_oov_indices


def idf_weights(vectorizer) -> np.ndarray | None:
    """A tf-idf vectorizer's idf weights, special tokens included; None for other output modes."""
    weights = getattr(vectorizer._lookup_layer, "idf_weights", None)
    return None if weights is None else np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights)


def restore_vocabulary(vectorizer, terms: list[bytes], specials: int, idf: np.ndarray | None) -> None:
    """Give ``vectorizer`` a vocabulary ``vocabulary_for_cache`` wrote: the same terms, ids and idf weights."""
    vocabulary = np.array([*(term.decode("utf-8") for term in terms[:specials]), *terms[specials:]], dtype=object)
    set_distinct_vocabulary(vectorizer, vocabulary, idf)  # distinct: they were a vocabulary
    fast_reads(vectorizer)


def vocabulary_sha256(vectorizer) -> str:
    """The sha256 of the vocabulary's terms joined by newlines: which vocabulary a run was trained with."""
    import hashlib

    return hashlib.sha256(_joined_vocabulary(vectorizer)).hexdigest()


def set_distinct_vocabulary(vectorizer, tokens: np.ndarray, idf: np.ndarray | None) -> None:
    """``set_vocabulary`` without Keras' search for repeated terms (a Python count of every term, most of
    its time), for terms known to be distinct: ``learn_vocabulary``'s, one per ``np.unique`` value, or a
    vocabulary read back from ``feature_cache``."""
    lookup = vectorizer._lookup_layer
    lookup._find_repeated_tokens = lambda tokens: []
    try:
        with anonymous_tables(lookup):
            vectorizer.set_vocabulary(tokens, idf_weights=idf)
    finally:
        del lookup._find_repeated_tokens


@contextlib.contextmanager
def anonymous_tables(lookup):
    """Vocabulary tables made meanwhile by Keras' ``lookup`` layer are anonymous: freed with the layer.

    Keras makes named tables, and TensorFlow keeps a named table until its
    process ends: every vectorizer a process learns (``tune``'s trials, each
    with its own vocabulary) would keep its table (benchmarks/RESULTS.md,
    "Design measurements"). The same table as Keras' own
    (``IndexLookup._lookup_table_from_tokens``), not inverted.
    """
    import tensorflow as tf

    def table_from_tokens(tokens):
        with tf.init_scope():
            start = lookup._token_start_index()
            ids = tf.range(start, start + tf.size(tokens), dtype=lookup._value_dtype)
            initializer = tf.lookup.KeyValueTensorInitializer(tokens, ids, lookup._key_dtype, lookup._value_dtype)
            return tf.lookup.StaticHashTable(initializer, lookup._default_value, experimental_is_anonymous=True)

    lookup._lookup_table_from_tokens = table_from_tokens
    try:
        yield
    finally:
        del lookup._lookup_table_from_tokens
