"""Integrated gradients over the token embeddings of a sequence model (Sundararajan et al., ICML 2017).

Each read token's embedding goes from zero to its own along a straight path while padding stays as it is;
a token's contribution is its embedding times the average gradient of the score along the path. They add up
to the score minus the score of the all-zero text, up to the integration error, which the trapezoidal
rule keeps small (``Explanation.gap``). All the path's points go through the network as one batch.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from textclf.explanation.integration import trapezoid_weights
from textclf.model.head import Head


class EmbeddingPath:
    """The network from its embeddings on, built once per model: token ids and embeddings in, the output
    layer's input out (the ids still mask padding where the network masks it)."""

    def __init__(self, classifier):
        self.classifier = classifier
        self.head = Head.of_model(classifier)
        self.embedding = classifier.get_layer("embedding")
        self.network = keras.Model([classifier.inputs[0], self.embedding.output],
                                   classifier.get_layer("predictions").input)

    def attribute(self, ids: np.ndarray, unit: int, sign: float, steps: int):
        """Contributions of each position of the padded ``ids`` (one text; padding gets 0), the baseline's
        score and the text's score, of unit ``unit`` times ``sign``."""
        alphas, weights = trapezoid_weights(steps)
        embedded = tf.cast(tf.gather(self.embedding.embeddings, ids), tf.float32).numpy()
        real = (ids != 0)[:, None]
        path = np.where(real[None], alphas[:, None, None] * embedded[None], embedded[None]).astype(np.float32)
        batch_ids = tf.constant(np.repeat(ids[None, :], len(alphas), axis=0), tf.int32)
        path = tf.constant(path)
        with tf.GradientTape() as tape:
            tape.watch(path)
            scores = sign * self.head.logits(self.classifier, self.network([batch_ids, path], training=False))[:, unit]
        gradients = tape.gradient(scores, path).numpy().astype(np.float64)
        average = np.tensordot(weights, gradients, axes=1)  # (positions, dim)
        contributions = np.where(ids != 0, np.sum(average * embedded, axis=1), 0.0)
        return contributions, float(scores[0]), float(scores[-1])
