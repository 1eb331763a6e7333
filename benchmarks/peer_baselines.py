"""The baselines a user would try first, as whole processes: fastText, and scikit-learn TF-IDF + LR.

    python peer_baselines.py fasttext --imdb ARCHIVE
    python peer_baselines.py sklearn --train train.csv --test test.csv

Each reads the raw data itself (IMDB with textclf's archive reader, which is
plain Python), trains, scores the test split and prints one JSON line:
{"accuracy": ...}; ``--predictions FILE`` also writes each test row's predicted label.
Needs the ``bench`` extra: ``pip install -e ".[bench]"``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
from pathlib import Path

MARKUP = re.compile(r"<br\s*/?>")
PUNCTUATION = re.compile(r"([^\w\s])")


def read(args) -> tuple[list[str], list[str], list[str], list[str]]:
    """Train texts, train labels, test texts, test labels."""
    if args.imdb:
        from textclf.data.sources import read_imdb

        labeled = read_imdb(args.imdb)
        names = labeled.class_names
        train, test = labeled.splits["train"], labeled.splits["test"]
        return (list(train.texts), [names[i] for i in train.labels], list(test.texts), [names[i] for i in test.labels])
    tables = []
    for path in (args.train, args.test):
        with open(path, newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        tables.append(([row["text"] for row in rows], [row["label"] for row in rows]))
    return (*tables[0], *tables[1])


def clean(text: str) -> str:
    """fastText's own examples' preprocessing: lowercase, markup out, punctuation as separate tokens."""
    return " ".join(PUNCTUATION.sub(r" \1 ", MARKUP.sub(" ", text.lower())).split())


def fasttext_predictions(train_x, train_y, test_x, epochs: int, autotune: float | None = None) -> list[str]:
    """Word uni- and bigrams (``wordNgrams=2``), two threads, fastText's other defaults.

    The training lines are shuffled first, as fastText's documentation tells
    users to: fastText reads its file in order, and IMDB's comes sorted by label.
    With ``autotune`` (seconds), fastText's own search (``-autotune-validation``)
    chooses its settings on a seeded tenth of the training lines for that long.
    """
    import random

    import fasttext

    lines = [f"__label__{y} {clean(x)}\n" for x, y in zip(train_x, train_y, strict=True)]
    random.Random(0).shuffle(lines)
    with tempfile.TemporaryDirectory() as folder:
        path, valid = Path(folder) / "train.txt", Path(folder) / "valid.txt"
        held = len(lines) // 10 if autotune else 0
        path.write_text("".join(lines[held:]), encoding="utf-8")
        if autotune:
            valid.write_text("".join(lines[:held]), encoding="utf-8")
            model = fasttext.train_supervised(str(path), autotuneValidationFile=str(valid),
                                              autotuneDuration=int(autotune), thread=2, verbose=0)
        else:
            model = fasttext.train_supervised(str(path), wordNgrams=2, epoch=epochs, thread=2, verbose=0)
    predicted, _ = model.predict([clean(x) for x in test_x])
    return [p[0].removeprefix("__label__") for p in predicted]


def sklearn_predictions(train_x, train_y, test_x) -> list[str]:
    """TF-IDF of word uni- and bigrams (sublinear tf) + logistic regression, C=10."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    classifier = LogisticRegression(C=10, max_iter=1000)
    classifier.fit(vectorizer.fit_transform(train_x), train_y)
    return [str(label) for label in classifier.predict(vectorizer.transform(test_x))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system", choices=["fasttext", "sklearn"])
    parser.add_argument("--imdb", help="aclImdb folder or .tar.gz")
    parser.add_argument("--train", help="CSV with text,label")
    parser.add_argument("--test", help="CSV with text,label")
    parser.add_argument("--epochs", type=int, default=25, help="fastText epochs")
    parser.add_argument("--autotune", type=float, help="fastText: search its settings for this many seconds")
    parser.add_argument("--predictions", help="write each test row's predicted label here, one per line")
    args = parser.parse_args()
    train_x, train_y, test_x, test_y = read(args)
    if args.system == "fasttext":
        predicted = fasttext_predictions(train_x, train_y, test_x, args.epochs, args.autotune)
    else:
        predicted = sklearn_predictions(train_x, train_y, test_x)
    if args.predictions:
        Path(args.predictions).write_text("".join(f"{label}\n" for label in predicted), encoding="utf-8")
    accuracy = sum(p == str(y) for p, y in zip(predicted, test_y, strict=True)) / len(test_y)
    print(json.dumps({"accuracy": accuracy}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
