"""The bag input kind: a text as a sparse vector over its vocabulary's terms (words or n-grams).

Everything that is particular to bag models lives here: the vectorizer's
settings, turning its SparseTensors into training batches, the layer that
feeds the saved model, and prediction on raw strings. ``inputs`` says which
kind a config or a saved model has.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from textclf.config import DataConfig
from textclf.features import counting, featurize
from textclf.features.char_ngrams import TermSplit
from textclf.features.ngram_bags import bag_vectorizer
from textclf.features.text_layers import STANDARDIZERS, BagIds, ragged_bag, sparse_bags
from textclf.model.text_model import classifier_of


@dataclass(frozen=True)
class BagVectors:
    """Encoded bag vectors, kept compact: each text's non-zero entries as ragged term ids and values.

    Four bytes an id, and four a value unless every value is 1 (multi-hot
    bags keep none), where a SparseTensor holds sixteen bytes of (row,
    column) per entry besides; the bag models take (ids, values) as they are
    (``model.layers.BagDense``).
    """

    ids: tf.RaggedTensor  # int32 term ids, one row per text
    values: tf.RaggedTensor | None  # float32, the same shape; None: every value is 1
    width: int  # the vocabulary size: the bag vectors' length

    def value_array(self) -> np.ndarray:
        """Every entry's value, flat, in the order of ``ids.flat_values``."""
        if self.values is None:
            return np.ones(int(tf.size(self.ids.flat_values)), np.float32)
        return self.values.flat_values.numpy()

    def __len__(self) -> int:
        return int(self.ids.nrows())

    @classmethod
    def from_sparse(cls, bags: tf.SparseTensor) -> BagVectors:
        ids, values = ragged_bag(bags)
        return cls(ids, values, int(bags.dense_shape[1]))

    def to_sparse(self) -> tf.SparseTensor:
        """The same vectors as a SparseTensor, entries in canonical order."""
        indices = tf.stack([self.ids.value_rowids(), tf.cast(self.ids.flat_values, tf.int64)], axis=1)
        return tf.sparse.reorder(tf.SparseTensor(indices, self.value_array(), [len(self), self.width]))


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

    def split(self, cfg: DataConfig):
        """The vectorizer's ``split``: with ``data.char_ngrams`` a ``TermSplit`` giving every term (word
        n-grams included), else TextVectorization's own, which the vectorizer's ``ngrams`` extends."""
        return TermSplit(cfg.ngrams, cfg.char_ngrams) if cfg.char_ngrams else featurize.keras_split(cfg)

    def vectorizer(self, cfg: DataConfig):
        """A TextVectorization layer giving sparse bag vectors (tf-idf comes dense: Keras fails on it sparse)."""
        word_ngrams = cfg.ngrams > 1 and not cfg.char_ngrams
        return keras.layers.TextVectorization(
            max_tokens=cfg.vocab_size, standardize=STANDARDIZERS[cfg.punctuation], split=self.split(cfg),
            output_mode=cfg.output_mode, ngrams=cfg.ngrams if word_ngrams else None,
            sparse=cfg.output_mode != "tf_idf", name="vectorizer")

    def chunk_encoder(self, vectorizer, cfg: DataConfig):
        """A chunk of texts → its bag vectors as ragged term ids, and values unless every value is 1, from
        ``ngram_bags`` where it covers the vectorizer (the same entries, faster).

        A text's entries come in order of first appearance there, sorted by
        term otherwise: the bag layers sum them, in any order.
        """
        bags = bag_vectorizer(vectorizer) or (lambda chunk: sparse_bags(vectorizer(chunk)))

        def encode(chunk):
            ids, values = ragged_bag(bags(chunk))  # rows come in order from either
            return ids if cfg.output_mode == "multi_hot" else (ids, values)
        return encode

    def encode(self, vectorizer, texts, cfg: DataConfig, label: str = "vectorizing") -> BagVectors:
        """The texts' bag vectors, chunks encoded in parallel."""
        function = self.chunk_encoder(vectorizer, cfg)
        parts = featurize.encode_chunks(function, texts, label) or [function(tf.zeros([0], tf.string))]
        width = int(vectorizer.vocabulary_size())
        if cfg.output_mode == "multi_hot":
            return BagVectors(tf.concat(parts, axis=0), None, width)
        return BagVectors(tf.concat([ids for ids, _ in parts], axis=0), tf.concat([v for _, v in parts], axis=0), width)

    def to_arrays(self, bags: BagVectors) -> dict[str, np.ndarray]:
        """Encoded bags as NumPy arrays, for ``feature_cache``."""
        arrays = {"ids": bags.ids.flat_values.numpy(), "row_splits": bags.ids.row_splits.numpy()}
        return arrays if bags.values is None else {**arrays, "values": bags.values.flat_values.numpy()}

    def from_arrays(self, arrays: dict[str, np.ndarray], width: int) -> BagVectors:
        def ragged(values):
            return tf.RaggedTensor.from_row_splits(values, arrays["row_splits"], validate=False)
        return BagVectors(ragged(arrays["ids"]), ragged(arrays["values"]) if "values" in arrays else None, width)

    def dataset(self, bags: BagVectors, labels: np.ndarray, batch_size: int, cfg: DataConfig,
                shuffle_seed: int | None = None):
        """Bag vectors as (ids, values) of their non-zero entries, padded per batch.

        The bag models' first layer (``model.layers.BagDense``) turns them back into a
        sparse batch and multiplies it by its weights: what a Dense layer does to
        the full vectors, without ever forming them (a 25,000 × 800,000 trigram
        matrix would not fit in memory). Reshuffled each epoch when a seed is given.
        """
        del cfg  # every bag is batched alike
        order = tf.data.Dataset.range(len(labels))
        if shuffle_seed is not None:
            # Shuffled as numbers, not as texts: a shuffle buffer of bag vectors would copy the whole split.
            order = order.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True)
        labels = tf.constant(labels)

        def batch(rows):
            values = None if bags.values is None else tf.gather(bags.values, rows)
            return _padded(tf.gather(bags.ids, rows), values, tf.gather(labels, rows))
        return order.batch(batch_size).map(batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

    def stream_chunk(self, batch_size: int) -> int:
        """Texts per chunk a stream hands over (``stream``): a bag batch is vectorized as one chunk."""
        return batch_size

    def encoded_batches(self, chunks, sizes: list[int], batch_size: int, cfg: DataConfig,
                        shuffle_seed: int | None = None):
        """Vectorized (bags, labels) chunks of ``batch_size`` texts, shuffled as they were read or not, from
        blocks of ``sizes`` texts (a stream is one block; ``data.cache`` keeps several) → the padded batches
        ``dataset`` gives: a chunk is a batch."""
        del shuffle_seed  # the rows come shuffled, and bags need no sorting

        def batch(bags, labels):
            ids, values = (bags, None) if cfg.output_mode == "multi_hot" else bags
            return _padded(ids, values, labels)
        batches = sum(-(-size // batch_size) for size in sizes)
        return (chunks.map(batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
                .apply(tf.data.experimental.assert_cardinality(batches)).prefetch(tf.data.AUTOTUNE))

    def serving_layer(self, cfg: DataConfig) -> keras.layers.Layer:
        """Between the vectorizer and the network in the saved model: bag vectors → (ids, values)."""
        del cfg
        return BagIds(name="bag_ids")

    def predict(self, model: keras.Model, texts: list[str], batch_size: int) -> np.ndarray:
        """The network's outputs for raw texts: a bag's prediction does not depend on its batch, so the whole
        model runs in tf.data, chunks in parallel."""
        return np.concatenate([part for _, part in counting.map_chunks(_bag_predictor(model), texts, batch_size)])


def _padded(ids, values, labels):
    """A batch of ragged ids and values → padded (ids, values) and its labels; values 1 where none are kept
    (None; padding: id 0, value 0, which the bag layers skip)."""
    if values is None:
        values = tf.ragged.map_flat_values(tf.ones_like, ids, dtype=tf.float32)
    return (ids.to_tensor(), values.to_tensor()), labels


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
