"""Prediction: class probabilities for raw texts, in batches, and each text's decided label and top classes.

The model comes from ``loading``; each member of an ensemble predicts through
its own input kind (``features.inputs``), and the head turns outputs into
probabilities and decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import keras
import numpy as np

from textclf.features import inputs
from textclf.features.inputs import EVALUATION_BATCH
from textclf.model.head import Head
from textclf.model.text_model import member_weights, members_of


def predict_texts(model: keras.Model, texts: list[str], batch_size: int = EVALUATION_BATCH) -> np.ndarray:
    """Class probabilities for raw texts, in the order given: what ``model`` gives, computed faster.

    The end-to-end model's own layers are used, but each text is vectorized
    once, chunks in parallel, and batched as its input kind batches for
    scoring (``inputs``), so that its prediction does not depend on its neighbours.
    """
    head = Head.of_model(model)
    if not texts:
        return np.zeros((0, head.num_classes), dtype=np.float32)
    members = members_of(model)  # an ensemble's output is the (weighted) mean of its members'
    return np.average([head.probabilities(inputs.of_model(member).predict(member, texts, batch_size))
                       for member in members], axis=0, weights=member_weights(model))


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    probability: float
    top: list[tuple[str, float]]
    labels: list[tuple[str, float]] | None = None  # multi-label: every label that applies, most probable first
    probabilities: dict[str, float] | None = None  # every class's, by name, in the model's order

    @property
    def empty(self) -> bool:
        """A text with nothing in it: labelled as the model would, but shown as empty (``show``)."""
        return not self.text.strip()


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
        every = {name: float(value) for name, value in zip(names, row, strict=True)}
        if head.multi_label:
            applies = [(names[i], float(row[i])) for i in ranked if decision[i]]
            yield Prediction(text, names[ranked[0]], float(row[ranked[0]]), top, applies, every)
        else:
            yield Prediction(text, names[decision], float(row[decision]), top, None, every)


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
