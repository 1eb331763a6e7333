"""Featurization: learn a vocabulary from the training texts, then vectorize texts, at compiled speed.

Keras' ``TextVectorization.adapt`` counts every n-gram as a string in a hash
table, one batch after another on one core. Here the texts are standardized
and split by TensorFlow's string ops in a parallel ``tf.data`` map (both
cores), each word gets a number once, an n-gram becomes a single integer made
of its words' numbers, and NumPy counts those integers with one sort. The
result is handed to ``TextVectorization.set_vocabulary``: the saved model is
the same raw-string-in Keras model, and its vocabulary is exactly the one
``adapt`` learns, order included (tests compare them term for term).

The exact order needs no string sort: words are numbered in the byte order of
their text, and a standardized word holds no byte at or below the space that
joins an n-gram's words, so an n-gram's string sorts like its words' numbers
read left to right, which is how its integer is written.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from dataclasses import dataclass

import numpy as np

from textclf import faults
from textclf.config import DataConfig
from textclf.progress import Progress

CHUNK = 512  # texts per parallel step: a few MB of intermediate tensors each (RESULTS.md, "Design measurements")
INT64_LIMIT = 2**63


@dataclass(frozen=True)
class Vocabulary:
    # The learned terms, most frequent first, without the mask and OOV tokens: UTF-8 bytes in an object
    # array, which set_vocabulary takes as it is (a list of 800,000 str it copies into a fixed-width array).
    tokens: np.ndarray
    idf_weights: np.ndarray | None  # tf_idf only: one weight per learned term
    # The same terms as numbers: their words' numbers (word i+1 is ``words[i]``) as the digits of one
    # integer in base len(words) + 1, left-aligned to ``largest`` digits (``ngram_bags.learned``);
    # None for terms counted as strings (``data.char_ngrams``).
    words: np.ndarray | None = None
    numbers: np.ndarray | None = None
    largest: int = 1


def keras_split(cfg: DataConfig) -> str:
    """``data.split`` as TextVectorization's ``split``: words are split on whitespace."""
    return "character" if cfg.split == "character" else "whitespace"


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


def _fast_vocabulary_reads(vectorizer) -> None:
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
    _set_distinct_vocabulary(vectorizer, vocabulary, idf)  # distinct: they were a vocabulary
    _fast_vocabulary_reads(vectorizer)


def vocabulary_sha256(vectorizer) -> str:
    """The sha256 of the vocabulary's terms joined by newlines: which vocabulary a run was trained with."""
    import hashlib

    return hashlib.sha256(_joined_vocabulary(vectorizer)).hexdigest()


