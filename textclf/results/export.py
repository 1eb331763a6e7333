"""Export stage: a TensorFlow SavedModel for TF Serving, checked against the .keras model."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from textclf.data import splits
from textclf.errors import TextclfError
from textclf.model.head import Head
from textclf.results import loading
from textclf.runs import rundir

# When the run's data is gone: texts of no domain, with the edge cases a vectorizer must survive.
FALLBACK_TEXTS = [
    "A short plain sentence.",
    "Two sentences, with punctuation! And numbers: 1, 22, 333.",
    "",
    "?!",
    "Unicode: café, naïve, 東京, 🙂",
]


def held_out_texts(run_dir: Path, count: int = 256) -> list[str]:
    """Raw test texts of the run's own data, or a few fixed sentences if the data is gone."""
    cfg = rundir.read_config(run_dir)
    try:
        test = splits.load_corpus(cfg.data, cfg.seed).test
    except TextclfError:
        return FALLBACK_TEXTS
    picked = np.random.default_rng(cfg.seed).permutation(len(test))[:count]
    return [str(test.texts[i]) for i in picked] + FALLBACK_TEXTS


def serving_function(model, class_names: list[str]):
    """The SavedModel's default signature: texts → predicted label, class probabilities and class names.

    A multi-label model's gives ``labels_applied`` (1 where a label's
    probability passes its threshold, which are stored in the SavedModel)
    and ``thresholds`` instead of one ``label``. TF Serving's row format needs
    a batch dimension on every output, so the class names come once per text.
    """
    head = Head.of_model(model)
    names = tf.constant(class_names or [str(i) for i in range(head.num_classes)])
    thresholds = tf.constant(model.thresholds if head.multi_label else [], tf.float32)

    @tf.function(input_signature=[tf.TensorSpec(None, tf.string, name="text")])
    def serve(text):
        text = tf.reshape(text, [-1])  # one string is a batch of one
        probabilities = head.probabilities_tensor(model(text, training=False))
        count = tf.shape(text)[0]
        if head.multi_label:
            decided = {"labels_applied": tf.cast(probabilities > thresholds, tf.int32),
                       "thresholds": tf.tile(thresholds[None, :], [count, 1])}
        else:
            decided = {"label": tf.gather(names, tf.argmax(probabilities, axis=1))}
        return {**decided, "probabilities": probabilities, "class_names": tf.tile(names[None, :], [count, 1])}

    return serve


def version_folder(out: Path) -> Path:
    """Where an export goes: ``out/<N>``, the version after the highest already there, the layout TF Serving
    reads (a model's folder of numbered versions); ``out`` itself when it is a new folder named by a number."""
    out = Path(out)
    if out.name.isdigit() and not out.exists():
        return out
    if out.exists() and not out.is_dir():
        raise TextclfError(f"--out: {out} is a file; give the model's folder (its versions go inside)")
    versions = [int(child.name) for child in out.iterdir() if child.name.isdigit()] if out.is_dir() else []
    return out / str(max(versions, default=0) + 1)


def export_run(run_dir: Path, out: Path, texts: list[str], tolerance: float = 1e-5) -> float:
    """Write a SavedModel with one string input named ``text``; return the largest difference.

    Its default signature returns ``label`` (string), ``probabilities`` (one
    float per class) and ``class_names``. The SavedModel is reloaded and its
    probabilities on ``texts`` compared with the ``.keras`` model's; a
    difference above ``tolerance`` is an error.
    """
    if out.exists():
        raise TextclfError(f"--out: {out} already exists; choose a new folder")
    model = loading.load_model(run_dir)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", serving_function(model, loading.class_names(run_dir, model)))
    try:
        archive.write_out(str(out), verbose=False)
    except (OSError, tf.errors.OpError) as exc:  # a parent that is a file, a read-only folder
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:150]
        raise TextclfError(f"--out: cannot write {out} ({reason})") from None
    serving = tf.saved_model.load(str(out)).signatures["serving_default"]
    inputs = list(serving.structured_input_signature[1])
    if inputs != ["text"]:
        raise TextclfError(f"{out}: exported input is {inputs}, expected ['text']")
    batch = tf.constant(texts)
    expected = Head.of_model(model).probabilities(model.predict_on_batch(batch))  # same batch, same padding
    exported = serving(text=batch)["probabilities"].numpy()
    difference = float(np.max(np.abs(exported - expected))) if len(texts) else 0.0
    if difference > tolerance:
        raise TextclfError(f"{out}: exported model disagrees with {run_dir}/model.keras by {difference:.2g}")
    if Head.of_model(model).multi_label:
        applied = serving(text=batch)["labels_applied"].numpy()
        if not np.array_equal(applied, Head.of_model(model).decide(expected, model.thresholds)):
            raise TextclfError(f"{out}: exported decisions differ from {run_dir}/model.keras'")
    return difference
