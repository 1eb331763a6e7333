"""Explanations shown: lines for the terminal, and a self-contained HTML page of shaded texts.

The strongest words are marked in the terminal ([word]+ raises the explained class's score, [word]- lowers
it); the page shades every word, green for, red against, by its share of the largest.
"""

from __future__ import annotations

import html

from textclf.explanation.attribution import Explanation

MARKED = 3  # words marked each way in the terminal


def _signed(value: float) -> str:
    return f"{value:+.3g}".replace("-", "−")


def _terms_line(explanation: Explanation, sign: int, top: int) -> str:
    terms = explanation.strongest(top, sign)
    return " · ".join(f"{term} {_signed(value)}" for term, value in terms) or "(none)"


def _marked_text(explanation: Explanation) -> str:
    words = [(index, value) for index, (_, value) in enumerate(explanation.words) if value]
    raising = {index for index, value in sorted(words, key=lambda w: -w[1])[:MARKED] if value > 0}
    lowering = {index for index, value in sorted(words, key=lambda w: w[1])[:MARKED] if value < 0}
    pieces = []
    for index, (piece, _) in enumerate(explanation.words):
        pieces.append(f"[{piece}]+" if index in raising else f"[{piece}]-" if index in lowering else piece)
    return " ".join("".join(pieces).split())  # line breaks and runs of spaces as one space


def lines(explanation: Explanation, top: int = 5) -> list[str]:
    """A text's explanation in four lines."""
    e = explanation
    return [f"{e.label}  {e.probability:.3f}  ({e.method}: score {e.score:.3f} = {e.baseline:.3f} with no words "
            f"{_signed(e.score - e.baseline)} from the words)",
            f"  for {e.label}:      {_terms_line(e, 1, top)}",
            f"  against {e.label}:  {_terms_line(e, -1, top)}",
            f"  {_marked_text(e)}"]


def global_lines(found: dict, top: int) -> list[str]:
    """Each class's strongest terms for and against it (``explain --global``)."""
    out = []
    for name, sides in found.items():
        out.append(f"{name}")
        for side in ("for", "against"):
            out.append(f"  {side}: " + (" · ".join(f"{term} {_signed(value)}" for term, value in sides[side][:top])
                                         or "(none)"))
    return out


def _shade(value: float | None, largest: float) -> str:
    if not value or not largest:
        return ""
    alpha = 0.1 + 0.75 * min(1.0, abs(value) / largest)
    colour = "22,163,74" if value > 0 else "220,38,38"
    return f' style="background:rgba({colour},{alpha:.2f})" title="{_signed(value)}"'


def shaded_html(explanation: Explanation) -> str:
    """The text as written, each word shaded by its share: an HTML fragment (the text escaped)."""
    largest = max((abs(value) for _, value in explanation.words if value), default=0.0)
    return "".join(f"<span{_shade(value, largest)}>{html.escape(piece)}</span>" if value is not None
                   else html.escape(piece) for piece, value in explanation.words)


def page(explanations: list[Explanation], title: str, top: int = 5) -> str:
    """A whole page: each text shaded, with its label and its strongest terms. No script, nothing fetched."""
    sections = []
    for e in explanations:
        terms = "".join(f"<li>{html.escape(term)} <b>{_signed(value)}</b></li>"
                        for sign in (1, -1) for term, value in e.strongest(top, sign))
        sections.append(f'<section><h2>{html.escape(e.label)} <small>{e.probability:.3f}</small></h2>'
                        f'<p class="text">{shaded_html(e)}</p><p class="method">{html.escape(e.method)}: score '
                        f'{e.score:.3f} = {e.baseline:.3f} with no words {_signed(e.score - e.baseline)} from the '
                        f'words</p><ul>{terms}</ul></section>')
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>' + html.escape(title) +
            '</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}'
            '.text{white-space:pre-wrap}.method{color:#555;font-size:.9em}span[title]{border-radius:3px}'
            'section{border-top:1px solid #ddd;padding-top:.5rem}</style></head><body><h1>' + html.escape(title) +
            '</h1>' + "".join(sections) + "</body></html>\n")
