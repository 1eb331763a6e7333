"""``train.distribute``: TensorFlow's own ``tf.distribute`` strategies, nothing home-made.

``mirrored`` copies the model to every local device (all GPUs, or
``train.devices``) and splits each global batch between them;
``multi_worker`` does the same across machines described by ``TF_CONFIG``.
"""

from __future__ import annotations

import json
import os

import keras
import tensorflow as tf

from textclf.config import TrainConfig
from textclf.errors import TextclfError


def make_strategy(train: TrainConfig) -> tf.distribute.Strategy:
    """The strategy ``train.distribute`` names; create it before any other TensorFlow work."""
    if train.distribute == "none":
        return tf.distribute.get_strategy()
    if train.distribute == "mirrored":
        available = {_short(device.name) for device in tf.config.list_logical_devices()}
        missing = [d for d in train.devices or [] if _short(d) not in available]
        if missing:
            raise TextclfError(f"train.devices: no device {missing[0]!r} here; "
                               f"available: {', '.join(sorted(available))}")
        return tf.distribute.MirroredStrategy(devices=train.devices)
    cluster = _tf_config()
    if not cluster:
        raise TextclfError("train.distribute: multi_worker needs the TF_CONFIG environment variable "
                           "(cluster and task; see the README)")
    return tf.distribute.MultiWorkerMirroredStrategy()


def _short(device: str) -> str:
    """'/job:localhost/replica:0/task:0/device:CPU:1' and '/cpu:1' → '/cpu:1'."""
    return "/" + device.lower().replace("/device:", "/").rsplit("/", 1)[-1]


def _tf_config() -> dict:
    try:
        return json.loads(os.environ.get("TF_CONFIG", "") or "{}")
    except json.JSONDecodeError as exc:
        raise TextclfError(f"TF_CONFIG: not valid JSON ({exc})") from None


def is_chief() -> bool:
    """Whether this process writes the run directory: always, except on non-chief workers."""
    config = _tf_config()
    task = config.get("task", {})
    if not task:
        return True
    if task.get("type") == "chief":
        return True
    return task.get("type") == "worker" and task.get("index") == 0 and "chief" not in config.get("cluster", {})


def _replica_mean(strategy: tf.distribute.Strategy, per_replica: dict) -> dict:
    return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in per_replica.items()}


def _even_batches(dataset: tf.data.Dataset, workers: int) -> tf.data.Dataset:
    """Drop the last few batches so every worker gets as many (a collective step needs all of them)."""
    batches = int(dataset.cardinality())
    return dataset.take(batches - batches % workers) if batches > 0 else dataset


def fit_multi_worker(model, train_ds, val_ds, *, epochs: int, initial_epoch: int, callbacks: list,
                     strategy: tf.distribute.Strategy) -> None:
    """``model.fit``'s epoch loop, run step by step under ``MultiWorkerMirroredStrategy``.

    Keras 3's own ``fit`` fails under this strategy (keras-team/keras#20585,
    tensorflow/tensorflow#72388: it reduces a nested batch, then scalar logs,
    along axes that do not exist), so the loop runs Keras's ``train_step`` and
    ``test_step`` through ``strategy.run`` itself and drives the same callbacks.
    Training batches are shared out between workers (a remainder of fewer
    batches than workers is skipped each epoch); every worker validates on the
    whole validation set.
    """
    workers = strategy.cluster_resolver.cluster_spec().num_tasks("worker") if strategy.cluster_resolver else 1
    train_dist = strategy.experimental_distribute_dataset(_even_batches(train_ds, workers))
    whole = tf.data.Options()
    whole.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    val_dist = strategy.experimental_distribute_dataset(val_ds.with_options(whole))

    train_step, test_step = (_replicated(strategy, step) for step in (model.train_step, model.test_step))
    callback_list = keras.callbacks.CallbackList(callbacks, model=model, epochs=epochs)
    callback_list.on_train_begin()
    model.stop_training = False
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        logs = {}
        for step, batch in enumerate(train_dist):
            logs = {k: float(v) for k, v in train_step(batch).items()}
            callback_list.on_train_batch_end(step, logs)
        model.reset_metrics()
        for batch in val_dist:
            val_logs = test_step(batch)
        callback_list.on_epoch_end(epoch, {**logs, **{f"val_{k}": float(v) for k, v in val_logs.items()}})
        if model.stop_training:
            break
    callback_list.on_train_end()


def _replicated(strategy: tf.distribute.Strategy, step):
    """Keras' ``train_step`` or ``test_step`` run on every replica, its logs averaged across them."""
    @tf.function(reduce_retracing=True)
    def replicated(batch):
        return _replica_mean(strategy, strategy.run(step, args=(batch,)))

    return replicated
