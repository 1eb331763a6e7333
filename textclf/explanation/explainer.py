"""``Explainer``: a loaded model's explanations of raw texts, and (bag models) each class's strongest terms.

Built once per model (``explain`` per command, ``serve`` per server): it decides the method from the
input kind and the network, and keeps what every explanation reuses (the path from the embeddings on).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from textclf.errors import TextclfError
from textclf.explanation import bag_terms
from textclf.explanation.attribution import Explanation
from textclf.explanation.sequence_tokens import EmbeddingPath
from textclf.explanation.words import WordMap
from textclf.features import inputs
from textclf.features.char_ngrams import TermSplit
from textclf.features.text_layers import SequencePadding, sparse_bags
from textclf.features.vocabulary_table import vocabulary_terms
from textclf.model.head import Head
from textclf.model.text_model import class_names_of, classifier_of, members_of
from textclf.results.predict import predict_texts

STEPS = 50  # integrated gradients' path points: completeness within 1 % on the tests' models


def _decoded(terms: tf.Tensor) -> list[str]:
    return [term.decode("utf-8", "replace") for term in terms.numpy()]


class Explainer:
    def __init__(self, model, steps: int = STEPS):
        if len(members_of(model)) > 1:
            raise TextclfError("explain: this run is an ensemble, whose probability is a mean of its members' that "
                               "no sum of word contributions gives; explain one of its members (RUN_DIR/members/0…)")
        if steps < 1:
            raise TextclfError(f"--steps: {steps} must be at least 1")
        self.model, self.steps, self.head = model, steps, Head.of_model(model)
        self.classifier, self.vectorizer = classifier_of(model), model.get_layer("vectorizer")
        self.names = class_names_of(model) or [str(index) for index in range(self.head.num_classes)]
        settings = self.vectorizer.get_config()
        self.standardize, split = settings["standardize"], settings["split"]
        if not callable(self.standardize):
            raise TextclfError("explain: this model's standardization is not textclf's own; retrain it")
        self.bag = inputs.of_model(model).name == "bag"
        self.characters = isinstance(split, TermSplit) if self.bag else split == "character"
        self.terms = vocabulary_terms(self.vectorizer)
        try:
            self._settle_method(model)
        except (ValueError, StopIteration, AttributeError) as exc:  # a network of another shape (an older textclf)
            raise TextclfError(f"explain: this model's network is not one textclf explains ({exc})") from None

    def _settle_method(self, model) -> None:
        if self.bag:
            self.method = "exact" if bag_terms.linear_in_bag(self.classifier) else "integrated gradients"
        else:
            self.method = "integrated gradients"
            self.path = EmbeddingPath(self.classifier)
            self.padding = next(layer for layer in model.layers if isinstance(layer, SequencePadding))

    def class_index(self, label: str | None, probabilities: np.ndarray) -> int:
        """The class a text's explanation is for: ``label`` when given, else the most probable."""
        if label is None:
            return int(np.argmax(probabilities))
        if label not in self.names:
            raise TextclfError(f"--label: {label!r} is not one of the model's classes: {', '.join(self.names)}")
        return self.names.index(label)

    def explain(self, texts: list[str], label: str | None = None, probabilities=None) -> list[Explanation]:
        """Each text's explanation for ``label`` (default: its most probable class)."""
        if probabilities is None:
            probabilities = predict_texts(self.model, texts)
        return [self._one(text, self.class_index(label, row), row) for text, row in zip(texts, probabilities,
                                                                                       strict=True)]

    def _one(self, text: str, class_index: int, probabilities: np.ndarray) -> Explanation:
        unit, sign = self.head.unit_of(class_index)
        words = WordMap(text, self.standardize, characters=self.characters and not self.bag)
        if self.bag:
            terms, baseline, score, shares = self._bag(text, words, unit, sign)
        else:
            terms, baseline, score, shares = self._sequence(text, words, unit, sign)
        method = self.method if self.method == "exact" else f"integrated gradients, {self.steps} steps"
        return Explanation(text, self.names[class_index], float(probabilities[class_index]), method, score,
                           baseline, tuple(terms), words.shaded(shares))

    def _bag(self, text: str, words: WordMap, unit: int, sign: float):
        # the terms the model reads: without the OOV count where its bag layer skips it
        bags = bag_terms.first_bag_layer(self.classifier).known_terms(sparse_bags(self.vectorizer(tf.constant([text]))))
        ids, values = bags.indices[:, 1].numpy(), bags.values.numpy().astype(np.float64)
        if self.method == "exact":
            contributions, baseline, score = bag_terms.exact(self.classifier, ids, values, unit, sign)
        else:
            contributions, baseline, score = bag_terms.integrated(self.classifier, ids, values, unit, sign,
                                                                  self.steps)
        terms = list(zip(_decoded(tf.gather(self.terms, ids)), contributions.tolist(), strict=True))
        return terms, baseline, score, words.spread(terms, self.characters)

    def _sequence(self, text: str, words: WordMap, unit: int, sign: float):
        read = self.vectorizer(tf.constant([text]))
        padded = self.padding(read).numpy()[0]
        contributions, baseline, score = self.path.attribute(padded, unit, sign, self.steps)
        count, kept = int(read.row_lengths()[0]), int(np.sum(padded != 0))
        first = count - kept if self.padding.truncating == "pre" else 0
        by_token = np.zeros(len(words.tokens))
        if len(words.tokens) == count:  # else the model's tokens are not the standardized words: no shading
            by_token[first:first + kept] = contributions[padded != 0]
        tokens = _decoded(tf.gather(self.terms, padded[padded != 0]))
        totals: dict[str, float] = {}
        for token, value in zip(tokens, contributions[padded != 0].tolist(), strict=True):
            totals[token] = totals.get(token, 0.0) + value
        return list(totals.items()), baseline, score, by_token

    def global_terms(self, top: int = 20) -> dict[str, dict[str, list[tuple[str, float]]]]:
        """Each class's ``top`` terms for and against it, by their weight per unit of value (``--global``)."""
        if not (self.bag and self.method == "exact"):
            raise TextclfError("explain --global: only for the models linear in their bag (nbsvm, linear, "
                               f"embedding_bag); this run's model is {self.classifier.name}")
        weights, _ = bag_terms.term_weights(self.classifier)
        found = {}
        for class_index, name in enumerate(self.names):
            unit, sign = self.head.unit_of(class_index)
            column = sign * weights[:, unit]
            column[:1] = 0.0  # the OOV term: what no text's words are
            order = np.argsort(-column, kind="stable")
            found[name] = {"for": self._named(order[:top], column, 1),
                           "against": self._named(order[::-1][:top], column, -1)}
        return found

    def _named(self, rows: np.ndarray, column: np.ndarray, sign: int) -> list[tuple[str, float]]:
        """The terms at ``rows`` whose weight has ``sign``, with their weights."""
        kept = np.asarray([row for row in rows if column[row] * sign > 0], dtype=np.int64)
        return list(zip(_decoded(tf.gather(self.terms, kept)), column[kept].tolist(), strict=True))
