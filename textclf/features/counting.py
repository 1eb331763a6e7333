"""Counting terms at compiled speed: texts in parallel chunks, most frequent terms in Keras' order.

Shared by the word vocabulary (``featurize``), the string vocabulary of
character n-grams (``char_ngrams``) and the integer n-gram tables
(``ngram_bags``), so none of them needs another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INT64_LIMIT = 2**63


CHUNK = 512  # texts per parallel step: a few MB of intermediate tensors each (RESULTS.md, "Design measurements")


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


def map_chunks(function, texts, chunk: int | None = None):
    """``function`` of each chunk of ``texts``, in order, chunks worked on in parallel by tf.data.

    Yields (texts done so far, result). A single chunk is worked on directly: a pipeline traces ``function``
    anew each time, which costs a server answering one text about 80 ms.
    """
    import tensorflow as tf

    chunk = chunk or CHUNK
    strings = tf.constant(np.asarray(texts, dtype=object), tf.string) if len(texts) else tf.zeros([0], tf.string)
    if 0 < len(texts) <= chunk:  # one chunk: called as it is, without building (and tracing) a pipeline for it
        yield len(texts), function(strings)
        return
    chunks = tf.data.Dataset.from_tensor_slices(strings).batch(chunk)
    done = 0
    for result in chunks.map(function, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(2):
        done = min(len(texts), done + chunk)
        yield done, result


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
