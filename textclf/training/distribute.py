"""``train.distribute``: TensorFlow's own ``tf.distribute`` strategies, nothing home-made.

``mirrored`` copies the model to every local device (all GPUs, or
``train.devices``) and splits each global batch between them;
``multi_worker`` does the same across machines described by ``TF_CONFIG``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from textclf.config import TrainConfig
from textclf.errors import TextclfError
from textclf.runs.rundir import write_atomic


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


def _task_order() -> tuple[int, int]:
    """(this task's place, how many tasks): the chief first, then the workers in index order."""
    config = _tf_config()
    cluster, task = config.get("cluster", {}), config.get("task", {})
    chiefs = len(cluster.get("chief", []))
    place = 0 if task.get("type") == "chief" else chiefs + int(task.get("index", 0))
    return place, chiefs + len(cluster.get("worker", []))


@dataclass
class Share:
    """One worker's share of a streamed table under ``multi_worker``, and how the workers agree.

    Each worker reads every ``count``-th file from its ``index`` on, and no
    other. Numbers pass between the workers as collective sums, one row per
    worker (which also makes each wait for the others); what is not a number
    (the labels each saw, the chief's vocabulary sample) passes through files
    in a folder under ``output_dir``, which the workers share, named by a
    number the chief draws at start, so a folder left by an earlier launch is
    never read. The folder is removed once the workers have read it.
    """

    index: int
    count: int
    strategy: tf.distribute.Strategy
    output_dir: Path
    folder: Path | None = None

    @property
    def is_chief(self) -> bool:
        return self.index == 0

    def files(self, paths: list[Path], field: str) -> list[Path]:
        if len(paths) < self.count:
            raise TextclfError(f"{field}: {len(paths)} file(s) for {self.count} workers; a streamed multi_worker "
                               f"run reads whole files, at least one per worker (give shards: data/train-*.csv)")
        return paths[self.index::self.count]

    def gather(self, values) -> np.ndarray:
        """Every worker's ``values``, a row per worker: all rows are zero but each worker's own, then summed."""
        rows = np.zeros((self.count, len(values)))
        rows[self.index] = values
        per_replica = self.strategy.run(lambda: tf.constant(rows))
        # a mean over every replica: a worker's row is counted once however many local devices it has
        return self.strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica, axis=None).numpy() * self.count

    def _shared(self) -> Path:
        if self.folder is None:
            drawn = self.gather([secrets.randbelow(2**52) if self.is_chief else 0])[0, 0]
            self.folder = self.output_dir / ".textclf-workers" / f"{int(drawn):x}"
            self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def exchange(self, name: str, value) -> list:
        """Every worker's JSON ``value``, in worker order."""
        folder = self._shared()
        write_atomic(folder / f"{name}-{self.index}.json", json.dumps(value))
        self.gather([1])  # every worker has written its file
        return [json.loads((folder / f"{name}-{place}.json").read_text()) for place in range(self.count)]

    def from_chief(self, name: str, value):
        """The chief's JSON ``value`` (the others' is not written)."""
        folder = self._shared()
        if self.is_chief:
            write_atomic(folder / f"{name}.json", json.dumps(value))
        self.gather([1])
        return json.loads((folder / f"{name}.json").read_text())

    def finish(self) -> None:
        """Every worker has read what it needed: the chief removes the folder."""
        self.gather([1])
        if self.is_chief and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            with contextlib.suppress(OSError):  # other launches' folders are still there
                self.folder.parent.rmdir()

    def mean(self, scores: dict, count: int) -> dict:
        """Scores of each worker's share of a split → the scores of the whole split (means weighted by count)."""
        keys = sorted(scores)
        rows = self.gather([count, *(count * scores[k] for k in keys)])
        total = rows[:, 0].sum()
        return {k: float(rows[:, 1 + n].sum() / total) for n, k in enumerate(keys)}


def share(strategy: tf.distribute.Strategy, output_dir: str) -> Share:
    place, count = _task_order()
    return Share(place, count, strategy, Path(output_dir).expanduser())


def _replica_mean(strategy: tf.distribute.Strategy, per_replica: dict) -> dict:
    return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in per_replica.items()}


def _even_batches(dataset: tf.data.Dataset, workers: int) -> tf.data.Dataset:
    """Drop the last few batches so every worker gets as many (a collective step needs all of them)."""
    batches = int(dataset.cardinality())
    return dataset.take(batches - batches % workers) if batches > 0 else dataset


def fit_multi_worker(model, train_ds, val_ds, *, epochs: int, initial_epoch: int, callbacks: list,
                     strategy: tf.distribute.Strategy, sharded: bool = False) -> None:
    """``model.fit``'s epoch loop, run step by step under ``MultiWorkerMirroredStrategy``.

    Keras 3's own ``fit`` fails under this strategy (keras-team/keras#20585,
    tensorflow/tensorflow#72388: it reduces a nested batch, then scalar logs,
    along axes that do not exist), so the loop runs Keras's ``train_step`` and
    ``test_step`` through ``strategy.run`` itself and drives the same callbacks.
    Training batches are shared out between workers (a remainder of fewer
    batches than workers is skipped each epoch); every worker validates on the
    whole validation set. ``sharded`` data is each worker's own share already,
    in as many batches on every worker: taken as it is, and validation
    scores are the mean of the workers' shares.
    """
    workers = strategy.cluster_resolver.cluster_spec().num_tasks("worker") if strategy.cluster_resolver else 1
    whole = tf.data.Options()
    whole.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    train_ds = train_ds.with_options(whole) if sharded else _even_batches(train_ds, workers)
    train_dist = strategy.experimental_distribute_dataset(train_ds)
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
