"""The text-processing pieces inside every saved model: standardization, padding, and bag vectors as ids.

They are registered under the ``textclf`` package so that ``model.keras``
loads in safe mode (no lambdas) wherever this module is imported
(``results.loading``). The training pipeline uses the very same functions, so
training-time and serving-time preprocessing cannot drift apart. The network
layers that read their output are ``model.layers``.
"""

import keras
import tensorflow as tf

PUNCTUATION = r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
# Markup line breaks, every separator but the plain space (which would otherwise be replaced by itself at
# every word: much slower), and control characters.
SEPARATORS = r"<br\s*/?>|[^\P{Z} ]|[\p{Cc}\p{Cf}]"


@keras.saving.register_keras_serializable(package="textclf", name="standardize")
def standardize(text):
    """Lowercase, turn ``<br />`` into a space, strip punctuation.

    Control characters and Unicode separators (IMDB has U+0085, "next line")
    become spaces too: a token holding one would break the vocabulary file
    that ``model.keras`` stores one token per line.
    """
    return tf.strings.regex_replace(tf.strings.lower(text), SEPARATORS + "|" + PUNCTUATION, " ")  # one pass


@keras.saving.register_keras_serializable(package="textclf", name="standardize_keeping_punctuation")
def standardize_keeping_punctuation(text):
    """As ``standardize``, but each punctuation mark becomes a word of its own: "loved it!!" → "loved it ! !".

    On sentences, "!", "?" and quotes tell opinion from fact (``data.punctuation: keep``;
    benchmarks/RESULTS.md, "Design measurements").
    """
    spaced = tf.strings.regex_replace(tf.strings.lower(text), SEPARATORS, " ")
    return tf.strings.regex_replace(spaced, PUNCTUATION, r" \0 ")


STANDARDIZERS = {"strip": standardize, "keep": standardize_keeping_punctuation}  # by data.punctuation


def truncate(ragged, maxlen, truncating="post"):
    """Cut ragged token ids to at most ``maxlen``; ``pre`` keeps the end of a long text."""
    return ragged[:, -maxlen:] if truncating == "pre" else ragged[:, :maxlen]


def move_padding_first(dense):
    """Turn a right-padded batch into a left-padded one (token id 0 is only ever padding)."""
    lengths = tf.reduce_sum(tf.cast(tf.not_equal(dense, 0), tf.int64), axis=1)
    return tf.reverse(tf.reverse_sequence(dense, lengths, seq_axis=1, batch_axis=0), axis=[1])


def bucket_step(maxlen):
    """Sequence lengths are rounded up to a multiple of this (about 16 widths up to ``maxlen``)."""
    return max(8, maxlen // 16)


def bucket_width(length, maxlen):
    """The padded width of a sequence of ``length`` tokens: the next multiple of the step, at most ``maxlen``."""
    step = bucket_step(maxlen)
    length = tf.cast(length, tf.int64)
    rounded = tf.maximum(tf.constant(1, tf.int64), (length + step - 1) // step) * step
    return tf.minimum(rounded, maxlen)


def pad_and_truncate(ragged, maxlen, padding="post", truncating="post"):
    """Like ``keras.utils.pad_sequences``, in the graph, but padded to a bucket width.

    The batch is padded to the bucket width of its longest row rather than to
    ``maxlen``, so short texts are not padded to hundreds of positions. A text
    gets the same padding whatever else is in its batch as long as the batch
    holds one bucket, which is how training and ``textclf predict`` batch.
    """
    ids = truncate(ragged, maxlen, truncating)
    longest = tf.reduce_max(tf.concat([ids.row_lengths(), tf.zeros([1], tf.int64)], axis=0))
    dense = ids.to_tensor()
    dense = tf.pad(dense, [[0, 0], [0, bucket_width(longest, maxlen) - tf.shape(dense, tf.int64)[1]]])
    return move_padding_first(dense) if padding == "pre" else dense


@keras.saving.register_keras_serializable(package="textclf", name="SequencePadding")
class SequencePadding(keras.layers.Layer):
    """Ragged token ids → a dense batch padded/truncated as configured."""

    def __init__(self, maxlen, padding="post", truncating="post", **kwargs):
        super().__init__(**kwargs)
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating

    def call(self, ragged):
        return pad_and_truncate(ragged, self.maxlen, self.padding, self.truncating)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None)

    def get_config(self):
        return {
            **super().get_config(),
            "maxlen": self.maxlen,
            "padding": self.padding,
            "truncating": self.truncating,
        }


def ragged_bag(bags):
    """Sparse bag vectors → ragged (ids, values) of each row's non-zero entries."""
    rows, count = bags.indices[:, 0], bags.dense_shape[0]
    # Bag vectors come out of TextVectorization in row order; checking that costs a third of this function.
    ids = tf.RaggedTensor.from_value_rowids(tf.cast(bags.indices[:, 1], tf.int32), rows, nrows=count, validate=False)
    values = tf.RaggedTensor.from_value_rowids(tf.cast(bags.values, tf.float32), rows, nrows=count, validate=False)
    return ids, values


def sparse_bags(bags):
    """The vectorizer's bag vectors as a SparseTensor (tf-idf comes dense): a conversion, not a choice of
    input kind (that is ``inputs``)."""
    return bags if isinstance(bags, tf.SparseTensor) else tf.sparse.from_dense(bags)


def bag_ids(bags):
    """Bag vectors (sparse, or dense as tf-idf comes) → padded (ids, values) of their non-zero entries."""
    ids, values = ragged_bag(sparse_bags(bags))
    return ids.to_tensor(), values.to_tensor()


@keras.saving.register_keras_serializable(package="textclf", name="BagIds")
class BagIds(keras.layers.Layer):
    """The vectorizer's bag vectors → the (ids, values) pair the bag models take."""

    def call(self, bags):
        return bag_ids(bags)

    def compute_output_spec(self, bags):
        batch = bags.shape[0]
        return (keras.KerasTensor((batch, None), dtype="int32"), keras.KerasTensor((batch, None), dtype="float32"))
