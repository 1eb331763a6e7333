"""Prediction stage: load a run's model safely and predict raw texts in batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from textclf import inputs, rundir
from textclf.errors import TextclfError
from textclf.head import Head
from textclf.inputs import EVALUATION_BATCH
from textclf.text_model import class_names_of, load_safely, members_of


def load_model(run_dir: Path) -> keras.Model:
    """Load ``model.keras`` in Keras safe mode (``text_model.load_safely``), and check textclf made it."""
    path = Path(run_dir) / rundir.MODEL_FILE
    if not path.is_file():
        raise TextclfError(f"{run_dir}: not a finished run (no {rundir.MODEL_FILE})")
    model = load_safely(path)
    for member in members_of(model):  # an ensemble: each of the models it averages
        _check_made_by_textclf(member, path)
    return model


def _check_made_by_textclf(model, path: Path) -> None:
    """A model textclf trained: one string input, a ``vectorizer`` inside, and a classifier network after it."""
    inputs = getattr(model, "inputs", None) or []
    names = {layer.name for layer in getattr(model, "layers", [])}
    if len(inputs) != 1 or inputs[0].dtype != "string" or "vectorizer" not in names or \
            not any(isinstance(layer, keras.Model) for layer in model.layers):
        raise TextclfError(f"{path}: not a textclf model (it needs one string input and a vectorizer layer); "
                           "textclf predicts and evaluates with models it trained")


def class_names(run_dir: Path, model: keras.Model | None = None) -> list[str]:
    """The names of the model's outputs: carried by the model itself, or (older runs) read from ``run.json``."""
    names = class_names_of(model)
    if names:
        return names
    path = Path(run_dir) / rundir.RUN_FILE
    names = rundir.read_json(path).get("class_names") or []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise TextclfError(f"{path}: damaged class_names (not a list of names)")
    classes = Head.of_model(model).num_classes if model is not None else len(names)
    if names and len(names) != classes:
        raise TextclfError(f"{path}: {len(names)} class names for a model of {classes} classes")
    return names


def predict_texts(model: keras.Model, texts: list[str], batch_size: int = EVALUATION_BATCH) -> np.ndarray:
    """Class probabilities for raw texts, in the order given: what ``model`` gives, computed faster.

    The end-to-end model's own layers are used, but each text is vectorized
    once, chunks in parallel, and batched as its input kind batches for
    scoring (``inputs``), so that its prediction does not depend on its neighbours.
    """
    head = Head.of_model(model)
    if not texts:
        return np.zeros((0, head.num_classes), dtype=np.float32)
    members = members_of(model)  # an ensemble's output is the mean of its members'
    return np.mean([head.probabilities(inputs.of_model(member).predict(member, texts, batch_size))
                    for member in members], axis=0)


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    probability: float
    top: list[tuple[str, float]]
    labels: list[tuple[str, float]] | None = None  # multi-label: every label that applies, most probable first


def label_predictions(texts: list[str], probabilities: np.ndarray, names: list[str], top_k: int = 1,
                      threshold: float | None = None, thresholds=None):
    """Each text's decided label and its probability, and the ``top_k`` classes by probability.

    A multi-label model (``thresholds``: one per label) decides every label
    above its threshold (``threshold``: one for all instead); ``label`` is then the most probable.
    """
    names = names or [str(i) for i in range(probabilities.shape[1])]
    head = Head(probabilities.shape[1], multi_label=thresholds is not None)
    decided = head.decide(probabilities, thresholds if threshold is None else threshold)
    for text, row, decision in zip(texts, probabilities, decided, strict=True):
        ranked = np.argsort(-row, kind="stable")
        top = [(names[i], float(row[i])) for i in ranked[: max(1, top_k)]]
        if head.multi_label:
            applies = [(names[i], float(row[i])) for i in ranked if decision[i]]
            yield Prediction(text, names[ranked[0]], float(row[ranked[0]]), top, applies)
        else:
            yield Prediction(text, names[decision], float(row[decision]), top)


def chunks(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    """Group a stream of texts into lists of at most ``size``, without reading it all."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
