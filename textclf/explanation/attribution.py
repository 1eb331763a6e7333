"""An explanation: a class's score split into the part no word gives and each term's contribution.

Pure Python: what the terminal, ``--json``, ``--html`` and the web page all show.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    """``score`` = ``baseline`` + Σ ``terms``' contributions: exactly for a linear bag model, within the
    integration error (``gap``) for integrated gradients.

    ``score`` is the explained class's logit (log-odds for a sigmoid unit): where contributions add up,
    unlike probabilities. ``terms`` are what the model read (n-grams, tokens), each summed over its
    occurrences; ``words`` are the text as written, in pieces, each word with its share (separators None).
    """

    text: str
    label: str
    probability: float
    method: str
    score: float
    baseline: float
    terms: tuple[tuple[str, float], ...]
    words: tuple[tuple[str, float | None], ...]

    @property
    def gap(self) -> float:
        """What the contributions miss of the score: 0 up to rounding when exact."""
        return self.score - self.baseline - sum(value for _, value in self.terms)

    def strongest(self, k: int, sign: int) -> list[tuple[str, float]]:
        """The ``k`` terms that raise (``sign`` 1) or lower (-1) the score most."""
        chosen = [term for term in self.terms if term[1] * sign > 0]
        return sorted(chosen, key=lambda term: -abs(term[1]))[:k]

    def to_dict(self, top: int | None = None) -> dict:
        terms = sorted(self.terms, key=lambda term: -abs(term[1]))[:top]
        return {"text": self.text, "label": self.label, "probability": self.probability, "method": self.method,
                "score": self.score, "baseline": self.baseline,
                "terms": [{"term": term, "contribution": value} for term, value in terms],
                "words": [{"text": piece, "contribution": value} for piece, value in self.words]}
