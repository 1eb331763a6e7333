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

import numpy as np

from textclf import faults
from textclf.config import DataConfig
from textclf.features.counting import INT64_LIMIT, Vocabulary, map_chunks, most_frequent, term_digits
from textclf.features.vocabulary_table import anonymous_tables, fast_reads, set_distinct_vocabulary
from textclf.progress import Progress


def keras_split(cfg: DataConfig) -> str:
    """``data.split`` as TextVectorization's ``split``: words are split on whitespace."""
    return "character" if cfg.split == "character" else "whitespace"


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
    (their joined strings are ambiguous), and for a corpus of more distinct
    words than an n-gram's integer can hold.
    """
    from textclf.features.text_layers import STANDARDIZERS

    largest, reserved, standardize = kind.largest_ngram(cfg), kind.reserved, STANDARDIZERS[cfg.punctuation]
    split = kind.split(cfg)
    if not isinstance(split, str):  # a split that gives every term itself (``char_ngrams``): count the strings
        from textclf.features.char_ngrams import string_vocabulary

        return string_vocabulary(texts, split, standardize, cfg.vocab_size - reserved, tf_idf=kind.tf_idf(cfg))
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
        from textclf.features import ngram_bags

        set_distinct_vocabulary(vectorizer, vocabulary.tokens, vocabulary.idf_weights)
        if vocabulary.numbers is not None:
            ngram_bags.learned(vectorizer, vocabulary.words, vocabulary.numbers, vocabulary.largest)
    fast_reads(vectorizer)


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
