"""A bag vectorizer's output computed from word ids: n-grams without n-gram strings.

TextVectorization with ``ngrams`` joins every n-gram of a text into a string
("the movie") and looks each string up in its vocabulary; with multi-hot
output it then deduplicates them per text. Here each word is looked up once,
an n-gram is a number made of its words' ids, looked up in an integer table,
and a text's distinct terms are found with one ``unique`` over (row, term)
keys: no n-gram string is ever built, which is faster than the vectorizer
(benchmarks/RESULTS.md, "Design measurements").
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from textclf.features.char_ngrams import TermBags
from textclf.features.counting import term_digits
from textclf.features.text_layers import STANDARDIZERS
from textclf.features.vocabulary_table import vocabulary_terms

OOV_TOKEN = "[UNK]"


def _ngram_sizes(ngrams) -> int | None:
    """TextVectorization's ``ngrams`` as the largest n when it means 1..n, else None."""
    if ngrams is None:
        return 1
    if isinstance(ngrams, int):
        return ngrams
    sizes = tuple(ngrams)
    return len(sizes) if sizes == tuple(range(1, len(sizes) + 1)) else None


def bag_vectorizer(vectorizer) -> Callable[[tf.Tensor], tf.SparseTensor] | None:
    """The bag vectors ``vectorizer`` gives a batch of strings, computed faster; None where this cannot.

    It covers textclf's own word-level vectorizers with sparse ``multi_hot``
    or ``count`` output, and those of ``data.char_ngrams`` (``char_ngrams.TermBags``,
    tf-idf included). The SparseTensor holds the same entries as the
    vectorizer's, rows in order but a row's terms in order of first
    appearance: ``tf.sparse.reorder`` it for an op that needs canonical order.
    """
    table = vectorizer._lookup_layer.lookup_table  # a new vocabulary comes with a new table
    if vectorizer not in _BUILT or _BUILT[vectorizer][0] is not table:
        _BUILT[vectorizer] = (table, TermBags.of(vectorizer) or _word_bags(vectorizer))
    return _BUILT[vectorizer][1]


def _word_bags(vectorizer):
    largest = _covered(vectorizer)
    return largest and _NgramBags.of_terms(vocabulary_terms(vectorizer), largest, _counts(vectorizer),
                                           _standardizer(vectorizer))


def learned(vectorizer, words: np.ndarray, terms: np.ndarray, largest: int) -> None:
    """Give ``bag_vectorizer`` the tables of a vocabulary just learned as numbers (``featurize``): the same
    tables as from the vocabulary's strings, without splitting them into words again.

    ``words`` are the distinct words (bytes), word i+1 at ``words[i]``;
    ``terms`` the vocabulary's terms in order, each its words' numbers as the
    digits of one integer in base ``len(words) + 1``, left-aligned to ``largest`` digits.
    """
    if _covered(vectorizer) == largest:
        base = len(words) + 1
        _, widths = term_digits(terms, base, largest)
        right_aligned = terms // base ** (largest - widths)
        bags = _NgramBags(words, right_aligned, widths, largest, _counts(vectorizer), _standardizer(vectorizer))
        _BUILT[vectorizer] = (vectorizer._lookup_layer.lookup_table, bags)


def _covered(vectorizer) -> int | None:
    """The largest n of the vectorizer's n-grams, where ``_NgramBags`` covers it; else None."""
    config = vectorizer.get_config()
    largest = _ngram_sizes(config["ngrams"])
    lookup = vectorizer._lookup_layer
    plain = (config["standardize"] in STANDARDIZERS.values() and config["split"] == "whitespace" and config["sparse"]
             and config["output_mode"] in ("multi_hot", "count") and lookup.oov_token == OOV_TOKEN
             and lookup.num_oov_indices == 1)
    return largest if plain else None


def _counts(vectorizer) -> bool:
    return vectorizer.get_config()["output_mode"] == "count"


def _standardizer(vectorizer):
    return vectorizer.get_config()["standardize"]


_BUILT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per vectorizer: (its lookup table, the tables)


