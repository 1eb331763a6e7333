"""The bag models' contributions: which networks are linear in their bag, their term weights, and integrated
gradients over the values where they are not."""

import numpy as np
import pytest
import tensorflow as tf
from explanation.test_explainer import built, own_logits

from textclf.explanation import bag_terms
from textclf.features.text_layers import sparse_bags
from textclf.model.text_model import classifier_of


@pytest.mark.parametrize(("model_type", "linear"), [("nbsvm", True), ("linear", True), ("embedding_bag", True),
                                                     ("dense_bow", False), ("bow_ngram", False)])
def test_only_networks_with_nothing_but_dropout_between_bag_and_logits_are_linear(model_type, linear):
    assert bag_terms.linear_in_bag(classifier_of(built(model_type))) is linear


def _entries(model, text):
    bags = sparse_bags(model.get_layer("vectorizer")(tf.constant([text])))
    return bags.indices[:, 1].numpy(), bags.values.numpy().astype(np.float64)


@pytest.mark.parametrize("model_type", ["nbsvm", "linear", "embedding_bag"])
def test_the_summands_and_the_bias_are_the_logit(model_type):
    model = built(model_type)
    ids, values = _entries(model, "great wonderful plot, boring")
    contributions, baseline, score = bag_terms.exact(classifier_of(model), ids, values, 0, 1.0)
    assert len(contributions) == len(ids)
    assert score == pytest.approx(baseline + contributions.sum())
    assert score == pytest.approx(own_logits(model, ["great wonderful plot, boring"])[0, 0], abs=1e-5)


def test_the_term_weights_of_every_term_match_those_of_a_texts_terms():
    classifier = classifier_of(built("nbsvm"))
    every, bias = bag_terms.term_weights(classifier)
    some, same_bias = bag_terms.term_weights(classifier, np.array([3, 5]))
    assert np.allclose(every[[3, 5]], some) and np.allclose(bias, same_bias)


def test_integrated_gradients_over_the_values_add_up_for_a_relu_network():
    model = built("dense_bow")
    ids, values = _entries(model, "great wonderful plot, boring")
    contributions, baseline, score = bag_terms.integrated(classifier_of(model), ids, values, 0, -1.0, 64)
    assert score == pytest.approx(-own_logits(model, ["great wonderful plot, boring"])[0, 0], abs=1e-5)
    assert abs(score - baseline - contributions.sum()) <= 0.05 * np.abs(contributions).sum()
