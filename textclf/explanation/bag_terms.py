"""Contributions of a bag's terms: exact where the network is linear in the bag, integrated gradients else.

nbsvm, linear and embedding_bag score a text as Σ_j value_j · M[j] / n + b: M the weight each term
gives each output unit (NB ratios times weights; a kernel; an embedding times the output kernel), n the
text's normaliser (1, its L2 norm, or its Σ values), b the bias. A term's contribution is its summand, and
with the bias they add up to the logit. dense_bow and bow_ngram put ReLU layers between bag and output:
there each term's value is integrated from 0 (the empty text) to its own (Sundararajan et al., 2017).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from textclf.explanation.integration import trapezoid_weights
from textclf.model.head import Head
from textclf.model.layers import NaiveBayesLinear


def first_bag_layer(classifier):
    return next(layer for layer in classifier.layers if hasattr(layer, "call_on_bags"))


def linear_in_bag(classifier) -> bool:
    """Between the bag and the logits only dropout (idle when predicting) and layers without an activation."""
    first, output = first_bag_layer(classifier), classifier.get_layer("predictions")
    for layer in classifier.layers:
        if isinstance(layer, (keras.layers.InputLayer, keras.layers.Dropout)) or layer in (first, output):
            continue
        return False
    return isinstance(first, NaiveBayesLinear) or first.activation is keras.activations.linear


def term_weights(classifier, ids=None) -> tuple[np.ndarray, np.ndarray]:
    """M's rows for ``ids`` (every term when None), one column per output unit, and the bias b.

    What follows the bag layer is linear (``linear_in_bag``), so the head's own logits of a row, less those of
    zero, are that row carried through (embedding_bag: an embedding times the output kernel)."""
    first = first_bag_layer(classifier)
    head = Head.of_model(classifier)

    def rows(variable):
        return variable if ids is None else tf.gather(variable, ids)

    if isinstance(first, NaiveBayesLinear):
        weights, bias = rows(first.ratios) * (first.nb_weight + rows(first.kernel)), first.bias
    else:
        weights = rows(first.kernel)
        bias = first.bias if first.bias is not None else tf.zeros([first.units])

    def through(x) -> np.ndarray:
        return keras.ops.convert_to_numpy(head.logits(classifier, x)).astype(np.float64)

    zero = through(tf.zeros([1, first.units]))
    return through(weights) - zero, through(tf.reshape(bias, [1, -1]))[0]


def normaliser(classifier, values: np.ndarray) -> float:
    """What the first layer divides a text's sum by: its L2 norm, its Σ values, or nothing."""
    first = first_bag_layer(classifier)
    how = ("l2" if first.normalize else "sum") if isinstance(first, NaiveBayesLinear) else first.combiner
    total = float(np.sqrt(np.sum(values ** 2))) if how == "l2" else float(np.sum(values)) if how == "mean" else 1.0
    return total or 1.0  # an empty text: zeros, then the bias


def exact(classifier, ids: np.ndarray, values: np.ndarray, unit: int, sign: float):
    """Each entry's contribution, the bias and the score of unit ``unit`` (times ``sign``)."""
    weights, bias = term_weights(classifier, ids)
    contributions = sign * values * weights[:, unit] / normaliser(classifier, values)
    baseline = sign * float(bias[unit])
    return contributions, baseline, baseline + float(np.sum(contributions))


def integrated(classifier, ids: np.ndarray, values: np.ndarray, unit: int, sign: float, steps: int):
    """Integrated gradients over the bag's values, from the empty bag: contributions, baseline, score."""
    head = Head.of_model(classifier)
    features = keras.Model(classifier.inputs, classifier.get_layer("predictions").input)
    alphas, weights = trapezoid_weights(steps)
    batch_ids = tf.constant(np.repeat(ids[None, :], len(alphas), axis=0), tf.int32)
    scaled = tf.constant(alphas[:, None] * values[None, :], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(scaled)
        scores = sign * head.logits(classifier, features([batch_ids, scaled], training=False))[:, unit]
    gradients = tape.gradient(scores, scaled).numpy().astype(np.float64)
    contributions = values * (weights @ gradients)
    return contributions, float(scores[0]), float(scores[-1])
