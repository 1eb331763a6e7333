"""``report.html``: one self-contained page (pictures inlined, no script, no network) with the class counts,
the text lengths, the given against the suggested labels, and the tables of what was found."""

from __future__ import annotations

import base64
import html
import io

import numpy as np

from textclf.inspection.findings import Inspection
from textclf.results import plots

CONFUSION_CLASSES = 20  # the page's confusion picture: the classes most involved in likely label errors
STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;
vertical-align:top}th{background:#f3f3f3}td.text{max-width:45em;word-wrap:break-word}img{max-width:100%}
li{margin:.3em 0}"""


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plots.plt.close(fig)
    return _img(buffer.getvalue())


def _img(data: bytes, alt: str = "chart") -> str:
    return f'<img alt="{alt}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def class_chart(shape: dict) -> str:
    names, counts = shape["classes"], shape["class_counts"]
    fig, ax = plots.plt.subplots(figsize=(8, max(2.5, 0.28 * len(names) + 1)))
    left = np.zeros(len(names))
    for split, values in counts.items():
        widths = np.array([values[name] for name in names])
        ax.barh(range(len(names)), widths, left=left, label=split)
        left += widths
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("texts")
    ax.set_title("Texts per class")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return _png(fig)


def length_chart(shape: dict) -> str:
    histogram = shape["length_histogram"]
    fig, ax = plots.plt.subplots(figsize=(8, 3))
    edges = np.array(histogram["edges"])
    if len(edges) > 1:
        ax.bar(edges[:-1], histogram["counts"], width=np.diff(edges), align="edge")
    ax.axvline(shape["maxlen"], color="red", linestyle="--", label=f"data.maxlen {shape['maxlen']}")
    ax.set_xlabel("words (standardized)")
    ax.set_ylabel("texts")
    ax.set_title("Text length")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return _png(fig)


def confusion_chart(inspection: Inspection) -> str:
    """Given against suggested labels of the likely label errors (one label per text)."""
    issues = inspection.label_issues or []
    pairs = [(issue.suggested[0], issue.given[0]) for issue in issues if len(issue.given) == len(issue.suggested) == 1]
    if not pairs:
        return ""
    involved = np.bincount(np.array(pairs).ravel(), minlength=len(inspection.corpus.class_names))
    shown = [int(c) for c in np.argsort(-involved, kind="stable")[:CONFUSION_CLASSES] if involved[c]]
    position = {c: i for i, c in enumerate(shown)}
    matrix = np.zeros((len(shown), len(shown)), dtype=np.int64)
    for suggested, given in pairs:
        if suggested in position and given in position:
            matrix[position[given], position[suggested]] += 1
    buffer = io.BytesIO()
    plots.confusion_matrix(matrix, [inspection.corpus.class_names[c] for c in shown], buffer,
                           axes=("suggested label", "given label"), title="Likely label errors")
    return _img(buffer.getvalue(), "given against suggested labels")


def _table(rows: list[dict], columns) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join("<tr>" + "".join(f'<td{" class=text" if c == "text" else ""}>{html.escape(str(row.get(c, "")))}'
                                    "</td>" for c in columns) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def page(inspection: Inspection, counts: dict, lines: list[str], found: list[dict], top: int) -> str:
    shape = inspection.shape
    sections = [f"<h1>textclf inspect: {html.escape(shape['location'])}</h1>",
                "<h2>What it means</h2><ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>",
                "<h2>Counts</h2>" + _table([{"finding": key, "count": value} for key, value in counts.items()],
                                           ("finding", "count")),
                "<h2>Shape</h2>" + _table([{"split": split, "rows": rows} for split, rows in shape["rows"].items()],
                                          ("split", "rows")),
                class_chart(shape), length_chart(shape)]
    if chart := confusion_chart(inspection):
        sections.append("<h2>Given and suggested labels</h2>" + chart)
    for kind in dict.fromkeys(row["kind"] for row in found):
        shown = [row for row in found if row["kind"] == kind]
        sections.append(f"<h2>{html.escape(kind)} ({len(shown):,} rows; the first {min(top, len(shown))})</h2>"
                        + _table(shown[:top], [c for c in ("split", "row", "group", "text", "label", "suggested",
                                                           "confidence", "similarity") if any(r.get(c) != "" and
                                                                                             c in r for r in shown)]))
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>textclf inspect</title>"
            f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>")
