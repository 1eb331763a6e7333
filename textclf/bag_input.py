"""The bag input kind: a text as a sparse vector over its vocabulary's terms (words or n-grams).

Everything that is particular to bag models lives here: the vectorizer's
settings, turning its SparseTensors into training batches, the layer that
feeds the saved model, and prediction on raw strings. ``inputs`` says which
kind a config or a saved model has.
"""

from __future__ import annotations

import weakref

import keras
import numpy as np
import tensorflow as tf

from textclf import featurize
from textclf.config import DataConfig
from textclf.layers import BagIds, ragged_bag, sparse_bags, standardize
from textclf.ngram_bags import bag_vectorizer
from textclf.text_model import classifier_of


class BagInput:
    name = "bag"
    reserved = 1  # special tokens that share data.vocab_size with the learned terms: the OOV token

    def largest_ngram(self, cfg: DataConfig) -> int:
        return cfg.ngrams

    def tf_idf(self, cfg: DataConfig) -> bool:
        return cfg.output_mode == "tf_idf"

    def size_setting(self, cfg: DataConfig) -> str:
        """The data setting that sizes a bag model's memory, for an out-of-memory message."""
        return f"data.vocab_size ({cfg.vocab_size:,})"

    def vectorizer(self, cfg: DataConfig):
        """A TextVectorization layer giving sparse bag vectors (tf-idf comes dense: Keras fails on it sparse)."""
        return keras.layers.TextVectorization(
            max_tokens=cfg.vocab_size, standardize=standardize,
            split="character" if cfg.split == "character" else "whitespace",
            output_mode=cfg.output_mode, ngrams=cfg.ngrams if cfg.ngrams > 1 else None,
            sparse=cfg.output_mode != "tf_idf", name="vectorizer")

    def encode(self, vectorizer, texts, cfg: DataConfig, label: str = "vectorizing") -> tf.SparseTensor:
        """The texts' bag vectors, from ``ngram_bags`` where it covers the vectorizer (the same entries, faster)."""
        bags = bag_vectorizer(vectorizer)
        function = (lambda chunk: tf.sparse.reorder(bags(chunk))) if bags else \
            (lambda chunk: tf.cast(sparse_bags(vectorizer(chunk)), tf.float32))
        parts = featurize.encode_chunks(function, texts, label)
        if not parts:
            return function(tf.zeros([0], tf.string))
        return tf.sparse.concat(0, parts) if len(parts) > 1 else parts[0]

    def dataset(self, bags, labels: np.ndarray, batch_size: int, cfg: DataConfig, shuffle_seed: int | None = None):
        """Bag vectors as (ids, values) of their non-zero entries, padded per batch.

        The bag models' first layer (``layers.BagDense``) turns them back into a
        sparse batch and multiplies it by its weights: what a Dense layer does to
        the full vectors, without ever forming them (a 25,000 × 800,000 trigram
        matrix would not fit in memory). Reshuffled each epoch when a seed is given.
        """
        del cfg  # every bag is batched alike
        ids, values = ragged_bag(bags)
        dataset = tf.data.Dataset.from_tensor_slices((ids, values, labels))
        if shuffle_seed is not None:
            dataset = dataset.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size).map(
            lambda ids, values, label: ((ids.to_tensor(), values.to_tensor()), label),
            num_parallel_calls=tf.data.AUTOTUNE)
        return dataset.prefetch(tf.data.AUTOTUNE)

    def serving_layer(self, cfg: DataConfig) -> keras.layers.Layer:
        """Between the vectorizer and the network in the saved model: bag vectors → (ids, values)."""
        del cfg
        return BagIds(name="bag_ids")

    def predict(self, model: keras.Model, texts: list[str], batch_size: int) -> np.ndarray:
        """The network's outputs for raw texts: a bag's prediction does not depend on its batch, so the whole
        model runs in tf.data, chunks in parallel."""
        return np.concatenate([part for _, part in featurize.map_chunks(_bag_predictor(model), texts, batch_size)])


_BAG_PREDICTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _bag_predictor(model: keras.Model):
    """An end-to-end bag model as one function of a batch of strings, traced once per model.

    ``textclf predict --file`` predicts one chunk of lines at a time; tracing
    the vectorizer and the network anew for each chunk would cost more than
    predicting it. The first bag layer multiplies the vectorizer's
    SparseTensor as it comes, and the rest of the network runs as a model of
    that layer's output: the same numbers as the classifier on (ids, values),
    without the round trip through them.
    """
    if model not in _BAG_PREDICTORS:
        vectorizer, classifier = model.get_layer("vectorizer"), classifier_of(model)
        first = next(layer for layer in classifier.layers if hasattr(layer, "call_on_bags"))
        rest = keras.Model(first.output, classifier.output)
        vectorize = bag_vectorizer(vectorizer) or (lambda texts: sparse_bags(vectorizer(texts)))

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def predict(texts):
            return rest(first.call_on_bags(tf.cast(vectorize(texts), tf.float32)), training=False)

        _BAG_PREDICTORS[model] = predict
    return _BAG_PREDICTORS[model]
