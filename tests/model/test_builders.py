import functools
import random
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import ROOT, SMALL, synthetic_review

from textclf.config import MODEL_CONFIGS, DataConfig, validate
from textclf.errors import TextclfError
from textclf.features import featurize, inputs, nb_ratios
from textclf.features.bag_input import _bag_predictor
from textclf.model import builders
from textclf.results.predict import predict_texts


def model_config(model_type: str, **extra):
    return validate({"name": "t", "model": {"type": model_type, **SMALL[model_type], **extra}}).model


def synthetic_corpus(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = random.Random(seed)
    labels = np.array([i % 2 for i in range(n)], dtype=np.int32)
    texts = np.array([synthetic_review(rng, positive=bool(y)) for y in labels], dtype=object)
    return texts, labels


def prepared(model_type: str, seed: int = 0):
    """Vectorized train/test datasets of the synthetic corpus for this model's input kind (made once per kind)."""
    return _prepared_for(MODEL_CONFIGS[model_type].input_kind, seed)


@functools.cache
def _prepared_for(kind_name: str, seed: int):
    cfg = DataConfig(vocab_size=100, maxlen=20)
    kind = inputs.kinds()[kind_name]
    train_texts, train_labels = synthetic_corpus(200, seed)
    test_texts, test_labels = synthetic_corpus(100, seed + 1)
    vectorizer = kind.vectorizer(cfg)
    featurize.adapt(vectorizer, train_texts, cfg, kind)

    def dataset(texts, labels, shuffle_seed=None):
        return kind.dataset(kind.encode(vectorizer, texts, cfg), labels, 16, cfg, shuffle_seed)

    train_bags = kind.encode(vectorizer, train_texts, cfg) if kind.name == "bag" else None
    ratios = None if train_bags is None else nb_ratios.log_count_ratios(train_bags, train_labels, 2, alpha=1.0)
    return cfg, kind, vectorizer, dataset(train_texts, train_labels, seed), dataset(test_texts, test_labels), ratios


def test_registry_matches_the_config_schemas():
    assert set(builders.REGISTRY) == set(MODEL_CONFIGS)
    assert set(SMALL) == set(builders.REGISTRY)  # a new model gets its small settings here, and every test below


def test_the_documented_model_table_lists_exactly_the_registry():
    page = (ROOT / "docs" / "models.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([a-z0-9_]+)` \|", page, flags=re.M)
    assert sorted(listed) == sorted(builders.REGISTRY) and len(listed) == len(set(listed))


def test_default_dense_bow_is_the_classic_keras_imdb_model():
    cfg = validate({"name": "t", "model": {"type": "dense_bow"}}).model
    model = builders.build(cfg, vocab_size=10_000, num_classes=2)
    assert model.count_params() == 160_305


def test_default_conv1d_bilstm_has_the_documented_layers():
    cfg = validate({"name": "t", "model": {"type": "conv1d_bilstm"}}).model
    model = builders.build(cfg, vocab_size=10_000, num_classes=2)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["InputLayer", "Embedding", "Dropout", "Conv1D", "MaxPooling1D",
                     "Bidirectional", "Dropout", "Bidirectional", "Dense"]
    assert model.get_layer("embedding").output.shape[-1] == 200


@pytest.mark.parametrize("model_type", sorted(builders.REGISTRY))
def test_builder_learns_a_synthetic_corpus(model_type):
    keras.utils.set_random_seed(0)
    _, _, vectorizer, train_ds, test_ds, ratios = prepared(model_type)
    model = builders.build(model_config(model_type), vocab_size=vectorizer.vocabulary_size(), num_classes=2)
    if model_type == "nbsvm":
        model.get_layer("nb_linear").set_ratios(ratios)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    before = [w.copy() for w in model.get_weights()]
    model.fit(train_ds, epochs=6, verbose=0)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert model.evaluate(test_ds, return_dict=True, verbose=0)["accuracy"] >= 0.9


@pytest.mark.parametrize("model_type", sorted(builders.REGISTRY))
def test_mixed_precision_computes_in_float16_and_answers_in_float32(model_type):
    cfg, kind, vectorizer, train_ds, _, _ = prepared(model_type)
    model = builders.build(model_config(model_type), vocab_size=vectorizer.vocabulary_size(), num_classes=2,
                         mixed_precision=True)
    assert keras.config.dtype_policy().name == "float32"  # set only while building
    assert model.dtype_policy.name == "mixed_float16"
    assert model.get_layer("predictions").compute_dtype == "float32"
    assert {weight.dtype for weight in model.weights} == {"float32"}
    ids = next(iter(train_ds))[0]
    assert model(ids).dtype == "float32"
    end_to_end = builders.end_to_end(vectorizer, model, cfg, kind)
    texts = ["a great film", "a dull film", ""]
    whole = end_to_end.predict(tf.constant(texts), verbose=0)
    np.testing.assert_allclose(predict_texts(end_to_end, texts)[:, 1:], whole, atol=1e-2)


@pytest.mark.parametrize("model_type", ["nbsvm", "lstm"])  # one of each input kind: the step is the head's
def test_a_mixed_precision_train_step_scales_the_loss_and_changes_the_weights(model_type):
    _, _, vectorizer, train_ds, _, _ = prepared(model_type)
    model = builders.build(model_config(model_type), vocab_size=vectorizer.vocabulary_size(), num_classes=2,
                         mixed_precision=True)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    before = [w.copy() for w in model.get_weights()]
    model.fit(train_ds.take(3), verbose=0)
    after = model.get_weights()
    assert all(np.isfinite(w).all() for w in after)
    assert any(not np.allclose(a, b) for a, b in zip(before, after, strict=True))


@pytest.mark.parametrize("model_type", sorted(builders.REGISTRY))
def test_end_to_end_model_takes_raw_strings_even_odd_ones(model_type):
    cfg, kind, vectorizer, _, _, _ = prepared(model_type)
    model = builders.build(model_config(model_type), vocab_size=vectorizer.vocabulary_size(), num_classes=4)
    assert model.output.shape[-1] == 4
    end_to_end = builders.end_to_end(vectorizer, model, cfg, kind)
    texts = ["Great film!", "", "?!.", "x " * 5000, "映画は素晴らしい 🎬"]
    probabilities = end_to_end.predict(tf.constant(texts), verbose=0)
    assert probabilities.shape == (5, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    alone = np.concatenate([end_to_end.predict(tf.constant([text]), verbose=0) for text in texts])
    np.testing.assert_allclose(predict_texts(end_to_end, texts, batch_size=2), alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("model_type", sorted(builders.REGISTRY))
def test_every_builder_gives_a_multi_label_model_a_sigmoid_per_label(model_type):
    """Independent probabilities (a text may hold every label or none), not a distribution over them."""
    cfg, kind, vectorizer, _, _, _ = prepared(model_type)
    model = builders.build(model_config(model_type), vocab_size=vectorizer.vocabulary_size(), num_classes=3,
                         multi_label=True)
    assert model.get_layer("predictions").get_config()["activation"] == "sigmoid" and model.output.shape[-1] == 3
    end_to_end = builders.end_to_end(vectorizer, model, cfg, kind, ["a", "b", "c"], thresholds=[0.2, 0.5, 0.7])
    probabilities = predict_texts(end_to_end, ["Great film!", "", "dull"])
    assert probabilities.shape == (3, 3) and ((probabilities > 0) & (probabilities < 1)).all()
    assert end_to_end.get_config()["thresholds"] == [0.2, 0.5, 0.7]


BAG_TYPES = sorted(t for t, section in MODEL_CONFIGS.items() if section.input_kind == "bag")


@pytest.mark.parametrize("model_type", BAG_TYPES)
@pytest.mark.parametrize("unseen_terms", ["skip", "count"])
def test_a_bag_model_reads_terms_its_vocabulary_lacks_as_model_unseen_terms_says(model_type, unseen_terms):
    """Skipped, a text's unseen words change nothing, in training batches and raw-string prediction alike."""
    cfg, kind, vectorizer, _, _, _ = prepared(model_type)
    model = builders.build(model_config(model_type, unseen_terms=unseen_terms),
                           vocab_size=vectorizer.vocabulary_size(), num_classes=2)
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(0.0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    end_to_end = builders.end_to_end(vectorizer, model, cfg, kind)
    texts = ["a great film", "a great film zzqx vvbnm qqwert", "dull", "dull xxyyzz"]
    raw = predict_texts(end_to_end, texts, batch_size=4)
    batches = model.predict(kind.dataset(kind.encode(vectorizer, texts, cfg), np.zeros(4, np.int32), 4, cfg),
                            verbose=0)
    np.testing.assert_allclose(raw[:, 1:], batches, rtol=1e-5, atol=1e-6)
    same = np.allclose(raw[0::2], raw[1::2], rtol=1e-5, atol=1e-6)
    assert same == (unseen_terms == "skip")


@pytest.mark.parametrize("model_type", ["dense_bow", "nbsvm", "embedding_bag"])
def test_bulk_prediction_of_a_bag_model_is_traced_once_per_model(model_type):
    cfg, kind, vectorizer, _, _, _ = prepared(model_type)
    model = builders.build(model_config(model_type), vocab_size=vectorizer.vocabulary_size(), num_classes=2)
    end_to_end = builders.end_to_end(vectorizer, model, cfg, kind)
    for texts in (["a great film"], ["a dull film", "", "great great"] * 7):
        whole = end_to_end.predict(tf.constant(texts), verbose=0)
        np.testing.assert_allclose(predict_texts(end_to_end, texts, batch_size=4)[:, 1:], whole, rtol=1e-5, atol=1e-6)
    assert _bag_predictor(end_to_end).experimental_get_tracing_count() == 1


def test_unknown_type_lists_the_registry():
    class Fake:
        type = "nope"

    with pytest.raises(TextclfError, match="dense_bow"):
        builders.build(Fake(), vocab_size=10, num_classes=2)


def test_nbsvm_starts_as_naive_bayes_and_keeps_its_ratios_fixed():
    keras.utils.set_random_seed(0)
    _, _, vectorizer, train_ds, test_ds, ratios = prepared("nbsvm")
    model = builders.build(model_config("nbsvm"), vocab_size=vectorizer.vocabulary_size(), num_classes=2)
    model.get_layer("nb_linear").set_ratios(ratios)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    assert model.evaluate(test_ds, return_dict=True, verbose=0)["accuracy"] >= 0.9  # before any training
    model.fit(train_ds, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.get_layer("nb_linear").ratios.numpy(), ratios)


def test_transformer_ignores_post_padding():
    keras.utils.set_random_seed(0)
    model = builders.build(model_config("transformer"), vocab_size=50, num_classes=2)
    alone = model(tf.constant([[5, 7, 9]]), training=False).numpy()
    padded = model(tf.constant([[5, 7, 9, 0, 0, 0, 0, 0]]), training=False).numpy()
    other = model(tf.constant([[9, 7, 5]]), training=False).numpy()
    np.testing.assert_allclose(padded, alone, rtol=1e-5)
    assert not np.allclose(other, alone, rtol=1e-5)  # positions matter


@pytest.mark.parametrize("num_classes", [2, 3])
@pytest.mark.parametrize("model_type", sorted(builders.REGISTRY))
def test_temperature_folded_into_the_output_layer_divides_every_logit(model_type, num_classes):
    from textclf.model.head import Head
    from textclf.results.calibration import scaled

    _, _, vectorizer, train_ds, _, _ = prepared(model_type)
    model = builders.build(model_config(model_type), vocab_size=vectorizer.vocabulary_size(), num_classes=num_classes)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(w.dtype) for w in model.get_weights()])
    features = next(iter(train_ds))[0]
    head = Head(num_classes)
    before = head.probabilities(np.asarray(model.predict_on_batch(features), np.float64))
    head.divide_logits(model, 2.5)
    after = head.probabilities(np.asarray(model.predict_on_batch(features), np.float64))
    np.testing.assert_allclose(after, scaled(before, 2.5), atol=2e-4)
    assert (after.argmax(axis=1) == before.argmax(axis=1)).all() and not np.allclose(after, before, atol=1e-3)
