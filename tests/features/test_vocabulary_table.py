"""The vocabulary inside Keras' vectorizer: read back fast, kept for the cache, restored the same, hashed."""

import numpy as np

from textclf.config import DataConfig
from textclf.features import featurize, vocabulary_table
from textclf.features.bag_input import BagInput

TEXTS = np.array(["a good film", "a bad film", "good good plot", "café au lait"], dtype=object)


def learned(texts=TEXTS, output_mode="multi_hot"):
    cfg, kind = DataConfig(output_mode=output_mode), BagInput()
    vectorizer = kind.vectorizer(cfg)
    featurize.adapt(vectorizer, texts, cfg, kind)
    return vectorizer, kind, cfg


def test_terms_read_from_the_table_are_get_vocabulary_in_order():
    vectorizer, _, _ = learned()
    terms = [term.decode() for term in vocabulary_table.vocabulary_terms(vectorizer).numpy()]
    assert terms == vectorizer.get_vocabulary() and terms[0] == "[UNK]" and "café" in terms


def test_a_restored_vocabulary_vectorizes_exactly_as_the_learned_one():
    vectorizer, kind, cfg = learned(output_mode="tf_idf")
    joined, specials = vocabulary_table.vocabulary_for_cache(vectorizer)
    restored = kind.vectorizer(cfg)
    vocabulary_table.restore_vocabulary(restored, joined.split(b"\n"), specials,
                                        vocabulary_table.idf_weights(vectorizer))
    assert restored.get_vocabulary() == vectorizer.get_vocabulary()
    np.testing.assert_allclose(restored(TEXTS).numpy(), vectorizer(TEXTS).numpy())
    assert vocabulary_table.vocabulary_sha256(restored) == vocabulary_table.vocabulary_sha256(vectorizer)


def test_another_vocabulary_has_another_hash():
    one, _, _ = learned()
    other, _, _ = learned(np.array(["entirely other words"], dtype=object))
    assert vocabulary_table.vocabulary_sha256(one) != vocabulary_table.vocabulary_sha256(other)
