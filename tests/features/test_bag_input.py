"""The bag input kind: compact bag vectors, kept and restored as arrays, batched as (ids, values) pairs."""

import numpy as np
import pytest
import tensorflow as tf

from textclf.config import DataConfig
from textclf.features import featurize
from textclf.features.bag_input import BagInput, BagVectors

TEXTS = np.array(["good good film", "bad film", "", "good plot and a bad end"], dtype=object)


def adapted(cfg: DataConfig):
    kind = BagInput()
    vectorizer = kind.vectorizer(cfg)
    featurize.adapt(vectorizer, TEXTS, cfg, kind)
    return kind, vectorizer


@pytest.mark.parametrize("output_mode", ["multi_hot", "count", "tf_idf"])
def test_encoded_bags_are_the_vectorizers_own_and_survive_the_cache_arrays(output_mode):
    cfg = DataConfig(ngrams=2, output_mode=output_mode)
    kind, vectorizer = adapted(cfg)
    bags = kind.encode(vectorizer, TEXTS, cfg)
    expected = tf.sparse.to_dense(tf.sparse.from_dense(vectorizer(TEXTS))) if output_mode == "tf_idf" else \
        tf.sparse.to_dense(tf.sparse.reorder(vectorizer(TEXTS)))
    np.testing.assert_allclose(tf.sparse.to_dense(bags.to_sparse()).numpy(), expected.numpy(), rtol=1e-6)
    assert (bags.values is None) == (output_mode == "multi_hot") and len(bags) == len(TEXTS)
    restored = kind.from_arrays(kind.to_arrays(bags), bags.width)
    np.testing.assert_array_equal(restored.ids.flat_values.numpy(), bags.ids.flat_values.numpy())


def test_batches_pad_ids_and_values_with_zeros_and_keep_every_text_once():
    cfg = DataConfig()
    kind, vectorizer = adapted(cfg)
    bags = kind.encode(vectorizer, TEXTS, cfg)
    labels = np.arange(len(TEXTS), dtype=np.int32)
    seen = []
    for (ids, values), batch_labels in kind.dataset(bags, labels, 3, cfg, shuffle_seed=1):
        assert ids.shape == values.shape and np.all((ids.numpy() == 0) == (values.numpy() == 0))
        seen += batch_labels.numpy().tolist()
    assert sorted(seen) == labels.tolist()


def test_bag_vectors_from_a_sparse_tensor_keep_their_width_and_values():
    sparse = tf.sparse.from_dense(tf.constant([[0, 2.0, 0, 1.0], [0, 0, 0, 0]]))
    bags = BagVectors.from_sparse(sparse)
    assert bags.width == 4 and len(bags) == 2 and bags.value_array().tolist() == [2.0, 1.0]
