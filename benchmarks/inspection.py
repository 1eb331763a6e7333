"""``textclf inspect`` measured: label errors found against planted flips, and duplicates on full IMDB in time.

    python -m benchmarks.inspection --sentences ../shared/data/sentences --suite ../shared/data/suite \
        --imdb ../shared/data/aclImdb_labeled.tar.gz [--sets subj cr banking77]

Label errors: the training rows of SUBJ and CR (the seeded 90/10 split of benchmarks/peers.py) and of Banking77
(its official train.csv), with 5 % of the labels flipped at random (seed 0; a flipped label goes to another class,
drawn uniformly). ``textclf inspect`` (its defaults: configs/inspect.yaml, 10 folds) flags rows; the baseline is
cleanlab's ``find_label_issues`` (its defaults) on 5-fold out-of-fold probabilities of scikit-learn's TF-IDF(1,2) +
logistic regression. Each is scored against the flipped rows: precision, recall, F1. No test split is read.
inspect's filter and folds were chosen on another draw of flips (seed 1), not on this one. IMDB: the whole
``textclf inspect --no-label-errors`` process on the official archive, wall time and peak RSS, with the exact and
near-duplicate counts it reports. Results go to benchmarks/RESULTS.md (section "inspect") and inspection.json.
Needs the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.peers import HERE, split_csv, timed
from benchmarks.results import markdown_table, merge_rows, section_body, write_section

SETS = ["subj", "cr", "banking77"]
FLIP_SHARE, SEED = 0.05, 0


def read_rows(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [(row["text"], row["label"]) for row in csv.DictReader(handle)]


def flipped(rows: list[tuple[str, str]], seed: int = SEED) -> tuple[list[tuple[str, str]], set[int]]:
    """The rows with ``FLIP_SHARE`` of their labels moved to another class at random, and which rows."""
    rng, classes = random.Random(seed), sorted({label for _, label in rows})
    chosen = set(rng.sample(range(len(rows)), round(FLIP_SHARE * len(rows))))
    noisy = [(text, rng.choice([c for c in classes if c != label])) if i in chosen else (text, label)
             for i, (text, label) in enumerate(rows)]
    return noisy, chosen


def write_rows(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def score(flagged: set[int], truth: set[int]) -> dict:
    hits = len(flagged & truth)
    precision = hits / len(flagged) if flagged else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"flagged": len(flagged), "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def rows_of(texts: list[str], noisy: list[tuple[str, str]]) -> set[int]:
    """The rows a list of flagged (text, label) entries names: every row with that text and given label."""
    where: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(noisy):
        where.setdefault(row, []).append(i)
    return {i for entry in texts for i in where.get(entry, ())}


def textclf_flags(path: Path, folder: Path) -> tuple[set[int], float]:
    out = folder / f"inspect-{path.stem}"
    seconds, _, _ = timed([sys.executable, "-m", "textclf", "inspect", str(path), "--out", str(out), "--top", "0"])
    with open(out / "findings.csv", encoding="utf-8", newline="") as handle:
        flagged = [(row["text"], row["label"]) for row in csv.DictReader(handle) if row["kind"] == "label_error"]
    return rows_of(flagged, read_rows(path)), seconds


def baseline_flags(noisy: list[tuple[str, str]]) -> set[int]:
    from cleanlab.filter import find_label_issues
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline

    texts, labels = [text for text, _ in noisy], [label for _, label in noisy]
    classes = sorted(set(labels))
    y = [classes.index(label) for label in labels]
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(max_iter=1000))
    probabilities = cross_val_predict(model, texts, y, cv=5, method="predict_proba")
    return {int(i) for i in np.flatnonzero(find_label_issues(np.array(y), probabilities))}  # a mask of rows


def label_error_row(name: str, args, folder: Path) -> dict:
    if name == "banking77":
        train = Path(args.suite) / name / "train.csv"
    else:
        train, _ = split_csv(Path(args.sentences) / f"{name}.csv", folder)
    noisy, truth = flipped(read_rows(train))
    path = write_rows(folder / f"{name}-flipped.csv", noisy)
    flagged, seconds = textclf_flags(path, folder)
    return {"data": name, "rows": len(noisy), "flipped": len(truth), "textclf": score(flagged, truth),
            "textclf_seconds": round(seconds, 1), "baseline": score(baseline_flags(noisy), truth)}


def imdb_row(archive: str, folder: Path) -> dict:
    """The whole ``inspect --no-label-errors`` process on IMDB: time, memory, and the counts it reports."""
    out = folder / "inspect-imdb"
    seconds, rss, _ = timed([sys.executable, "-m", "textclf", "inspect", archive, "--no-label-errors", "--out",
                             str(out), "--top", "0"])
    counts = json.loads((out / "report.json").read_text(encoding="utf-8"))["counts"]
    return {"data": "imdb", "seconds": round(seconds, 1), "peak_rss_mib": round(rss), "counts": counts}


def cell(result: dict) -> str:
    return f"{result['precision']:.2f} / {result['recall']:.2f} / **{result['f1']:.3f}** ({result['flagged']:,})"


def table(rows: list[dict]) -> str:
    label_rows = [row for row in rows if row["data"] != "imdb"]
    lines = [markdown_table(["set", "rows", "flipped", "textclf inspect: P / R / F1 (flagged)",
                             "baseline: P / R / F1 (flagged)", "F1 difference", "inspect seconds"],
                            [[row["data"], f"{row['rows']:,}", f"{row['flipped']:,}", cell(row["textclf"]),
                              cell(row["baseline"]), f"{row['textclf']['f1'] - row['baseline']['f1']:+.3f}",
                              f"{row['textclf_seconds']:.0f}"] for row in label_rows])]
    if label_rows:
        mean = sum(row["textclf"]["f1"] - row["baseline"]["f1"] for row in label_rows) / len(label_rows)
        wins = sum(row["textclf"]["f1"] >= row["baseline"]["f1"] for row in label_rows)
        lines.append(f"\nMean F1 difference {mean:+.3f}; inspect at least the baseline's F1 on {wins} of "
                     f"{len(label_rows)} sets.")
    for row in rows:
        if row["data"] == "imdb":
            c = row["counts"]
            lines.append(f"\nIMDB (50,000 reviews, official splits), `textclf inspect --no-label-errors`: "
                         f"{row['seconds']:.0f} s whole-process, peak RSS {row['peak_rss_mib']:,} MiB. Exact "
                         f"duplicates: {c['duplicate_groups']:,} groups ({c['rows_in_duplicate_groups']:,} rows), "
                         f"{c['repeated_rows']:,} rows repeating a text of their own split, {c['test_in_train']:,} "
                         f"test reviews also in train ({c['test_share_in_train']:.2%} of test), "
                         f"{c['validation_in_train']:,} validation reviews in train, {c['conflicting_texts']:,} "
                         f"texts under both labels. Near-duplicates (Jaccard ≥ 0.8): {c['near_duplicate_groups']:,} "
                         f"groups ({c['rows_in_near_duplicate_groups']:,} rows), {c['test_nearly_in_train']:,} "
                         f"test reviews nearly in train.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", help="folder holding cr.csv, subj.csv")
    parser.add_argument("--suite", help="folder holding banking77/train.csv")
    parser.add_argument("--imdb", help="the IMDB archive")
    parser.add_argument("--sets", nargs="*", default=SETS, choices=SETS)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sets:
            rows.append(label_error_row(name, args, Path(folder)))
            print(json.dumps(rows[-1]), flush=True)
        if args.imdb:
            rows.append(imdb_row(args.imdb, Path(folder)))
            print(json.dumps(rows[-1]), flush=True)
    merged = merge_rows(HERE / "inspection.json", rows, "data", [*SETS, "imdb"])
    body = section_body(__doc__, table(merged))
    write_section("inspect", "inspect: planted label errors found, and IMDB's duplicates", body)
    print(table(merged))


if __name__ == "__main__":
    main()
