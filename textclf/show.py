"""What the commands print and read besides their stage's results: tables, JSON lines, text sources.

Pure formatting and input plumbing, kept out of ``textclf.cli`` so that it stays
the thin layer that parses, calls one stage and prints.
"""

from __future__ import annotations

import json
import sys

import typer

from textclf.errors import TextclfError


def confusion_table(matrix: list[list[int]], names: list[str]) -> list[str]:
    """The confusion matrix as aligned rows: true classes down, predicted classes across."""
    corner = "true \\ predicted"
    cells = [[f"{count:,}" for count in row] for row in matrix]
    width = max([len(n) for n in names] + [len(c) for row in cells for c in row])
    first = max(len(corner), *(len(n) for n in names))
    lines = ["confusion matrix (rows: true class, columns: predicted class)",
             corner.ljust(first) + "".join(f"  {n:>{width}}" for n in names)]
    lines += [name.ljust(first) + "".join(f"  {c:>{width}}" for c in row)
              for name, row in zip(names, cells, strict=True)]
    return lines


def decided_first(result) -> list[tuple[str, float]]:
    """The decided label (it may not be the most probable under --threshold), then the rest of the top k."""
    rest = [(n, p) for n, p in result.top if n != result.label]
    return [(result.label, result.probability), *rest[: len(result.top) - 1]]


def _pairs(pairs) -> list[dict]:
    return [{"label": name, "probability": probability} for name, probability in pairs]


def prediction_record(result) -> dict:
    """``predict --json``'s record of one text: the decision (a multi-label model's: every label that applies),
    every class's probability by name, and the top k; an empty text is marked so, and decided nothing."""
    if result.empty:
        return {"empty": True, "label": None, "text": result.text}
    decided = {"labels": _pairs(result.labels)} if result.labels is not None else {
        "label": result.label, "probability": result.probability}
    return {**decided, "probabilities": result.probabilities, "top": _pairs(result.top), "text": result.text}


def prediction_line(result) -> str:
    """``predict``'s line for one text: the decided label first, then the rest of the top k; a multi-label
    model's every label that applies ("(none)" if none does), then (--top-k) other probable ones. An empty
    text keeps its line, so that outputs stay aligned with inputs, and is labelled nothing."""
    if result.empty:
        return f"(empty text)\t{result.text[:80]}"
    if result.labels is None:
        shown = decided_first(result)
    else:
        others = [(n, p) for n, p in result.top if n not in dict(result.labels)] if len(result.top) > 1 else []
        shown = [*result.labels, *others]
    words = "  ".join(f"{n} {p:.4f}" for n, p in shown)
    return f"{words or '(none)'}\t{result.text[:80]}"


def json_line(record: dict) -> str:
    """JSON on one line, readable but safe for tools that split lines at U+0085/U+2028/U+2029 too."""
    text = json.dumps(record, ensure_ascii=False)
    return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def text_source(texts: list[str], file: str | None, text_column: str = "text"):
    """The texts given, then one text per line of ``file`` ('-' is stdin), read lazily, as UTF-8; a table
    (``.csv``, ``.tsv``, ``.jsonl``) gives the texts of its ``text_column``, a row each.

    Undecodable bytes are replaced and counted, the same for a file and for stdin.
    """
    yield from texts
    if file is None:
        return
    from textclf import files  # the readers (NumPy, the config schema): not for `textclf --help`
    from textclf.data import tables

    if file != "-" and tables.is_table(file):
        yield from tables.column_texts(files.checked(file, "--file", "file"), text_column)
        return
    if file == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None or stream.closed:
            raise TextclfError("--file -: standard input is closed; give the texts some other way")
        yield from decoded_lines(stream, "standard input")
        return
    try:
        with open(file, "rb") as handle:
            yield from decoded_lines(handle, file)
    except OSError as exc:
        raise TextclfError(f"--file: cannot read {file} ({exc.strerror})") from None


def decoded_lines(stream, name: str):
    undecodable = 0
    for raw in stream:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line, undecodable = raw.decode("utf-8", errors="replace"), undecodable + 1
        yield line.rstrip("\r\n")
    if undecodable:
        typer.echo(f"warning: {undecodable} lines of {name} are not valid UTF-8; undecodable bytes were replaced",
                   err=True)


def cell(value, column: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):  # one number of decimals per column, so that the points line up
        return f"{value:.4f}" if column in ("test_accuracy", "test_f1") else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def runs_table(rows: list[dict], columns, numeric) -> list[str]:
    """``runs``: a header and a line per run; numbers right-aligned, so that their digits line up."""
    widths = {c: max(len(c), *(len(cell(r[c], c)) for r in rows)) for c in columns}

    def align(column: str, text: str) -> str:
        return text.rjust(widths[column]) if column in numeric else text.ljust(widths[column])

    return ["  ".join(align(c, text) for c, text in zip(columns, line, strict=True)).rstrip()
            for line in [list(columns), *([cell(row[c], c) for c in columns] for row in rows)]]


