"""The network layers of textclf's models that Keras lacks: bag layers over (ids, values), and positions.

Registered under the ``textclf`` package, so that a saved ``model.keras``
loads in safe mode wherever this module is imported (``results.loading``).
The text-processing layers that feed them live in ``features.text_layers``.
"""

import keras
import tensorflow as tf


def sparse_bag(ids, values, width):
    """Padded (ids, values) → the SparseTensor of the batch's bag vectors (padding has value 0)."""
    where = tf.where(tf.not_equal(values, 0))
    columns = tf.cast(tf.gather_nd(ids, where), tf.int64)
    shape = tf.stack([tf.shape(ids, out_type=tf.int64)[0], tf.constant(width, tf.int64)])
    return tf.SparseTensor(tf.stack([where[:, 0], columns], axis=1), tf.gather_nd(values, where), shape)


# A table of at least this many entries gets sparse gradients (see ``bag_product``); a smaller one a
# dense gradient, which costs less than gathering and deduplicating rows (benchmarks/RESULTS.md,
# "Design measurements").
SPARSE_GRADIENT_ENTRIES = 1_000_000


def gathered(table, ids):
    """``table``'s rows ``ids``, read from the variable itself (``ResourceGather``) where ``table`` is one.

    A variable that a sparse update has written (``LazyAdam``'s scatter) is
    copied whole by every dense read, to keep reads consistent: the whole
    table, every step, with a page fault per page of the copy (benchmarks/RESULTS.md,
    "Design measurements"). Gathering from the variable reads the rows only,
    and its gradient is ``IndexedSlices`` all the same.
    """
    return tf.gather(table.value if isinstance(table, keras.Variable) else table, ids)


def per_text(bags, dtype, how: str):
    """Each bag's Σ values (``how="mean"``) or L2 norm (``"l2"``): what a bag layer divides a text's output by."""
    values = tf.cast(bags.values, dtype)
    rows, count = bags.indices[:, 0], bags.dense_shape[0]
    if how == "mean":
        return tf.math.unsorted_segment_sum(values, rows, count)
    return tf.sqrt(tf.math.unsorted_segment_sum(tf.square(values), rows, count))


def bag_product(bags, table, sparse_gradient: bool):
    """Each bag vector times ``table``, as a sparse × dense product: it reads only the non-zero entries.

    With ``sparse_gradient`` the table's gradient is ``IndexedSlices`` of the
    rows the batch holds (one per non-zero entry: its value times the output
    gradient of its text), and a sparse-aware optimizer (``textclf.optimizers``)
    updates nothing else: a step costs the batch's non-zeros, not the size of
    an 800,000-row trigram table or a 200,000 × 64 embedding table. The
    forward pass gives the same product either way (there, the gathered rows
    summed per text). XLA cannot compile a SparseTensor, hence the bag layers'
    ``supports_jit = False``.
    """
    values = tf.cast(bags.values, table.dtype)
    bags = tf.SparseTensor(bags.indices, values, bags.dense_shape)
    if not sparse_gradient:
        return tf.sparse.sparse_dense_matmul(bags, table)

    # The rows a batch holds, gathered: their gradient is IndexedSlices by itself. (A tf.custom_gradient did the
    # same, but TensorFlow keeps each traced custom gradient in a global registry, and with it the graph that
    # holds the table: every trial's table and optimizer moments stayed in memory until the process ended.)
    rows = gathered(table, bags.indices[:, 1]) * values[:, None]
    return tf.math.unsorted_segment_sum(rows, bags.indices[:, 0], bags.dense_shape[0])


class _BagLayer(keras.layers.Layer):
    """A layer of a bag given as (ids, values) of its non-zero entries; subclasses say ``call_on_bags``.

    ``skip_unseen`` drops column 0, the vectorizer's OOV count of terms its
    vocabulary lacks (``model.unseen_terms``), wherever a bag comes in:
    training batches, raw-string prediction and explanation alike. Off, as
    models saved before the setting were trained.
    """

    def call(self, inputs):
        ids, values = inputs
        return self.call_on_bags(sparse_bag(ids, values, self.input_dim))

    def known_terms(self, bags):
        """The bags as this layer reads them: without the OOV column where it skips it."""
        return tf.sparse.retain(bags, tf.not_equal(bags.indices[:, 1], 0)) if self.skip_unseen else bags

    def get_config(self):
        return {**super().get_config(), "skip_unseen": self.skip_unseen}


