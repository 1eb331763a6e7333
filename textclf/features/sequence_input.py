"""The sequence input kind: a text as its token ids in order, cut to ``data.maxlen``.

Everything that is particular to sequence models lives here: the
vectorizer's settings, batching by length for training and by padded width
for scoring, the padding layer of the saved model, and prediction on raw
strings. ``inputs`` says which kind a config or a saved model has.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from textclf.config import DataConfig
from textclf.data.stream import READ_CHUNK
from textclf.features import counting, featurize
from textclf.features.text_layers import (
    STANDARDIZERS,
    SequencePadding,
    bucket_width,
    move_padding_first,
    pad_and_truncate,
    truncate,
)
from textclf.model.text_model import classifier_of

SORTING_POOL = 100  # training batches whose examples are sorted by length together (see _length_sorted_batches)


class SequenceInput:
    name = "sequence"
    reserved = 2  # special tokens that share data.vocab_size with the learned words: the mask and OOV tokens

    def largest_ngram(self, cfg: DataConfig) -> int:
        return 1  # a sequence is of single tokens; data.ngrams is for bags

    def tf_idf(self, cfg: DataConfig) -> bool:
        return False

    def size_setting(self, cfg: DataConfig) -> str:
        """The data setting that sizes a sequence model's memory, for an out-of-memory message."""
        return f"data.maxlen ({cfg.maxlen})"

    def split(self, cfg: DataConfig) -> str:
        """The vectorizer's ``split``: a sequence is of words or of characters (data.char_ngrams is for bags)."""
        return featurize.keras_split(cfg)

    def vectorizer(self, cfg: DataConfig):
        """A TextVectorization layer giving ragged token ids, of words or characters."""
        return keras.layers.TextVectorization(
            max_tokens=cfg.vocab_size, standardize=STANDARDIZERS[cfg.punctuation],
            split=self.split(cfg), ragged=True, name="vectorizer")

    def chunk_encoder(self, vectorizer, cfg: DataConfig):
        """A chunk of texts → its token ids, ragged, truncated to ``data.maxlen`` as the saved model truncates."""
        def encode(chunk):
            return truncate(tf.cast(vectorizer(chunk), tf.int32), cfg.maxlen, cfg.truncating)
        return encode

    def encode(self, vectorizer, texts, cfg: DataConfig, label: str = "vectorizing") -> tf.RaggedTensor:
        """The texts' token ids, chunks encoded in parallel."""
        function = self.chunk_encoder(vectorizer, cfg)
        parts = featurize.encode_chunks(function, texts, label)
        return tf.concat(parts, axis=0) if parts else function(tf.zeros([0], tf.string))

    def stream_chunk(self, batch_size: int) -> int:
        """Texts per chunk a stream hands over (``stream``): vectorized together, then batched by length."""
        return READ_CHUNK

    def encoded_batches(self, chunks, sizes: list[int], batch_size: int, cfg: DataConfig,
                        shuffle_seed: int | None = None):
        """Vectorized (ids, labels) chunks, from blocks of ``sizes`` texts (a stream is one block;
        ``data.cache`` keeps several) → batches as ``dataset`` gives them.

        Training (rows shuffled as they were read): sorted by length
        ``SORTING_POOL`` batches at a time and cut into batches, which come in
        random order; each is padded to its own longest. Scoring: grouped by
        padded width (``text_layers.bucket_width``) as they come, so a text is
        padded as ``predict`` pads it.
        """
        examples = chunks.unbatch()
        if shuffle_seed is None:
            batches = examples.group_by_window(
                key_func=lambda ids, label: bucket_width(tf.size(ids), cfg.maxlen),
                reduce_func=lambda _, group: group.ragged_batch(batch_size), window_size=batch_size)
            return batches.map(lambda ids, labels: (pad_and_truncate(ids, cfg.maxlen, cfg.padding, cfg.truncating),
                                                    labels), num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)

        def sorted_pool(ids, labels):
            order = tf.argsort(ids.row_lengths(), stable=True)
            return tf.gather(ids, order), tf.gather(labels, order)

        return (examples.ragged_batch(SORTING_POOL * batch_size).map(sorted_pool).unbatch()
                .ragged_batch(batch_size).shuffle(SORTING_POOL, seed=shuffle_seed, reshuffle_each_iteration=True)
                .map(lambda ids, labels: (_padded_to_longest(ids, cfg.padding), labels),
                     num_parallel_calls=tf.data.AUTOTUNE)
                .apply(tf.data.experimental.assert_cardinality(-(-sum(sizes) // batch_size)))
                .prefetch(tf.data.AUTOTUNE))

    def to_arrays(self, ids: tf.RaggedTensor) -> dict[str, np.ndarray]:
        """Encoded token ids as NumPy arrays, for ``feature_cache``."""
        return {"ids": ids.flat_values.numpy(), "row_splits": ids.row_splits.numpy()}

    def from_arrays(self, arrays: dict[str, np.ndarray], width: int) -> tf.RaggedTensor:
        del width  # token ids need no vector width
        return tf.RaggedTensor.from_row_splits(arrays["ids"], arrays["row_splits"], validate=False)

    def dataset(self, ids, labels: np.ndarray, batch_size: int, cfg: DataConfig, shuffle_seed: int | None = None):
        """Training batches (a shuffle seed given) of about one length; else batches padded as ``predict`` pads.

        Recurrent layers then do not step through hundreds of padding positions.
        """
        if shuffle_seed is None:
            return _bucketed_batches(ids, labels, batch_size, cfg)
        return _length_sorted_batches(ids, labels, batch_size, cfg.padding, shuffle_seed)

    def serving_layer(self, cfg: DataConfig) -> keras.layers.Layer:
        """Between the vectorizer and the network in the saved model: ragged ids → a padded batch."""
        return SequencePadding(cfg.maxlen, cfg.padding, cfg.truncating, name="padding")

    def predict(self, model: keras.Model, texts: list[str], batch_size: int) -> np.ndarray:
        """The network's outputs for raw texts, each padded as in training whatever its neighbours."""
        classifier, vectorizer = classifier_of(model), model.get_layer("vectorizer")
        padding = next(layer for layer in model.layers if isinstance(layer, SequencePadding))
        ids = tf.concat([part for _, part in counting.map_chunks(vectorizer, texts, batch_size)], axis=0)
        outputs = np.zeros((len(texts), model.output.shape[-1]), dtype=np.float32)
        for rows in width_groups(ids, padding.maxlen):
            padded = padding(tf.gather(ids, rows))
            for start in range(0, len(rows), batch_size):
                outputs[rows[start:start + batch_size]] = classifier.predict_on_batch(padded[start:start + batch_size])
        return outputs


def width_groups(ids: tf.RaggedTensor, maxlen: int) -> list[np.ndarray]:
    """The rows of each padded width (``text_layers.bucket_width``), widths ascending, rows in order within each.

    Scoring pads each group to its own width, in training and in ``predict``
    alike: a text is padded the same way whatever else is in its batch.
    """
    widths = bucket_width(ids.row_lengths(), maxlen).numpy()
    order = np.argsort(widths, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(widths[order])) + 1) if len(order) else []


def _bucketed_batches(ids, labels: np.ndarray, batch_size: int, cfg: DataConfig):
    """Batches of one padded width each, padded exactly as the saved model's ``SequencePadding`` pads."""
    buckets = [tf.data.Dataset.from_tensor_slices(
        (pad_and_truncate(tf.gather(ids, rows), cfg.maxlen, cfg.padding, cfg.truncating), labels[rows])
    ).batch(batch_size) for rows in width_groups(ids, cfg.maxlen)]
    if not buckets:
        return tf.data.Dataset.from_tensor_slices((tf.zeros([0, 1], tf.int32), labels[:0])).batch(batch_size)
    dataset = buckets[0]
    for bucket in buckets[1:]:
        dataset = dataset.concatenate(bucket)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _padded_to_longest(ids: tf.RaggedTensor, padding: str) -> tf.Tensor:
    """A training batch of ragged ids, padded to its own longest row (at least one step wide)."""
    dense = ids.to_tensor()
    dense = tf.pad(dense, [[0, 0], [0, tf.maximum(0, 1 - tf.shape(dense)[1])]])
    return move_padding_first(dense) if padding == "pre" else dense


def _length_sorted_batches(ids, labels: np.ndarray, batch_size: int, padding: str, shuffle_seed: int):
    """Training batches of sequences of nearly the same length, each padded only to its own longest.

    Each epoch shuffles the examples, sorts every ``SORTING_POOL`` batches' worth
    of them by length and cuts those into batches, which then come in random
    order: every batch is full (but the last), and a recurrent layer steps
    through fewer positions than with fixed-width buckets (benchmarks/RESULTS.md).
    """
    lengths = ids.row_lengths()

    def sort_pool(picks):
        order = tf.argsort(tf.gather(lengths, picks), stable=True)  # ties stay in shuffled order
        full = tf.size(order) // batch_size * batch_size
        batches = tf.reshape(order[:full], [-1, batch_size])
        # A batch's earliest place in the shuffled pool is as random as the shuffle: order batches by it.
        batches = tf.gather(batches, tf.argsort(tf.reduce_min(batches, axis=1)))
        return tf.gather(picks, tf.concat([tf.reshape(batches, [-1]), order[full:]], axis=0))

    def gather(picks):
        return _padded_to_longest(tf.gather(ids, picks), padding), tf.gather(labels, picks)

    return (tf.data.Dataset.range(len(labels))
            .shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True)
            .batch(SORTING_POOL * batch_size).map(sort_pool).unbatch()
            .batch(batch_size).map(gather)
            .apply(tf.data.experimental.assert_cardinality(-(-len(labels) // batch_size)))
            .prefetch(tf.data.AUTOTUNE))