def map_chunks(function, texts, chunk: int | None = None):
    """``function`` of each chunk of ``texts``, in order, chunks worked on in parallel by tf.data.

    Yields (texts done so far, result).
    """
    import tensorflow as tf

    chunk = chunk or CHUNK
    strings = tf.constant(np.asarray(texts, dtype=object), tf.string) if len(texts) else tf.zeros([0], tf.string)
    chunks = tf.data.Dataset.from_tensor_slices(strings).batch(chunk)
    done = 0
    for result in chunks.map(function, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(2):
        done = min(len(texts), done + chunk)
        yield done, result


def _tokenizer(split: str, standardize):
    """A chunk of texts → its distinct tokens, each token's place among them, and the texts' token counts."""
    import tensorflow as tf

    def tokenize(texts):
        standardized = standardize(texts)
        tokens = tf.strings.unicode_split(standardized, "UTF-8") if split == "character" \
            else tf.strings.split(standardized)
        distinct, index = tf.unique(tokens.flat_values, out_idx=tf.int64)
        return distinct, index, tokens.row_lengths()

    return tokenize


def _word_numbers(texts, split: str, standardize, progress: Progress) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The corpus as numbers: distinct words in byte order, each token's word number (1-based), tokens per text."""
    import tensorflow as tf

    distinct, index, lengths = [], [], []
    for done, (words, where, counts) in map_chunks(_tokenizer(split, standardize), texts):
        distinct.append(words)
        index.append(where.numpy())
        lengths.append(counts.numpy())
        progress.update(done)
    if not distinct:
        return np.zeros(0, object), np.zeros(0, np.int64), np.zeros(0, np.int64)
    words, merged = tf.unique(tf.concat(distinct, axis=0), out_idx=tf.int64)
    words, merged = words.numpy(), merged.numpy()
    rank = np.empty(len(words), np.int64)
    order = np.argsort(words, kind="stable")  # bytes compare as Keras' own sort of the tokens does
    rank[order] = np.arange(1, len(words) + 1)
    offsets = np.cumsum([0] + [int(words_.shape[0]) for words_ in distinct])
    numbers = np.concatenate([rank[merged[offsets[i]:offsets[i + 1]]][part] for i, part in enumerate(index)])
    return words[order], numbers, np.concatenate(lengths)


def _ngram_counts(numbers: np.ndarray, lengths: np.ndarray, largest: int, base: int, with_rows: bool):
    """Every distinct n-gram (n ≤ largest) of the texts as one integer, left-aligned (w1·base^(largest-1) +
    w2·…), and its count; with ``with_rows``, also (term index, text) of every occurrence, for document frequencies.

    An n-gram shorter than ``largest`` ends in zero digits, so it sorts before
    the longer n-grams it begins, as its string does. One n-gram size is
    counted at a time: a third of the memory of counting them all at once.
    """
    left = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(numbers))  # tokens from here to the text's end
    rows = np.repeat(np.arange(len(lengths)), lengths) if with_rows else None
    terms, counts, term_of, text_of = [], [], [], []
    value = numbers * base ** (largest - 1)
    for n in range(1, largest + 1):
        if n > 1:
            value[:-(n - 1)] += numbers[n - 1:] * base ** (largest - n)
        fits = left >= n  # the n-gram starting here ends inside its text
        found = np.unique(value[fits], return_counts=True, return_inverse=with_rows)
        if with_rows:
            term_of.append(found[1] + sum(len(t) for t in terms))
            text_of.append(rows[fits])
        terms.append(found[0])
        counts.append(found[-1])
    pairs = (np.concatenate(term_of), np.concatenate(text_of)) if with_rows else None
    return np.concatenate(terms), np.concatenate(counts), pairs