@keras.saving.register_keras_serializable(package="textclf", name="BagDense")
class BagDense(_BagLayer):
    """A Dense layer over a bag given as (ids, values): Σ values_j · kernel[ids_j] (+ bias).

    The same result as ``Dense`` on the full bag vector, computed from its
    non-zero entries only. ``combiner="mean"`` divides by Σ values: the
    averaged token embeddings of fastText when the kernel is an embedding table;
    ``"l2"`` by the bag's L2 norm, as scikit-learn normalizes TF-IDF rows.
    """

    def __init__(self, input_dim, units, activation=None, use_bias=True, combiner="sum",
                 kernel_initializer="glorot_uniform", skip_unseen=False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.units, self.use_bias, self.combiner = input_dim, units, use_bias, combiner
        self.skip_unseen = bool(skip_unseen)
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.supports_jit = False

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(self.input_dim, self.units), initializer=self.kernel_initializer,
                                      name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias") if self.use_bias else None

    def scale_logits(self, factor: float) -> None:
        """Multiply every output before the activation by ``factor`` (temperature scaling)."""
        self.kernel.assign(self.kernel * factor)
        if self.bias is not None:
            self.bias.assign(self.bias * factor)

    def call_on_bags(self, bags):
        """The layer on a batch of bag vectors as one float SparseTensor, the vectorizer's own output."""
        bags = self.known_terms(bags)
        x = bag_product(bags, self.kernel, self.input_dim * self.units >= SPARSE_GRADIENT_ENTRIES)
        if self.combiner != "sum":  # an empty text: zeros (1e-9 is 0 in float16)
            x = tf.math.divide_no_nan(x, per_text(bags, x.dtype, self.combiner)[:, None])
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.units)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "units": self.units,
                "activation": keras.activations.serialize(self.activation), "use_bias": self.use_bias,
                "combiner": self.combiner, "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}


@keras.saving.register_keras_serializable(package="textclf", name="NaiveBayesLinear")
class NaiveBayesLinear(_BagLayer):
    """NBSVM (Wang & Manning, 2012) as a layer: logits = Σ values_j · r_j · (nb_weight + w_j) + b.

    ``r`` holds the log-count ratios of the training split (set with
    ``set_ratios``, never trained); ``w`` starts at zero, so training starts
    from the Naive Bayes classifier scaled by ``nb_weight`` and moves towards
    a logistic regression on the NB-scaled features. ``normalize`` divides a
    text's logits by the root of its number of terms: without it a text's
    logit, and each step's change to it, grows with its terms, which character
    n-grams multiply.
    """

    def __init__(self, input_dim, units, nb_weight, normalize=False, skip_unseen=False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.units, self.nb_weight, self.normalize = input_dim, units, nb_weight, bool(normalize)
        self.skip_unseen = bool(skip_unseen)
        self.supports_jit = False

    def build(self, input_shape):
        shape = (self.input_dim, self.units)
        self.ratios = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="ratios")
        self.kernel = self.add_weight(shape=shape, initializer="zeros", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def scale_logits(self, factor: float) -> None:
        """Multiply every logit by ``factor`` (temperature scaling): the ratios and the bias carry it."""
        self.ratios.assign(self.ratios * factor)
        self.bias.assign(self.bias * factor)

    def set_ratios(self, ratios):
        self.ratios.assign(ratios)

    def call_on_bags(self, bags):
        """The layer on a batch of bag vectors as one float SparseTensor, the vectorizer's own output."""
        # One column: gathering the rows of the batch's n-grams is cheap, and gives the kernel a sparse gradient.
        bags = self.known_terms(bags)
        ids = bags.indices[:, 1]
        weights = gathered(self.ratios, ids) * (self.nb_weight + gathered(self.kernel, ids))
        values = tf.cast(bags.values, weights.dtype)[:, None]
        rows, count = bags.indices[:, 0], bags.dense_shape[0]
        logits = tf.math.unsorted_segment_sum(weights * values, rows, count)
        if self.normalize:  # an empty text: zeros, then the bias
            logits = tf.math.divide_no_nan(logits, per_text(bags, weights.dtype, "l2")[:, None])
        return logits + self.bias

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.units)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "units": self.units, "nb_weight": self.nb_weight,
                "normalize": self.normalize}


@keras.saving.register_keras_serializable(package="textclf", name="PositionEncoding")
class PositionEncoding(keras.layers.Layer):
    """Token embeddings × √dim plus sinusoidal position encodings (Vaswani et al., 2017).

    No weights and no length limit, so it fits batches of any padded width.
    """

    def call(self, embeddings):
        # The angles are computed in float32 even under mixed precision: float16 would
        # blur positions past a few hundred.
        length, dim = tf.shape(embeddings)[1], embeddings.shape[-1]
        positions = tf.cast(tf.range(length), tf.float32)[:, None]
        rates = tf.pow(10000.0, -tf.cast(2 * (tf.range(dim) // 2), tf.float32) / dim)
        angles = positions * rates[None, :]
        encoding = tf.cast(tf.where(tf.range(dim) % 2 == 0, tf.sin(angles), tf.cos(angles)), embeddings.dtype)
        return embeddings * tf.cast(tf.sqrt(float(dim)), embeddings.dtype) + encoding[None, :, :]


@keras.saving.register_keras_serializable(package="textclf", name="PaddingMask")
class PaddingMask(keras.layers.Layer):
    """True at real tokens (id > 0). An empty text keeps every position: attention over
    nothing, and an average over nothing, would be NaN."""

    def call(self, ids):
        mask = tf.not_equal(ids, 0)
        return tf.logical_or(mask, tf.logical_not(tf.reduce_any(mask, axis=1, keepdims=True)))

    def compute_output_spec(self, ids):
        return keras.KerasTensor(ids.shape, dtype="bool")
