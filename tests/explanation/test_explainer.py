"""Explanations of every model type: exact sums for the linear bag models, integrated gradients' completeness
for the rest, each score the model's own logit, and the refusals."""

import functools
import random

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import SMALL, synthetic_review

from textclf.config import MODEL_CONFIGS, DataConfig, validate
from textclf.errors import TextclfError
from textclf.explanation.explainer import Explainer
from textclf.features import featurize, inputs
from textclf.model import builders
from textclf.model.head import Head
from textclf.model.text_model import classifier_of
from textclf.results.predict import predict_texts

EXACT = {"nbsvm", "linear", "embedding_bag"}
TEXTS = ["The movie was GREAT, wonderful!<br />A boring plot though.", "awful waste of a film", "",
         "a " * 40 + "brilliant"]  # longer than maxlen: a sequence model reads only part


def _texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [synthetic_review(rng, positive=i % 2 == 0) for i in range(n)]


@functools.cache
def built(model_type: str, classes: int = 2, multi_label: bool = False, char_ngrams: tuple | None = None):
    """An end-to-end model of ``model_type`` with random weights (NB ratios too): what a sum must match does not
    need a trained model, and random weights give every term a contribution of its own."""
    data_cfg = DataConfig(vocab_size=120, maxlen=20, char_ngrams=char_ngrams)
    model_cfg = validate({"name": "t", "model": {"type": model_type, **SMALL[model_type]}}).model
    kind = inputs.of(model_cfg)
    vectorizer = kind.vectorizer(data_cfg)
    featurize.adapt(vectorizer, np.array(_texts(100), dtype=object), data_cfg, kind)
    network = builders.build(model_cfg, vocab_size=int(vectorizer.vocabulary_size()), num_classes=classes,
                             multi_label=multi_label)
    rng = np.random.default_rng(0)
    for weight in network.weights:
        weight.assign(rng.normal(0.0, 0.4, weight.shape).astype(weight.dtype))
    names = [f"class{i}" for i in range(classes)]
    thresholds = [0.5] * classes if multi_label else None
    return builders.end_to_end(vectorizer, network, data_cfg, kind, names, thresholds)


def own_logits(model, texts: list[str]) -> np.ndarray:
    """The logits by the model's own layers: its vectorizer and serving layer, then its network up to the output
    layer's input (and that layer's kernel): no code of the explanation's. One text at a time, padded as
    ``predict`` pads it."""
    classifier = classifier_of(model)
    serving = next(layer for layer in model.layers if layer.name in ("bag_ids", "padding"))
    network = keras.Model(classifier.inputs, classifier.get_layer("predictions").input)
    vectorizer, head = model.get_layer("vectorizer"), Head.of_model(model)
    rows = [head.logits(classifier, network(serving(vectorizer(tf.constant([text]))))) for text in texts]
    return np.concatenate([np.asarray(row, np.float64) for row in rows])


@pytest.mark.parametrize("model_type", sorted(MODEL_CONFIGS))
def test_every_model_type_splits_its_logit_into_the_baseline_and_the_terms(model_type):
    model = built(model_type)
    explanations = Explainer(model).explain(TEXTS)
    logits = own_logits(model, TEXTS)
    probabilities = predict_texts(model, TEXTS)
    for explanation, logit, row in zip(explanations, logits, probabilities, strict=True):
        predicted = int(np.argmax(row))
        assert explanation.label == f"class{predicted}" and explanation.probability == pytest.approx(row[predicted])
        expected = logit[0] if predicted == 1 else -logit[0]  # one sigmoid unit: the second class's log-odds
        assert explanation.score == pytest.approx(expected, abs=1e-5)
        if model_type in EXACT:
            assert explanation.method == "exact"
            assert abs(explanation.gap) < 1e-5  # contributions plus the bias equal the logit
        else:
            assert explanation.method.startswith("integrated gradients")
            # completeness: the contributions add up to score - baseline within 5 % of their total size (of the
            # difference itself it is ill-posed where a text scores about as its baseline)
            assert abs(explanation.gap) <= 0.05 * sum(abs(value) for _, value in explanation.terms) + 1e-6


@pytest.mark.parametrize("model_type", sorted(EXACT))
def test_a_bag_model_explains_the_terms_it_reads_not_the_oov_count_it_skips(model_type):
    (explanation,) = Explainer(built(model_type)).explain(["zzqx vvbnm great film"])
    assert explanation.terms and "[UNK]" not in {term for term, _ in explanation.terms}
    assert abs(explanation.gap) < 1e-5


