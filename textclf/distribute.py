"""``train.distribute``: TensorFlow's own ``tf.distribute`` strategies, nothing home-made.

``mirrored`` copies the model to every local device (all GPUs, or
``train.devices``) and splits each global batch between them;
``multi_worker`` does the same across machines described by ``TF_CONFIG``.
"""

from __future__ import annotations

import json
import os

import tensorflow as tf

from textclf.config import TrainConfig
from textclf.errors import TextclfError


def make_strategy(train: TrainConfig) -> tf.distribute.Strategy:
    """The strategy ``train.distribute`` names; create it before any other TensorFlow work."""
    if train.distribute == "none":
        return tf.distribute.get_strategy()
    if train.distribute == "mirrored":
        available = {device.name.lower().replace("/device:", "/") for device in tf.config.list_logical_devices()}
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
