"""The suite's margins seen by cross-validation on training rows: textclf's selection against the peers.

    python -m benchmarks.margin_cv --sentences ../shared/data/sentences --suite ../shared/data/suite [--sets ...]

A test margin is one draw of the test rows (each system's 95 % interval there spans 2 to 8 points); the
same margin measured by cross-validation on the training rows is what every choice textclf makes can see.
Where the two part by more than that interval, the test rows differ from the training rows. For each set of
the visible suite but IMDB, on the training rows the suite uses (CR, MPQA, SUBJ:
the training part of the peers' seeded 90/10 split; TweetEval emotion and hate, Banking77: train.csv), TF-IDF
+ LR and fastText bigrams (``peer_baselines``, as the suite runs them) are scored by 5-fold cross-validation
(seeded folds; fastText's autotune is left out: its own search in every fold would take the set's budget five
times over). textclf's figure is the pool-cv section's: the ensemble selection over the default search's first
trials, cross-validated over their out-of-fold rows (pool_cv.json). The test margins are the suite section's
(suite.json), where autotune is one of the peers. No test split is read here. Results go to
benchmarks/RESULTS.md (section "margin-cv") and margin_cv.json. Needs the ``bench`` extra.
"""

from __future__ import annotations

import csv
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.design_cv import training_rows, training_sets_parser
from benchmarks.peer_baselines import fasttext_predictions, sklearn_predictions
from benchmarks.peers import HERE
from benchmarks.results import markdown_table, section_body, write_section
from benchmarks.suite import margin

FOLDS = 5
PEERS = {"TF-IDF + LR": sklearn_predictions,
         "fastText bigrams": lambda train_x, train_y, test_x: fasttext_predictions(train_x, train_y, test_x, 25)}


def cross_validated(train_csv: Path, predict) -> float:
    """The mean accuracy over seeded folds of a peer trained on the other folds."""
    with open(train_csv, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    accuracies = []
    for fold in range(FOLDS):
        held = set(order[fold::FOLDS])
        train = [rows[i] for i in order if i not in held]
        test = [rows[i] for i in sorted(held)]
        predicted = predict([r["text"] for r in train], [r["label"] for r in train], [r["text"] for r in test])
        accuracies.append(sum(p == r["label"] for p, r in zip(predicted, test, strict=True)) / len(test))
    return statistics.mean(accuracies)


def set_row(name: str, args, folder: Path, selections: dict, tests: dict) -> dict:
    train_csv = training_rows(name, args, folder)
    peers = {peer: cross_validated(train_csv, predict) for peer, predict in PEERS.items()}
    return {"data": name, "textclf": selections[name], "peers": peers, "test_margin": tests.get(name),
            "measured_at": time.strftime("%Y-%m-%d %H:%M UTC")}


def table(rows: list[dict]) -> str:
    lines, margins = [], []
    for row in rows:
        best = max(row["peers"].values())
        margins.append(100 * (row["textclf"] - best))
        test = "" if row["test_margin"] is None else f"{row['test_margin']:+.2f}"
        lines.append([row["data"], f"{100 * row['textclf']:.2f}",
                      *(f"{100 * row['peers'][peer]:.2f}" for peer in PEERS), f"{margins[-1]:+.2f}", test])
    lines.append(["mean", "", *("" for _ in PEERS), f"{statistics.mean(margins):+.2f}", ""])
    header = ["set", "textclf: the selection (pool-cv), CV accuracy %", *(f"{peer}, {FOLDS}-fold CV accuracy %"
                                                                           for peer in PEERS),
              "textclf − best of these peers, CV (points)", "tune − best peer, test split (suite section, points)"]
    return markdown_table(header, lines)


def main() -> None:
    parser = training_sets_parser(__doc__)
    args = parser.parse_args()
    selections = {row["data"]: row["scores"]["default"] for row in json.loads((HERE / "pool_cv.json").read_text())}
    tests = {row["data"]: margin(row, "textclf tune") for row in json.loads((HERE / "suite.json").read_text())}
    with tempfile.TemporaryDirectory() as folder:
        rows = [set_row(name, args, Path(folder), selections, tests) for name in args.sets]
    (HERE / "margin_cv.json").write_text(json.dumps(rows, indent=1) + "\n")
    body = section_body(__doc__, table(rows))
    write_section("margin-cv", "The suite's margins by cross-validation on training rows", body)
    print(table(rows))


if __name__ == "__main__":
    main()
