"""Multi-label classification on GoEmotions: textclf against TF-IDF + one-vs-rest logistic regression.

    python -m benchmarks.goemotions --data ../shared/data/goemotions [--tune 5m [--only-tune]]

GoEmotions (Demszky et al., 2020): Reddit comments, 27 emotions + neutral,
several per comment. textclf trains ``configs/goemotions.yaml`` on
``train.tsv`` as a user would (one whole process, TensorFlow import
included): validation is carved from train, each label's threshold tuned
for F1 there, and ``dev.tsv`` is the test file. The reference is TF-IDF(1,2)
+ one-vs-rest logistic regression (scikit-learn's defaults, and C, min_df
and sublinear tf tuned by hand), its thresholds tuned the same way on a
seeded 10 % of train (``multi_label.tune_thresholds``), scored by the same
code (``multi_label.scores``). Results go to benchmarks/RESULTS.md (section
"goemotions") and goemotions.json. Needs the ``bench`` extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.peers import timed
from benchmarks.results import markdown_table, merge_rows, write_section

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
SEED = 42


def read_tsv(path: Path, count: int) -> tuple[list[str], np.ndarray]:
    """Texts and their 0/1 label rows from a GoEmotions file (text, comma-separated ids, comment id)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    labels = np.zeros((len(rows), count), np.int8)
    for i, row in enumerate(rows):
        labels[i, [int(label) for label in row[1].split(",")]] = 1
    return [row[0] for row in rows], labels


# The reference, as scikit-learn's defaults have it and as tuned by hand on this data (a stronger peer).
REFERENCES = {"TF-IDF(1,2) + one-vs-rest LR (scikit-learn defaults)": {"C": 1.0, "min_df": 1, "sublinear_tf": False},
              "TF-IDF(1,2) + one-vs-rest LR (C=4, min_df=2, sublinear tf)": {"C": 4.0, "min_df": 2,
                                                                             "sublinear_tf": True}}


def reference(folder: Path, names: list[str], system: str) -> dict:
    """TF-IDF(1,2) + one-vs-rest logistic regression, thresholds tuned on a seeded 10 % of train."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    from textclf.results import multi_label

    started = time.perf_counter()
    texts, labels = read_tsv(folder / "train.tsv", len(names))
    test_texts, test_labels = read_tsv(folder / "dev.tsv", len(names))
    order = np.random.default_rng(SEED).permutation(len(texts))
    held, kept = order[: len(texts) // 10], order[len(texts) // 10:]
    settings = REFERENCES[system]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=settings["min_df"], sublinear_tf=settings["sublinear_tf"])
    features = vectorizer.fit_transform([texts[i] for i in kept])
    model = OneVsRestClassifier(LogisticRegression(C=settings["C"], max_iter=1000), n_jobs=2).fit(features,
                                                                                                  labels[kept])
    thresholds = multi_label.tune_thresholds(labels[held], model.predict_proba(
        vectorizer.transform([texts[i] for i in held])))
    probabilities = model.predict_proba(vectorizer.transform(test_texts))
    scores = multi_label.scores(test_labels, probabilities, thresholds, names)
    return {"system": system, "wall": time.perf_counter() - started, "rss": None,
            "macro_f1": scores["macro"]["f1"], "micro_f1": scores["micro"]["f1"]}


def textclf_run(folder: Path, output_dir: Path) -> dict:
    command = ["textclf", "train", str(ROOT / "configs" / "goemotions.yaml"), "--data", str(folder / "train.tsv"),
               "--set", f"data.test_path={folder / 'dev.tsv'}", "--output-dir", str(output_dir)]
    wall, rss, out = timed(command)
    metrics = json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())
    return {"system": "textclf configs/goemotions.yaml", "wall": wall, "rss": rss,
            "macro_f1": metrics["test_macro_f1"], "micro_f1": metrics["test_micro_f1"]}


def textclf_tune(folder: Path, output_dir: Path, budget: str) -> dict:
    """``textclf tune`` of configs/goemotions.yaml's data settings over the default space (by macro-F1)."""
    command = ["textclf", "tune", str(ROOT / "configs" / "goemotions.yaml"),
               "--set", f"data.path={folder / 'train.tsv'}", "--set", f"data.test_path={folder / 'dev.tsv'}",
               "--budget", budget, "--output-dir", str(output_dir)]
    wall, rss, out = timed(command)
    metrics = json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())
    return {"system": f"textclf tune --budget {budget} (configs/goemotions.yaml's data)", "wall": wall, "rss": rss,
            "macro_f1": metrics["test_macro_f1"], "micro_f1": metrics["test_micro_f1"]}


def table(rows: list[dict]) -> str:
    header = ["system", "macro-F1 (dev.tsv)", "micro-F1 (dev.tsv)", "wall s", "peak RSS MiB", "measured"]
    return markdown_table(header, [[row["system"], f"{row['macro_f1']:.4f}", f"{row['micro_f1']:.4f}",
                                    f"{row['wall']:.0f}", "-" if row["rss"] is None else f"{row['rss']:,.0f}",
                                    row["measured_at"]] for row in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder holding train.tsv, dev.tsv and labels.txt")
    parser.add_argument("--tune", metavar="BUDGET", help="also textclf tune for this budget (e.g. 5m)")
    parser.add_argument("--only-tune", action="store_true", help="with --tune: that row alone")
    args = parser.parse_args()
    folder = Path(args.data)
    names = (folder / "labels.txt").read_text(encoding="utf-8").split()
    with tempfile.TemporaryDirectory() as output_dir:
        rows = [] if args.only_tune else [textclf_run(folder, Path(output_dir)),
                                          *(reference(folder, names, system) for system in REFERENCES)]
        if args.tune:
            rows.append(textclf_tune(folder, Path(output_dir), args.tune))
    for row in rows:
        row["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    order = [row["system"] for row in json.loads((HERE / "goemotions.json").read_text())] if (
        HERE / "goemotions.json").exists() else []
    rows = merge_rows(HERE / "goemotions.json", rows, "system", order + [row["system"] for row in rows])
    body = " ".join(__doc__.split("\n\n")[1].split()) + "\n\n" + table(rows)
    write_section("goemotions", "Multi-label: GoEmotions, textclf against TF-IDF + one-vs-rest LR", body)
    print(table(rows))


if __name__ == "__main__":
    main()