class _NgramBags:
    """Tables of one vocabulary: words to ids, and each n-gram size's word-id numbers to term ids.

    Built with vectorized string and array ops: an 800,000-term vocabulary
    takes a fraction of a second, not the seconds a loop over its terms would.
    """

    def __init__(self, words, numbers: np.ndarray, widths: np.ndarray, largest: int, counts: bool, standardize):
        """``numbers``: the vocabulary's terms in order (OOV left out), each its words' ids (``words[i]`` is
        word i+1) as the digits of one integer in base ``len(words) + 1``; ``widths``: their sizes."""
        self.size, self.largest, self.counts, self.standardize = len(numbers) + 1, largest, counts, standardize
        self.base = len(words) + 1  # word ids 1..; 0: a word no term holds
        index = np.arange(1, self.size, dtype=np.int64)
        self.word_table = _table(words, tf.range(1, self.base, dtype=tf.int64), key_dtype=tf.string)
        unigram_of_word = np.zeros(self.base, np.int64)
        unigram_of_word[numbers[widths == 1]] = index[widths == 1]
        self.unigram_of_word = tf.constant(unigram_of_word)
        self.ngram_tables = {n: _table(numbers[widths == n], index[widths == n], key_dtype=tf.int64)
                             for n in range(2, self.largest + 1)}

    @classmethod
    def of_terms(cls, vocabulary: tf.Tensor, largest: int, counts: bool, standardize) -> _NgramBags | None:
        """The tables of a vocabulary of strings (OOV first); None where an n-gram's number would not fit."""
        parts = tf.strings.split(vocabulary[1:], sep=" ")
        words, word_of_part = tf.unique(parts.flat_values, out_idx=tf.int64)
        base = int(words.shape[0]) + 1
        if base**largest >= 2**63:
            return None
        widths = parts.row_lengths().numpy()
        ids = word_of_part.numpy() + 1
        starts = np.cumsum(widths) - widths
        numbers = np.zeros(len(widths), np.int64)
        for j in range(max(widths, default=0)):
            has = widths > j
            numbers[has] = numbers[has] * base + ids[starts[has] + j]
        return cls(words, numbers, widths, largest, counts, standardize)

    def __call__(self, texts: tf.Tensor) -> tf.SparseTensor:
        tokens = tf.strings.split(self.standardize(texts))
        words, rows = self.word_table.lookup(tokens.flat_values), tokens.value_rowids()
        position = tf.range(tf.size(words, out_type=tf.int64)) - tf.gather(tokens.row_starts(), rows)
        unigrams = tf.gather(self.unigram_of_word, words)
        terms, whole, number = [unigrams], [position >= 0], words
        for n in range(2, self.largest + 1):
            number = tf.pad(number[:-1], [[1, 0]]) * self.base + words  # the n words ending here
            whole.append(position >= n - 1)
            # Where the n-gram would start in the previous text, a multi-hot bag takes the unigram
            # a second time, which changes nothing and is cheaper than masking.
            terms.append(tf.where(whole[-1], self.ngram_tables[n].lookup(number), unigrams))
        keys = tf.reshape(rows[:, None] * self.size + tf.stack(terms, axis=1), [-1])
        if self.counts:
            keys = tf.boolean_mask(keys, tf.reshape(tf.stack(whole, axis=1), [-1]))
        count = tf.shape(texts, out_type=tf.int64)[0]
        # int32 keys are deduplicated and divided faster than int64; int64 only where a batch needs it.
        indices, values = tf.cond(count * self.size < 2**31,
                                  lambda: self._distinct(tf.cast(keys, tf.int32)), lambda: self._distinct(keys))
        return tf.SparseTensor(indices, values, tf.stack([count, self.size]))

    def _distinct(self, keys):
        """A bag's (row, term) indices from its keys, in order of first appearance, and their values."""
        if self.counts:
            keys, _, repeats = tf.unique_with_counts(keys)
            values = tf.cast(repeats, tf.float32)
        else:
            keys = tf.unique(keys)[0]
            values = tf.ones(tf.shape(keys), tf.float32)
        size = tf.constant(self.size, keys.dtype)
        return tf.cast(tf.stack([keys // size, keys % size], axis=1), tf.int64), values


def _table(keys, values, key_dtype) -> tf.lookup.StaticHashTable:
    """A table with default 0; one that would be empty holds a key no lookup asks for (tables cannot be empty).

    Anonymous, so that it is freed with the vectorizer (``vocabulary_table.anonymous_tables``)."""
    if len(keys) == 0:
        keys, values = ([""] if key_dtype == tf.string else [-1]), [0]
    initializer = tf.lookup.KeyValueTensorInitializer(tf.convert_to_tensor(keys, key_dtype),
                                                      tf.convert_to_tensor(values, tf.int64))
    return tf.lookup.StaticHashTable(initializer, default_value=0, experimental_is_anonymous=True)
