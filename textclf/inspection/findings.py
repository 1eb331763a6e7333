"""What inspect found, row by row (``findings.csv``), in numbers (``report.json``) and in words: one line per
finding that says what it does to a model or a score and what to do about it."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from textclf.data import duplicates
from textclf.inspection.label_errors import LabelIssue

COLUMNS = ("kind", "split", "row", "group", "text", "label", "suggested", "confidence", "similarity")
IMBALANCED = 5.0  # largest class over smallest: from here on, accuracy hides the small classes


@dataclass
class Inspection:
    """Everything found: the data's shape, exact and near-duplicate groups, conflicts, label issues."""

    corpus: object
    shape: dict
    exact: list[duplicates.Group]
    near: list[list[tuple[str, int]]]  # near-duplicate groups, rows as (split, index)
    near_similarity: dict = field(default_factory=dict)  # row → its highest Jaccard similarity in its group
    label_issues: list[LabelIssue] | None = None  # None: not looked for (--no-label-errors)

    def text(self, row: tuple[str, int]) -> str:
        return str(getattr(self.corpus, row[0]).texts[row[1]])

    def label(self, row: tuple[str, int]) -> str:
        return self.names(duplicates.label_of(getattr(self.corpus, row[0]).labels, row[1]))

    def names(self, label) -> str:
        indexes = label if isinstance(label, tuple) else (label,)
        return "|".join(self.corpus.class_names[i] for i in indexes)


def near_leaked(inspection: Inspection, held: str) -> list[tuple[str, int]]:
    """Rows of ``held`` that nearly repeat (not exactly) a train text."""
    return [row for group in inspection.near if "train" in {s for s, _ in group} for row in group if row[0] == held]


def summary(inspection: Inspection) -> dict:
    """The counts: the terminal table, ``report.json`` and ``--strict`` read these."""
    exact, rows = inspection.exact, inspection.shape["rows"]
    counts = {
        **duplicates.counts(exact),
        "duplicate_groups": len(exact),
        "rows_in_duplicate_groups": sum(len(group.rows) for group in exact),
        "test_nearly_in_train": len(near_leaked(inspection, "test")),
        "validation_nearly_in_train": len(near_leaked(inspection, "validation")),
        "near_duplicate_groups": len(inspection.near),
        "rows_in_near_duplicate_groups": sum(len(group) for group in inspection.near),
        "rows_in_conflicts": sum(len(group.rows) for group in exact if group.conflicting),
    }
    counts["test_share_in_train"] = round(counts["test_in_train"] / rows["test"], 4) if rows["test"] else 0.0
    if inspection.label_issues is not None:
        counts["likely_label_errors"] = len(inspection.label_issues)
        counts["label_error_share"] = round(len(inspection.label_issues) / max(1, sum(rows.values())), 4)
    return counts


def advice(counts: dict, shape: dict, sequence_model: bool) -> list[str]:
    """One line per finding: what it means, and what to do."""
    lines = []
    if counts["test_in_train"]:
        lines.append(f"{counts['test_in_train']:,} test texts ({counts['test_share_in_train']:.1%} of the test split) "
                     "also appear in train: the test score is inflated; deduplicate with --write-clean")
    if counts["validation_in_train"]:
        lines.append(f"{counts['validation_in_train']:,} validation texts also appear in train: early stopping and "
                     "tune choose by texts the model has memorized; deduplicate with --write-clean")
    if counts["test_nearly_in_train"]:
        lines.append(f"{counts['test_nearly_in_train']:,} test texts nearly repeat a train text: part of the test "
                     "score measures memory; see the near_duplicate rows in findings.csv")
    if counts["conflicting_texts"]:
        lines.append(f"{counts['conflicting_texts']:,} texts carry different labels ({counts['rows_in_conflicts']:,} "
                     "rows): no model labels them all right; fix their labels, or drop them with --write-clean")
    if counts["repeated_rows"]:
        lines.append(f"{counts['repeated_rows']:,} rows repeat a text of their own split: training weighs those "
                     "texts several times; --write-clean keeps one of each")
    if counts.get("likely_label_errors"):
        lines.append(f"{counts['likely_label_errors']:,} rows ({counts['label_error_share']:.1%}) look mislabeled: "
                     "check the label_error rows of findings.csv, most likely first; relabel or drop them")
    lines.extend(_shape_advice(shape, sequence_model))
    return lines or ["no duplicates, leakage, conflicts or likely label errors found"]


def _shape_advice(shape: dict, sequence_model: bool) -> list[str]:
    lines = []
    if shape["imbalance"] and shape["imbalance"] >= IMBALANCED:
        lines.append(f"the largest class has {shape['imbalance']:g}× the texts of the smallest: accuracy hides the "
                     "small classes; compare by macro-F1 (search.metric: val_macro_f1, train.class_weight: balanced)")
    if shape["missing_classes"]:
        lines.append(f"classes without a text: {', '.join(shape['missing_classes'])}")
    if sequence_model and shape["longer_than_maxlen"]:
        lines.append(f"{shape['longer_than_maxlen']:,} texts are longer than data.maxlen ({shape['maxlen']} words): "
                     "a sequence model reads only part of them; raise data.maxlen, or use a bag model")
    if shape["replaced_bytes"]:
        lines.append(f"{shape['replaced_bytes']:,} texts held bytes that are not UTF-8 (replaced): save the file "
                     "as UTF-8")
    if shape["empty_skipped"]:
        lines.append(f"{shape['empty_skipped']:,} empty texts were skipped")
    return lines


def rows(inspection: Inspection) -> list[dict]:
    """``findings.csv``: one row per flagged row and kind; ``group`` joins the rows of one duplicate set."""
    found = []

    def add(kind: str, row: tuple[str, int], group: int | str = "", **extra) -> None:
        found.append({"kind": kind, "split": row[0], "row": row[1], "group": group, "text": inspection.text(row),
                      "label": inspection.label(row), **extra})

    for number, group in enumerate(inspection.exact, start=1):
        kind = "conflict" if group.conflicting else "leak" if len(group.splits) > 1 else "duplicate"
        for row in group.rows:
            add(kind, row, f"exact-{number}")
    for number, group in enumerate(inspection.near, start=1):
        for row in group:
            add("near_duplicate", row, f"near-{number}", similarity=inspection.near_similarity.get(row, ""))
    for issue in inspection.label_issues or ():
        add("label_error", issue.row, suggested=inspection.names(issue.suggested),
            confidence=round(issue.confidence, 4))
    return found


def write_csv(path, found: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(found)
