"""Counting terms: most frequent in Keras' order, parallel chunks in order, n-gram numbers read back."""

import numpy as np
import tensorflow as tf

from textclf.features import counting


def test_the_most_frequent_terms_come_by_count_then_by_term_both_descending():
    terms, counts = np.array([5, 3, 9, 1, 7]), np.array([2, 4, 2, 4, 1])
    assert terms[counting.most_frequent(terms, counts, 3)].tolist() == [3, 1, 9]  # ties: the larger term first
    assert terms[counting.most_frequent(terms, counts, 10)].tolist() == [3, 1, 9, 5, 7]


def test_chunks_are_worked_on_in_parallel_and_come_back_in_order(monkeypatch):
    monkeypatch.setattr(counting, "CHUNK", 3)
    texts = [f"text {i}" for i in range(10)]
    done, parts = zip(*counting.map_chunks(lambda chunk: tf.strings.length(chunk), texts), strict=True)
    assert list(done) == [3, 6, 9, 10]
    assert np.concatenate([part.numpy() for part in parts]).tolist() == [len(text) for text in texts]
    assert list(counting.map_chunks(lambda chunk: chunk, [])) == []


def test_an_ngram_number_gives_back_its_words_and_its_width():
    base, largest = 10, 3
    terms = np.array([4 * 100 + 2 * 10 + 7, 5 * 100, 3 * 100 + 8 * 10])  # "4 2 7", "5", "3 8", left-aligned
    digits, widths = counting.term_digits(terms, base, largest)
    assert [d.tolist() for d in digits] == [[4, 5, 3], [2, 0, 8], [7, 0, 0]] and widths.tolist() == [3, 1, 2]
