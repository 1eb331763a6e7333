"""What the OOV column does to textclf's bag vectors, by cross-validation on the suite's training rows.

    python -m benchmarks.unseen_terms --sentences ../shared/data/sentences --suite ../shared/data/suite [--sets ...]

A bag vectorizer's column 0 counts the terms its training split never saw (Keras' ``[UNK]``). textclf's bag
layers read it like any term: in a held-out text it joins the L2 norm the linear model divides by, although
its weight never trains (no training text has an unseen term while the vocabulary holds them all). scikit-learn
drops unseen terms. For each set of the visible suite but IMDB (the training rows the suite uses), each of 5
seeded folds is held out once: configs/linear.yaml's vectorizer (tf-idf of words, word pairs and their
character 2-5-grams) learns from the other folds, and scikit-learn's logistic regression (C 10, as the suite's
peer) is fitted on those vectors, L2-normalized per text, with the OOV column kept and with it dropped. A
diagnosis of the features, not of textclf's training: the same solver on both. No test split is read. Results
go to benchmarks/RESULTS.md (section "unseen-terms") and unseen_terms.json. Needs the ``bench`` extra.
"""

from __future__ import annotations

import csv
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.design_cv import training_rows, training_sets_parser
from benchmarks.peers import HERE, ROOT
from benchmarks.results import markdown_table, section_body, write_section

FOLDS, OOV = 5, 0


def vectors(kind, vectorizer, texts: np.ndarray, cfg):
    """The bag vectors textclf trains on (``BagInput.encode``), as one SciPy CSR matrix."""
    import scipy.sparse as sparse

    bags = kind.encode(vectorizer, texts, cfg)
    rows, columns = bags.ids.value_rowids().numpy(), bags.ids.flat_values.numpy()
    return sparse.csr_matrix((bags.value_array(), (rows, columns)), shape=(len(bags), bags.width))


def fold_accuracies(train_csv: Path) -> dict[str, list[float]]:
    """Each fold's accuracy, the OOV column kept and dropped."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    from textclf.config import load_config
    from textclf.features import featurize
    from textclf.features.bag_input import BagInput

    with open(train_csv, newline="", encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if row["text"].strip()]
    texts, labels = np.array([r["text"] for r in rows], dtype=object), np.array([r["label"] for r in rows])
    cfg = load_config(ROOT / "configs" / "linear.yaml", data_path=str(train_csv)).data
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    scores = {"kept": [], "dropped": []}
    for fold in range(FOLDS):
        held = np.array(sorted(order[fold::FOLDS]))
        train = np.setdiff1d(np.arange(len(rows)), held)
        kind = BagInput()
        vectorizer = kind.vectorizer(cfg)
        featurize.adapt(vectorizer, texts[train], cfg, kind)
        seen, unseen = (vectors(kind, vectorizer, texts[part], cfg) for part in (train, held))
        for name in scores:
            if name == "dropped":
                seen, unseen = (m.tolil() for m in (seen, unseen))
                seen[:, OOV], unseen[:, OOV] = 0, 0
            model = LogisticRegression(C=10, max_iter=3000).fit(normalize(seen.tocsr()), labels[train])
            scores[name].append(float(np.mean(model.predict(normalize(unseen.tocsr())) == labels[held])))
    return scores


def table(rows: list[dict]) -> str:
    lines = [[row["data"], f"{100 * statistics.mean(row['kept']):.2f}", f"{100 * statistics.mean(row['dropped']):.2f}",
              f"{100 * (statistics.mean(row['dropped']) - statistics.mean(row['kept'])):+.2f}"] for row in rows]
    header = ["set", "OOV column kept (as textclf reads it), CV accuracy %", "OOV column dropped, CV accuracy %",
              "dropped − kept (points)"]
    return markdown_table(header, lines)


def main() -> None:
    parser = training_sets_parser(__doc__)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sets:
            scores = fold_accuracies(training_rows(name, args, Path(folder)))
            rows.append({"data": name, **scores, "measured_at": time.strftime("%Y-%m-%d %H:%M UTC")})
            print(name, {k: round(100 * statistics.mean(v), 2) for k, v in scores.items()}, flush=True)
    (HERE / "unseen_terms.json").write_text(json.dumps(rows, indent=1) + "\n")
    body = section_body(__doc__, table(rows))
    write_section("unseen-terms", "What the OOV column does to textclf's bag vectors", body)
    print(table(rows))


if __name__ == "__main__":
    main()
