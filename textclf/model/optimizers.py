"""The optimizers ``train.optimizer`` names, and a lazy Adam that updates only the rows a batch touches.

The bag models gather the rows of their large tables that a batch holds
(``model.layers.bag_product``), so those tables' gradients are ``IndexedSlices``.
Keras' Adam turns them into a dense update of the whole table, its moments
included (200,000 × 64 floats, three times, every step). ``lazy_adam``
updates the moments and weights of the touched rows only, as TensorFlow 1's
``LazyAdamOptimizer`` did; dense gradients get Keras' own Adam step.
Keras' SGD (without momentum), RMSprop and Adagrad already apply
``IndexedSlices`` to the weights row by row.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="textclf", name="LazyAdam")
class LazyAdam(keras.optimizers.Adam):
    """Adam whose sparse updates touch only the gradient's rows: their moments decay when they are seen.

    A row that no batch holds keeps its weights and moments. Checkpoints
    that hold this optimizer load wherever ``textclf.optimizers`` is imported.
    """

    def update_step(self, gradient, variable, learning_rate):
        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        rows, segments = tf.unique(gradient.indices)  # a row held by several texts: one summed update
        values = tf.math.unsorted_segment_sum(tf.cast(gradient.values, dtype), segments, tf.shape(rows)[0])
        step = tf.cast(self.iterations + 1, dtype)
        alpha = tf.cast(learning_rate, dtype) * tf.sqrt(1 - tf.pow(tf.cast(self.beta_2, dtype), step)) / (
            1 - tf.pow(tf.cast(self.beta_1, dtype), step))
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        m_rows = self.beta_1 * tf.gather(m.value, rows) + (1 - self.beta_1) * values
        v_rows = self.beta_2 * tf.gather(v.value, rows) + (1 - self.beta_2) * tf.square(values)
        self.assign(m, tf.IndexedSlices(m_rows, rows))
        self.assign(v, tf.IndexedSlices(v_rows, rows))
        self.assign_sub(variable, tf.IndexedSlices(alpha * m_rows / (tf.sqrt(v_rows) + self.epsilon), rows))


OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "lazy_adam": LazyAdam,
    "adamw": keras.optimizers.AdamW,
    "adagrad": keras.optimizers.Adagrad,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


def learning_rate(rate: float, schedule: str = "constant", total_steps: int = 1):
    """``train.learning_rate`` as ``train.lr_schedule`` shapes it over ``total_steps`` (epochs × batches)."""
    if schedule == "constant":
        return rate
    if schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(rate, decay_steps=max(1, total_steps))
    warmup = max(1, total_steps // 10)
    return keras.optimizers.schedules.CosineDecay(0.0, decay_steps=max(1, total_steps - warmup),
                                                  warmup_target=rate, warmup_steps=warmup)


def make(name: str, rate: float, schedule: str = "constant", total_steps: int = 1) -> keras.optimizers.Optimizer:
    return OPTIMIZERS[name](learning_rate=learning_rate(rate, schedule, total_steps))
