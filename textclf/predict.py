"""Prediction stage: load a run's model safely and predict raw texts in batches."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from textclf import rundir
from textclf.errors import TextclfError
from textclf.featurize import map_chunks
from textclf.head import Head
from textclf.layers import SequencePadding, bucket_width, sparse_bags
from textclf.ngram_bags import bag_vectorizer
from textclf.text_model import class_names_of, load_safely


def load_model(run_dir: Path) -> keras.Model:
    """Load ``model.keras`` in Keras safe mode (``text_model.load_safely``), and check textclf made it."""
    path = Path(run_dir) / rundir.MODEL_FILE
    if not path.is_file():
        raise TextclfError(f"{run_dir}: not a finished run (no {rundir.MODEL_FILE})")
    model = load_safely(path)
    _check_made_by_textclf(model, path)
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


def _padding_layer(model: keras.Model) -> SequencePadding | None:
    return next((layer for layer in model.layers if isinstance(layer, SequencePadding)), None)


def _classifier(model: keras.Model) -> keras.Model:
    """The trained network inside the end-to-end model (vectorized input in, probabilities out)."""
    return next(layer for layer in model.layers if isinstance(layer, keras.Model))


_BAG_PREDICTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _bag_predictor(model: keras.Model):
    """An end-to-end bag model as one function of a batch of strings, traced once per model.

    ``textclf predict --file`` calls ``predict_texts`` once per chunk of
    lines; tracing the vectorizer and the network anew for each chunk would
    cost more than predicting it. The first bag layer multiplies the
    vectorizer's SparseTensor as it comes, and the rest of the network runs
    as a model of that layer's output: the same numbers as the classifier on
    (ids, values), without the round trip through them. The bag vectors come
    from ``ngram_bags`` where it covers the vectorizer: the same, faster.
    """
    if model not in _BAG_PREDICTORS:
        vectorizer, classifier = model.get_layer("vectorizer"), _classifier(model)
        first = next(layer for layer in classifier.layers if hasattr(layer, "call_on_bags"))
        rest = keras.Model(first.output, classifier.output)
        vectorize = bag_vectorizer(vectorizer) or (lambda texts: sparse_bags(vectorizer(texts)))

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def predict(texts):
            return rest(first.call_on_bags(tf.cast(vectorize(texts), tf.float32)), training=False)

        _BAG_PREDICTORS[model] = predict
    return _BAG_PREDICTORS[model]


def predict_texts(model: keras.Model, texts: list[str], batch_size: int = 256) -> np.ndarray:
    """Class probabilities for raw texts, in the order given: what ``model`` gives, computed faster.

    The end-to-end model's own layers are used, but each text is vectorized
    once, chunks in parallel; sequences of one padded width are batched
    together, so each is padded as it was in training and its prediction does
    not depend on its neighbours.
    """
    if not texts:
        return np.zeros((0, Head.of_model(model).num_classes), dtype=np.float32)
    padding = _padding_layer(model)
    if padding is None:  # a bag's prediction does not depend on its batch: the whole model runs in tf.data
        probabilities = [part for _, part in map_chunks(_bag_predictor(model), texts, batch_size)]
        return Head.of_model(model).probabilities(np.concatenate(probabilities))
    classifier, vectorizer = _classifier(model), model.get_layer("vectorizer")
    ids = tf.concat([part for _, part in map_chunks(vectorizer, texts, batch_size)], axis=0)
    widths = bucket_width(ids.row_lengths(), padding.maxlen).numpy()
    order = np.argsort(widths, kind="stable")
    probabilities = np.zeros((len(texts), model.output.shape[-1]), dtype=np.float32)
    start = 0
    while start < len(order):
        stop = min(start + batch_size, len(order))
        stop = start + int(np.sum(widths[order[start:stop]] == widths[order[start]]))
        batch = order[start:stop]
        probabilities[batch] = classifier.predict_on_batch(padding(tf.gather(ids, batch)))
        start = stop
    return Head.of_model(model).probabilities(probabilities)


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    probability: float
    top: list[tuple[str, float]]


def label_predictions(texts: list[str], probabilities: np.ndarray, names: list[str], top_k: int = 1,
                      threshold: float | None = None):
    """Each text's decided label and its probability, and the ``top_k`` classes by probability."""
    names = names or [str(i) for i in range(probabilities.shape[1])]
    decided = Head(probabilities.shape[1]).decide(probabilities, threshold)
    for text, row, label in zip(texts, probabilities, decided, strict=True):
        ranked = np.argsort(-row)[: max(1, top_k)]
        top = [(names[i], float(row[i])) for i in ranked]
        yield Prediction(text, names[label], float(row[label]), top)


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
