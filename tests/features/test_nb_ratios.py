"""NBSVM's log-count ratios: which class a feature speaks for, per label for multi-label data, block by block."""

import numpy as np
import tensorflow as tf

from textclf.features import nb_ratios
from textclf.features.bag_input import BagVectors


def test_log_count_ratios_favour_the_class_a_feature_occurs_in():
    # features: 0 in both classes, 1 only in class 1, 2 only in class 0
    bags = BagVectors.from_sparse(tf.sparse.from_dense(tf.constant([[1, 0, 1], [1, 0, 2], [1, 1, 0], [1, 1, 0]],
                                                                    tf.float32)))
    labels = np.array([0, 0, 1, 1], dtype=np.int32)
    binary = nb_ratios.log_count_ratios(bags, labels, num_classes=2, alpha=1.0)
    assert binary.shape == (3, 1)
    assert binary[1, 0] > 0 > binary[2, 0] and abs(binary[0, 0]) < abs(binary[1, 0])
    three = nb_ratios.log_count_ratios(bags, np.array([0, 2, 1, 1], dtype=np.int32), num_classes=3, alpha=1.0)
    assert three.shape == (3, 3) and three[1, 1] > 0 > three[1, 0]


def test_multi_label_ratios_set_each_label_against_the_texts_without_it():
    # texts 0, 1 hold label a; texts 1, 2 hold label b (text 1 both); feature 1 only in a's texts, 2 only in b's
    bags = BagVectors.from_sparse(tf.sparse.from_dense(tf.constant([[1, 1, 0], [1, 1, 1], [1, 0, 1], [1, 0, 0]],
                                                                    tf.float32)))
    labels = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype=np.int8)
    ratios = nb_ratios.log_count_ratios(bags, labels, num_classes=2, alpha=1.0)
    assert ratios.shape == (3, 2)  # a column per label, not the binary head's single column
    # label a, feature 1: held by both texts with a (2 + 1) and by none without (0 + 1);
    # the totals: features of a's texts 5 + 3, of the others 3 + 3
    assert ratios[1, 0] == np.float32(np.log(3 / 8) - np.log(1 / 6))
    assert ratios[2, 1] > 0 > ratios[1, 1] and ratios[1, 0] > 0 > ratios[2, 0]


def test_ratios_counted_a_block_of_texts_at_a_time_are_those_of_the_whole(monkeypatch):
    rng = np.random.default_rng(0)
    matrix = (rng.random((23, 40)) < 0.2) * rng.integers(1, 3, (23, 40))  # counts: zero values are skipped
    matrix[5] = 0  # a text without a term
    bags = BagVectors.from_sparse(tf.sparse.from_dense(tf.constant(matrix, tf.float32)))
    labels = rng.integers(0, 3, 23).astype(np.int32)
    whole = nb_ratios.log_count_ratios(bags, labels, num_classes=3, alpha=0.5)
    monkeypatch.setattr(nb_ratios, "RATIO_ROWS", 4)  # six blocks, the last one short
    np.testing.assert_array_equal(nb_ratios.log_count_ratios(bags, labels, num_classes=3, alpha=0.5), whole)
    present = matrix > 0
    own = present[labels == 2].sum(axis=0) + 0.5
    rest = present[labels != 2].sum(axis=0) + 0.5
    np.testing.assert_allclose(whole[:, 2], np.log(own / own.sum()) - np.log(rest / rest.sum()), rtol=1e-5)
