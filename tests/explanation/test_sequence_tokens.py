"""Integrated gradients over a sequence model's embeddings: padding gets nothing, the ends are the baseline's
score and the text's, and the contributions fill the difference."""

import numpy as np
import pytest
import tensorflow as tf
from explanation.test_explainer import built, own_logits

from textclf.explanation.sequence_tokens import EmbeddingPath
from textclf.model.text_model import classifier_of


@pytest.mark.parametrize("model_type", ["lstm", "transformer"])
def test_padding_gets_nothing_and_the_contributions_fill_the_difference(model_type):
    model = built(model_type)
    padding = next(layer for layer in model.layers if layer.name == "padding")
    ids = padding(model.get_layer("vectorizer")(tf.constant(["great boring plot"]))).numpy()[0]
    assert (ids == 0).any()  # padded to its bucket
    contributions, baseline, score = EmbeddingPath(classifier_of(model)).attribute(ids, 0, 1.0, 64)
    assert np.all(contributions[ids == 0] == 0.0)
    assert score == pytest.approx(own_logits(model, ["great boring plot"])[0, 0], abs=1e-5)
    assert abs(score - baseline - contributions.sum()) <= 0.05 * np.abs(contributions).sum()