def test_an_empty_text_is_its_baseline_and_has_no_terms():
    for model_type in ("nbsvm", "lstm"):
        (explanation,) = Explainer(built(model_type)).explain([""])
        assert explanation.terms == () and explanation.words == ()
        assert explanation.score == pytest.approx(explanation.baseline)


def test_more_steps_bring_integrated_gradients_closer_to_complete():
    model = built("transformer")
    gaps = [abs(Explainer(model, steps).explain(TEXTS[:2])[0].gap) for steps in (2, 64)]
    assert gaps[1] < gaps[0]


def test_softmax_and_multi_label_heads_explain_the_chosen_class():
    model = built("nbsvm", classes=3)
    explainer = Explainer(model)
    logits = own_logits(model, TEXTS[:2])
    for index in range(3):
        for explanation, logit in zip(explainer.explain(TEXTS[:2], f"class{index}"), logits, strict=True):
            assert explanation.label == f"class{index}" and explanation.score == pytest.approx(logit[index], abs=1e-5)
            assert abs(explanation.gap) < 1e-5
    labels = built("linear", classes=3, multi_label=True)
    (explanation,) = Explainer(labels).explain(TEXTS[:1], "class2")
    assert explanation.score == pytest.approx(own_logits(labels, TEXTS[:1])[0, 2], abs=1e-5)


def test_character_ngram_terms_shade_the_words_that_hold_them():
    model = built("nbsvm", char_ngrams=(2, 3))
    (explanation,) = Explainer(model).explain(["wonderful plot"])
    assert any(term.startswith("#") for term, _ in explanation.terms)
    shaded = dict((piece, value) for piece, value in explanation.words if value is not None)
    assert set(shaded) == {"wonderful", "plot"}
    assert sum(shaded.values()) == pytest.approx(sum(v for t, v in explanation.terms if t != "[UNK]"), abs=1e-6)


def test_words_are_shown_as_written_each_with_its_share():
    (explanation,) = Explainer(built("linear")).explain(["GREAT movie,<br />boring!"])
    assert "".join(piece for piece, _ in explanation.words) == "GREAT movie,<br />boring!"
    assert [piece for piece, value in explanation.words if value is not None] == ["GREAT", "movie,", "boring!"]
    terms = dict(explanation.terms)
    assert dict(explanation.words)["GREAT"] == pytest.approx(terms["great"])


def test_the_label_must_be_a_class_and_ensembles_and_nonlinear_globals_are_refused():
    from textclf.training.ensemble import averaged

    with pytest.raises(TextclfError, match="--label: 'nope' is not one of the model's classes: class0, class1"):
        Explainer(built("nbsvm")).explain(["a"], "nope")
    with pytest.raises(TextclfError, match="explain: this run is an ensemble"):
        Explainer(averaged([built("nbsvm"), built("linear")]))
    with pytest.raises(TextclfError, match="--global: only for the models linear in their bag"):
        Explainer(built("dense_bow")).global_terms()


def test_global_terms_are_the_weights_each_class_gives_its_terms():
    explainer = Explainer(built("nbsvm"))
    found = explainer.global_terms(top=3)
    assert set(found) == {"class0", "class1"}
    top_for, top_against = found["class1"]["for"], found["class1"]["against"]
    assert len(top_for) == 3 and all(value > 0 for _, value in top_for)
    assert [value for _, value in top_for] == sorted((value for _, value in top_for), reverse=True)
    assert found["class0"]["for"] == [(term, -value) for term, value in top_against]


def test_a_network_of_another_shape_is_refused_in_one_line():
    """A sequence network without textclf's named embedding and output layers (as an older textclf saved)."""
    data_cfg = DataConfig(vocab_size=50, maxlen=10)
    kind = inputs.kinds()["sequence"]
    vectorizer = kind.vectorizer(data_cfg)
    featurize.adapt(vectorizer, np.array(_texts(20), dtype=object), data_cfg, kind)
    ids = keras.Input(shape=(None,), dtype="int32")
    vectors = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(50, 4, name="table")(ids))
    network = keras.Model(ids, keras.layers.Dense(1, activation="sigmoid", name="out")(vectors))
    model = builders.end_to_end(vectorizer, network, data_cfg, kind, ["a", "b"])
    with pytest.raises(TextclfError, match="explain: this model's network is not one textclf explains"):
        Explainer(model)
