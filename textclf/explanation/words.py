"""The text as written, in pieces, each word given its share of what the model read in it.

A model reads the standardized text (lowercased, punctuation stripped or spaced, ``<br />`` gone), so its
terms are not the text's words. Each written word is standardized alone, by the model's own function: when
the words it gives, in order, are the whole text's (as they are unless a markup tag is split across
words), each standardized word knows the written word it came from. Otherwise the standardized text is
shown instead of the written one.
"""

from __future__ import annotations

import re

import tensorflow as tf

from textclf.features.char_ngrams import MARK

SEPARATOR = re.compile(r"<br\s*/?>|\s+", re.IGNORECASE)


def _split_keeping_separators(text: str) -> list[tuple[str, bool]]:
    """The text as (piece, is a word) in order; joined, the pieces are the text."""
    pieces, start = [], 0
    for match in SEPARATOR.finditer(text):
        if match.start() > start:
            pieces.append((text[start:match.start()], True))
        pieces.append((match.group(0), False))
        start = match.end()
    if start < len(text):
        pieces.append((text[start:], True))
    return pieces


def _standardized_words(texts: list[str], standardize) -> list[list[str]]:
    values = standardize(tf.constant(texts, tf.string)).numpy() if texts else []
    return [value.decode("utf-8", "replace").split() for value in values]


class WordMap:
    """One text's pieces, and for each token the model read (a standardized word, or a character of the
    standardized text for a character model) the piece it belongs to."""

    def __init__(self, text: str, standardize, characters: bool = False):
        whole = standardize(tf.constant([text], tf.string)).numpy()[0].decode("utf-8", "replace")
        if characters:  # a character model reads every character of the standardized text, spaces too
            self.tokens = list(whole)
            self.pieces = [(character, not character.isspace()) for character in whole]
            self.owner = list(range(len(whole)))
            return
        self.tokens = whole.split()
        pieces = _split_keeping_separators(text)
        words = [index for index, (_, is_word) in enumerate(pieces) if is_word]
        per_piece = _standardized_words([pieces[index][0] for index in words], standardize)
        if [word for found in per_piece for word in found] == self.tokens:
            self.pieces = pieces
            self.owner = [index for index, found in zip(words, per_piece, strict=True) for _ in found]
        else:  # the written words do not standardize one by one into the text's: show the standardized text
            self.pieces = [piece for word in self.tokens for piece in ((word, True), (" ", False))][:-1]
            self.owner = [2 * index for index in range(len(self.tokens))]

    def shaded(self, by_token) -> tuple[tuple[str, float | None], ...]:
        """Each piece with the sum of its tokens' values (``by_token``: one per token, in order); a word that
        got nothing has 0.0, a separator None."""
        totals = [0.0 if is_word else None for _, is_word in self.pieces]
        for token, value in enumerate(by_token):
            if token < len(self.owner) and totals[self.owner[token]] is not None:
                totals[self.owner[token]] += float(value)
        return tuple((piece, total) for (piece, _), total in zip(self.pieces, totals, strict=True))

    def term_positions(self, term: str, characters: bool) -> list[int]:
        """The tokens a bag term stands for: each occurrence's words for a word n-gram; for a character
        n-gram (``characters``: the bag has them, and ``term`` is marked), the words that hold it."""
        if characters and term.startswith(MARK) and len(term) > len(MARK):
            piece = term[len(MARK):]
            return [index for index, word in enumerate(self.tokens) if piece in f" {word} "]
        parts = term.split(" ")
        width = len(parts)
        return [index + offset for index in range(len(self.tokens) - width + 1)
                if self.tokens[index:index + width] == parts for offset in range(width)]

    def spread(self, terms: list[tuple[str, float]], characters: bool) -> list[float]:
        """Each token's share of the terms' contributions, a term's split evenly over the tokens it stands for."""
        shares = [0.0] * len(self.tokens)
        for term, value in terms:
            positions = self.term_positions(term, characters)
            for position in positions:
                shares[position] += value / len(positions)
        return shares
