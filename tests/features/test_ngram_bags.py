import numpy as np
import pytest
import tensorflow as tf

from textclf.config import DataConfig
from textclf.features import featurize
from textclf.features.inputs import kinds
from textclf.features.ngram_bags import bag_vectorizer

KINDS = kinds()  # the input kinds by name

TRAIN = [
    "The movie was great, GREAT fun!<br />Great cast.",
    "A dull film; the plot was dull and the cast was dull.",
    "great film great plot",
    "the worst movie of the year",
]
# Unseen words and bigrams, repeats, a text of one word, empty texts, and a
# bigram of the vocabulary split across two texts ("great" | "film").
TEXTS = ["", "great", "Great great GREAT film film", "zzz unseen words only", "the movie was dull, dull",
         "plot great", "film the cast", "  ", "was great film great film great"]


def adapted(vocab_size: int, *, from_strings: bool = False, **data_settings):
    """A vectorizer adapted to TRAIN; ``from_strings``: a second one given the same vocabulary as strings, as a
    saved model's is (the tables then come from its terms, not from the numbers ``featurize`` learned them as)."""
    cfg = DataConfig(vocab_size=vocab_size, **data_settings)
    vectorizer = KINDS["bag"].vectorizer(cfg)
    featurize.adapt(vectorizer, np.array(TRAIN, dtype=object), cfg, KINDS["bag"])
    if from_strings:
        learned, vectorizer = vectorizer, KINDS["bag"].vectorizer(cfg)
        vectorizer.set_vocabulary(learned.get_vocabulary()[1:])
    return vectorizer


def dense(bags: tf.SparseTensor) -> np.ndarray:
    return tf.sparse.to_dense(tf.sparse.reorder(bags)).numpy()


@pytest.mark.parametrize("punctuation", ["strip", "keep"])
@pytest.mark.parametrize("from_strings", [False, True])
@pytest.mark.parametrize("output_mode", ["multi_hot", "count"])
@pytest.mark.parametrize("ngrams", [1, 2, 3])
@pytest.mark.parametrize("vocab_size", [12, 200])  # 12: most n-grams out of the vocabulary
def test_bags_are_exactly_the_vectorizers(output_mode, ngrams, vocab_size, from_strings, punctuation):
    vectorizer = adapted(vocab_size, from_strings=from_strings, output_mode=output_mode, ngrams=ngrams,
                         punctuation=punctuation)
    vectorize = bag_vectorizer(vectorizer)
    assert vectorize is not None
    texts = tf.constant(TEXTS)
    expected = vectorizer(texts)
    got = vectorize(texts)
    assert got.dtype == tf.float32 and got.dense_shape.numpy().tolist() == expected.dense_shape.numpy().tolist()
    np.testing.assert_array_equal(dense(got), dense(expected))


@pytest.mark.parametrize("from_strings", [False, True])
@pytest.mark.parametrize("output_mode", ["multi_hot", "count"])
@pytest.mark.parametrize("texts", [[""], ["great"], ["great", "film"], ["", "film great"]])
def test_batches_with_fewer_words_than_an_ngram(output_mode, texts, from_strings):
    vectorizer = adapted(200, from_strings=from_strings, output_mode=output_mode, ngrams=3)
    batch = tf.constant(texts, tf.string)
    np.testing.assert_array_equal(dense(bag_vectorizer(vectorizer)(batch)), dense(vectorizer(batch)))


def test_a_repeated_bigram_counts_once_in_multi_hot_and_twice_in_count():
    for output_mode, times in (("multi_hot", 1), ("count", 2)):
        vectorizer = adapted(200, output_mode=output_mode, ngrams=2)
        bags = dense(bag_vectorizer(vectorizer)(tf.constant(["great film great film"])))[0]
        vocabulary = vectorizer.get_vocabulary()
        assert bags[vocabulary.index("great film")] == times and bags[vocabulary.index("film great")] == 1


@pytest.mark.parametrize("settings", [{"output_mode": "tf_idf"}, {"split": "character"}])
def test_vectorizers_it_does_not_cover_are_left_to_themselves(settings):
    assert bag_vectorizer(adapted(50, **settings)) is None


def test_tables_learned_as_numbers_come_with_their_vocabulary_only():
    """A vocabulary set later (another ``adapt``, a ``set_vocabulary``) gets tables of its own."""
    vectorizer = adapted(200, ngrams=2)
    first = bag_vectorizer(vectorizer)
    vectorizer.set_vocabulary(vectorizer.get_vocabulary()[:0:-1])  # the same terms, in reverse order
    second = bag_vectorizer(vectorizer)
    assert second is not first
    texts = tf.constant(TEXTS)
    np.testing.assert_array_equal(dense(second(texts)), dense(vectorizer(texts)))
