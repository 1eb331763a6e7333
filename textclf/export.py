"""Export stage: a TensorFlow SavedModel for TF Serving, checked against the .keras model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from textclf import data, predict
from textclf.errors import TextclfError
from textclf.evaluate import run_config

FALLBACK_TEXTS = [
    "A wonderful, moving film with superb acting.",
    "Dull, clumsy and far too long. A waste of an evening.",
    "",
    "?!",
    "Not bad at all, though the ending drags.",
]


def held_out_texts(run_dir: Path, count: int = 256) -> list[str]:
    """Raw test texts of the run's own data, or a few fixed sentences if the data is gone."""
    cfg = run_config(run_dir)
    try:
        test = data.load_corpus(cfg.data, cfg.seed).test
    except TextclfError:
        return FALLBACK_TEXTS
    picked = np.random.default_rng(cfg.seed).permutation(len(test))[:count]
    return [str(test.texts[i]) for i in picked] + FALLBACK_TEXTS


def export_run(run_dir: Path, out: Path, texts: list[str], tolerance: float = 1e-5) -> float:
    """Write a SavedModel with one string input named ``text``; return the largest difference.

    The SavedModel is reloaded and its probabilities on ``texts`` compared with
    the ``.keras`` model's; a difference above ``tolerance`` is an error.
    """
    if out.exists():
        raise TextclfError(f"--out: {out} already exists; choose a new folder")
    model = predict.load_model(run_dir)
    model.export(str(out), format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(str(out))
    serving = reloaded.signatures["serving_default"]
    inputs = list(serving.structured_input_signature[1])
    if inputs != ["text"]:
        raise TextclfError(f"{out}: exported input is {inputs}, expected ['text']")
    batch = tf.constant(texts)
    expected = model.predict_on_batch(batch)
    exported = next(iter(serving(text=batch).values())).numpy()
    difference = float(np.max(np.abs(exported - expected))) if len(texts) else 0.0
    if difference > tolerance:
        raise TextclfError(f"{out}: exported model disagrees with {run_dir}/model.keras by {difference:.2g}")
    return difference
