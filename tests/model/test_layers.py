"""The bag layers compute what Dense on the full vector computes, from the non-zero entries only."""

import numpy as np
import pytest
import tensorflow as tf

from textclf.features.text_layers import bag_ids
from textclf.model.layers import BagDense, NaiveBayesLinear


def test_bag_dense_equals_dense_on_the_full_vector():
    layer = BagDense(6, 3, activation="relu")
    vectors = np.array([[0, 2, 0, 0, 1, 0], [1, 0, 0, 0, 0, 3], [0, 0, 0, 0, 0, 0]], dtype=np.float32)
    ours = layer(bag_ids(tf.sparse.from_dense(vectors))).numpy()
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(ours, np.maximum(vectors @ kernel + bias, 0), rtol=1e-6)


def test_bag_dense_l2_is_dense_on_each_texts_unit_vector_and_zero_for_an_empty_text():
    layer = BagDense(6, 2, combiner="l2")
    vectors = np.array([[0, 3, 0, 0, 4, 0], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=np.float32)
    ours = layer(bag_ids(tf.sparse.from_dense(vectors))).numpy()
    kernel, bias = layer.get_weights()
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    np.testing.assert_allclose(ours, unit @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_normalized_naive_bayes_layer_divides_each_texts_logits_by_the_root_of_its_terms():
    vectors = np.array([[1, 1, 0, 1], [0, 1, 0, 0], [0, 0, 0, 0]], dtype=np.float32)
    layers = [NaiveBayesLinear(4, 1, 0.5, normalize=normalize) for normalize in (False, True)]
    for layer in layers:
        layer.build(None)
        layer.set_ratios(np.array([[1.0], [-2.0], [3.0], [0.5]], np.float32))
        layer.kernel.assign(np.array([[0.1], [0.2], [0.3], [0.4]], np.float32))
        layer.bias.assign([0.25])
    plain, normalized = (layer(bag_ids(tf.sparse.from_dense(vectors))).numpy()[:, 0] for layer in layers)
    np.testing.assert_allclose(plain, [0.6 - 1.4 + 0.45 + 0.25, -1.4 + 0.25, 0.25], rtol=1e-6)
    np.testing.assert_allclose(normalized, [(0.6 - 1.4 + 0.45) / np.sqrt(3) + 0.25, -1.4 + 0.25, 0.25], rtol=1e-6)


def test_a_large_table_sparse_gradient_path_gives_the_same_product():
    layer = BagDense(250_000, 4, combiner="mean")  # 1,000,000 entries: gradients of the rows a batch holds
    ids = tf.constant([[3, 7, 249_999], [5, 0, 0]], tf.int32)
    values = tf.constant([[1.0, 2.0, 1.0], [3.0, 0.0, 0.0]])
    ours = layer((ids, values)).numpy()
    kernel, bias = layer.get_weights()
    expected = np.stack([(kernel[3] + 2 * kernel[7] + kernel[249_999]) / 4, kernel[5]]) + bias
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer", [BagDense(250_000, 4), NaiveBayesLinear(1_000_000, 1, nb_weight=0.04)],
                         ids=["bag_dense", "nbsvm"])
def test_a_large_table_is_read_row_by_row_never_copied_whole_and_its_gradient_is_sparse(layer):
    """A table that a sparse update wrote is copied whole by each dense read (TensorFlow's copy-on-read)."""
    ids = tf.constant([[3, 7, 9], [5, 0, 0]], tf.int32)
    values = tf.constant([[1.0, 2.0, 1.0], [3.0, 0.0, 0.0]])
    layer((ids, values))
    kernel = layer.kernel
    forward = tf.function(lambda: layer((ids, values))).get_concrete_function()
    reads = [op for op in forward.graph.get_operations() if op.type == "ReadVariableOp"]
    assert "ResourceGather" in {op.type for op in forward.graph.get_operations()}
    assert all(tuple(op.outputs[0].shape) != tuple(kernel.shape) for op in reads)  # no whole-table read
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer((ids, values)))
    assert isinstance(tape.gradient(loss, kernel), tf.IndexedSlices)


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return int(next(line for line in status if line.startswith("VmRSS:")).split()[1]) / 1024


def test_a_trained_and_dropped_large_table_gives_its_memory_back():
    """tune trains dozens of models in one process: a traced gradient that held on to its table (and the
    optimizer's moments) kept 0.7 GB per fastText-style trial of IMDB until the process ended."""
    import ctypes
    import gc

    import keras

    def train_once():
        ids, values = keras.Input((None,), dtype="int32"), keras.Input((None,))
        model = keras.Model([ids, values], BagDense(2_000_000, 8, combiner="mean")([ids, values]))
        model.compile(optimizer="adam", loss="mse")  # Adam: two moments as large as the 64 MB table
        model.train_on_batch((np.array([[1, 5]]), np.ones((1, 2), np.float32)), np.ones((1, 8)))
        del model
        keras.backend.clear_session()
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)

    train_once()
    before = _rss_mib()
    for _ in range(3):
        train_once()
    assert _rss_mib() - before < 150  # three kept tables and their moments: 576 MB


SKIPPING = {"l2": lambda skip: BagDense(5, 2, combiner="l2", skip_unseen=skip),
            "mean": lambda skip: BagDense(5, 2, combiner="mean", skip_unseen=skip),
            "sum": lambda skip: BagDense(5, 2, skip_unseen=skip),
            "nbsvm": lambda skip: NaiveBayesLinear(5, 2, 0.5, normalize=True, skip_unseen=skip)}


@pytest.mark.parametrize("make", SKIPPING.values(), ids=SKIPPING)
def test_a_layer_that_skips_unseen_terms_reads_a_bag_as_if_its_oov_column_were_empty(make):
    vectors = np.array([[2, 1, 0, 3, 0], [0, 0, 1, 0, 1], [4, 0, 0, 0, 0]], dtype=np.float32)  # last: unseen only
    known = vectors * np.array([0, 1, 1, 1, 1], np.float32)
    skipping, reading = make(True), make(False)
    for layer in (skipping, reading):
        layer.build(None)
        layer.set_weights([np.random.default_rng(0).normal(size=w.shape).astype(np.float32) + 0.5
                           for w in layer.get_weights()])

    def out(layer, bags):
        return layer(bag_ids(tf.sparse.from_dense(bags))).numpy()
    np.testing.assert_allclose(out(skipping, vectors), out(reading, known), rtol=1e-5, atol=1e-6)
    sparse = tf.sparse.from_dense(vectors)  # the raw-string predictor's path: the vectorizer's own SparseTensor
    np.testing.assert_allclose(skipping.call_on_bags(sparse).numpy(), out(reading, known), rtol=1e-5, atol=1e-6)
    assert not np.allclose(out(reading, vectors)[[0, 2]], out(reading, known)[[0, 2]])  # the column counts there


def test_skipping_unseen_terms_is_saved_with_the_layer_and_off_for_layers_saved_before_it():
    for layer in (BagDense(5, 2, skip_unseen=True), NaiveBayesLinear(5, 1, 0.5, skip_unseen=True)):
        config = layer.get_config()
        assert type(layer).from_config(config).skip_unseen is True
        del config["skip_unseen"]
        assert type(layer).from_config(config).skip_unseen is False