def evaluation_lines(report: dict) -> list[str]:
    """``evaluate``'s report of a single-label model: scores, each class, the confusion table, surest mistakes."""
    calibrated = report.get("calibration")
    lines = [f"accuracy {report['accuracy']:.4f}   loss {report['loss']:.4f}   ROC-AUC {report['roc_auc']:.4f}"
             + (f"   ECE {calibrated['ece']:.4f}   Brier {calibrated['brier']:.4f}" if calibrated else ""),
             f"{'class':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    rows = [*report["per_class"].items(), ("macro avg", report["macro"]), ("weighted avg", report["weighted"])]
    for name, scores in rows:
        support = f"{scores['support']:>10,}" if "support" in scores else ""
        lines.append(f"{name:<16}{scores['precision']:>10.4f}{scores['recall']:>10.4f}{scores['f1']:>10.4f}{support}")
    lines += confusion_table(report["confusion_matrix"], report["class_names"])
    for mistake in report["mistakes"]:
        lines.append(f"  wrong {mistake['probability']:.3f} {mistake['predicted_label']} "
                     f"(true {mistake['true_label']}): {mistake['text'][:100]}")
    return lines


def multi_label_lines(report: dict) -> list[str]:
    """``evaluate``'s report of a multi-label model: averages, each label, the summary scores, surest mistakes."""
    lines = [f"micro-F1 {report['micro']['f1']:.4f}   macro-F1 {report['macro']['f1']:.4f}   weighted-F1 "
             f"{report['weighted']['f1']:.4f}   subset accuracy {report['subset_accuracy']:.4f}   "
             f"Hamming loss {report['hamming_loss']:.4f}",
             f"labels per text: {report['label_cardinality']['true']:.2f} true, "
             f"{report['label_cardinality']['predicted']:.2f} predicted",
             f"{'label':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}{'ROC-AUC':>10}{'threshold':>10}"]
    for name, scores in report["per_label"].items():
        auc = "-" if scores["roc_auc"] is None else f"{scores['roc_auc']:.4f}"
        lines.append(f"{name:<16}{scores['precision']:>10.4f}{scores['recall']:>10.4f}{scores['f1']:>10.4f}"
                     f"{scores['support']:>10,}{auc:>10}{scores['threshold']:>10.3f}")
    for key in ("micro", "macro", "weighted"):
        scores = report[key]
        lines.append(f"{key + ' avg':<16}{scores['precision']:>10.4f}{scores['recall']:>10.4f}{scores['f1']:>10.4f}")
    for mistake in report["mistakes"]:
        lines.append(f"  wrong {', '.join(mistake['predicted_labels']) or '(none)'} (true "
                     f"{', '.join(mistake['true_labels']) or '(none)'}): {mistake['text'][:100]}")
    return lines


SUSPICIOUS_FIRST = ("leak", "conflict", "label_error", "near_duplicate", "duplicate")


def inspection_lines(result, top: int) -> list[str]:
    """``inspect``: the shape, a table of counts, what each finding means, the ``top`` most suspicious rows of
    each kind, the files written; the report folder last."""
    shape, counts = result.inspection.shape, result.counts
    rows = ", ".join(f"{split} {count:,}" for split, count in shape["rows"].items())
    words = shape["words"]
    lines = [f"{shape['location']}: {rows} texts; {len(shape['classes'])} classes"
             f"{' (several per text)' if shape['task'] == 'multi_label' else ''}; words per text: median "
             f"{words.get('p50', 0):,}, 95th percentile {words.get('p95', 0):,}",
             *runs_table([{"finding": key, "count": f"{value:.2%}" if "share" in key else value}
                          for key, value in counts.items()], ("finding", "count"), ("count",)),
             "", *(f"- {line}" for line in result.lines)]
    for kind in SUSPICIOUS_FIRST:
        shown = [row for row in result.found if row["kind"] == kind][:top]
        if shown:
            lines += ["", f"{kind} (first {len(shown)}):"]
            lines += [f"  {row['split']} {row['row']}: {row['label']}{_suggestion(row)}  {_clip(row['text'])}"
                      for row in shown]
    if result.clean is not None:
        lines.append(f"clean copy: {result.clean[0]} ({result.clean[1]:,} rows)")
    return [*lines, str(result.folder)]


def _suggestion(row: dict) -> str:
    """A likely label error's suggested label and the model's confidence in it."""
    return f" → {row['suggested']} {row['confidence']:.2f}" if row.get("suggested") else ""


def _clip(text: str, width: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"