def most_frequent(terms: np.ndarray, counts: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` most frequent terms, by count then by term, both descending (Keras' order)."""
    candidates = np.arange(len(counts))
    if len(counts) > limit:
        threshold = np.partition(counts, len(counts) - limit)[len(counts) - limit]
        candidates = np.flatnonzero(counts >= threshold)
    return candidates[np.lexsort((terms[candidates], counts[candidates]))[::-1]][:limit]


def term_digits(terms: np.ndarray, base: int, largest: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Integer terms (left-aligned, ``largest`` digits in ``base``) as their word numbers, digit by digit,
    and each term's width: how many words it holds."""
    digits = [(terms // base ** (largest - 1 - j)) % base for j in range(largest)]
    return digits, sum((digit > 0).astype(np.int64) for digit in digits)


def _term_strings(terms: np.ndarray, words: np.ndarray, base: int, largest: int) -> np.ndarray:
    """The n-gram strings (bytes) of integer terms: their words joined by single spaces."""
    digits, width = term_digits(terms, base, largest)
    strings = np.empty(len(terms), object)
    for n in range(1, largest + 1):
        rows = np.flatnonzero(width == n)
        joined = words[digits[0][rows] - 1]
        for j in range(1, n):
            joined = joined + b" " + words[digits[j][rows] - 1]
        strings[rows] = joined
    return strings


def _idf_weights(terms_of_rows: tuple[np.ndarray, np.ndarray], kept: np.ndarray, num_terms: int, texts: int):
    """Keras' idf, log(1 + texts / (1 + texts holding the term)), for the kept terms."""
    inverse, rows = terms_of_rows
    pairs = np.unique(rows.astype(np.int64) * num_terms + inverse)  # each (text, term) once
    documents = np.bincount(pairs % num_terms, minlength=num_terms)
    return np.log(1 + texts / (1 + documents[kept]))


def learn_vocabulary(texts, cfg: DataConfig, kind) -> Vocabulary | None:
    """The vocabulary ``TextVectorization.adapt`` would learn from ``texts``; None where this cannot say.

    The input ``kind`` (``inputs``) says the n-gram sizes, whether idf weights
    are learned, and how many special tokens (mask, OOV) share
    ``cfg.vocab_size`` with the learned terms. None for character n-grams
    (their joined strings are ambiguous), for tf-idf with ``data.char_ngrams``, and for a corpus of more distinct
    words than an n-gram's integer can hold.
    """
    from textclf.layers import STANDARDIZERS

    largest, reserved, standardize = kind.largest_ngram(cfg), kind.reserved, STANDARDIZERS[cfg.punctuation]
    split = kind.split(cfg)
    if not isinstance(split, str):  # a split that gives every term itself (``char_ngrams``): count the strings
        from textclf.char_ngrams import string_vocabulary

        return None if kind.tf_idf(cfg) else string_vocabulary(texts, split, standardize, cfg.vocab_size - reserved)
    if cfg.split == "character" and largest > 1:
        return None
    progress = Progress("learning the vocabulary", total=len(texts), unit="texts")
    words, numbers, lengths = _word_numbers(texts, cfg.split, standardize, progress)
    base = len(words) + 1
    if base ** largest >= INT64_LIMIT:
        return None
    tf_idf = kind.tf_idf(cfg)
    terms, counts, occurrences = _ngram_counts(numbers, lengths, largest, base, with_rows=tf_idf)
    del numbers
    kept = most_frequent(terms, counts, max(0, cfg.vocab_size - reserved))
    idf = _idf_weights(occurrences, kept, len(terms), len(texts)) if tf_idf else None
    tokens = _term_strings(terms[kept], words, base, largest)
    progress.done(f"{len(tokens) + reserved:,} tokens from {len(texts):,} texts", count=len(texts))
    return Vocabulary(tokens, idf, words, terms[kept], largest)


def adapt(vectorizer, texts: np.ndarray, cfg: DataConfig, kind) -> None:
    """Learn the vocabulary (and idf weights) from the training texts only, into ``vectorizer``.

    Falls back to Keras' own ``adapt`` where ``learn_vocabulary`` cannot say,
    and where there is no term to learn (``set_vocabulary`` refuses an empty one).
    """
    vocabulary = learn_vocabulary(texts, cfg, kind)
    if vocabulary is None or not len(vocabulary.tokens):  # texts without a single token: nothing to count, quickly
        _keras_adapt(vectorizer, texts)
    else:
        from textclf import ngram_bags

        _set_distinct_vocabulary(vectorizer, vocabulary.tokens, vocabulary.idf_weights)
        if vocabulary.numbers is not None:
            ngram_bags.learned(vectorizer, vocabulary.words, vocabulary.numbers, vocabulary.largest)
    _fast_vocabulary_reads(vectorizer)


def _set_distinct_vocabulary(vectorizer, tokens: np.ndarray, idf: np.ndarray | None) -> None:
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
    with its own vocabulary) would keep its table, about 100 MB a million
    terms (benchmarks/RESULTS.md, "Design measurements"). The same table as
    Keras' own (``IndexLookup._lookup_table_from_tokens``), not inverted.
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


def _keras_adapt(vectorizer, texts: np.ndarray) -> None:
    """``TextVectorization.adapt`` (reset, ``update_state`` per chunk, ``finalize_state``) with a progress line."""
    progress = Progress("learning the vocabulary", total=len(texts), unit="texts")
    vectorizer.reset_state()
    for done, chunk in map_chunks(lambda batch: batch, texts):
        vectorizer.update_state(chunk)
        progress.update(done)
    with anonymous_tables(vectorizer._lookup_layer):
        vectorizer.finalize_state()
    progress.done(f"{vectorizer.vocabulary_size():,} tokens from {len(texts):,} texts", count=len(texts))


def encode_chunks(function, texts, label: str) -> list:
    """``function`` of each chunk of ``texts``, chunks in parallel, with a progress line: the input kinds'
    ``encode`` joins the parts."""
    progress = Progress(label, total=len(texts), unit="texts")
    parts = []
    for done, part in map_chunks(function, texts):
        parts.append(part)
        progress.update(done)
        faults.kill_point("vectorizing")
    progress.done(f"{len(texts):,} texts", count=len(texts))
    return parts
