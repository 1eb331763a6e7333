"""The design choices behind textclf's defaults, judged by cross-validation on training data only.

    python -m benchmarks.design_cv --sentences ../shared/data/sentences --suite ../shared/data/suite \
        [--sets cr mpqa ...] [--folds 5] [--choices char_ngrams punctuation ...]
    python -m benchmarks.design_cv --imdb ../shared/data/aclImdb_labeled.tar.gz --sets imdb --choices long_members

Each choice is a change to configs/recommended.yaml (``--set`` values). For each set of the visible suite
but IMDB (CR, MPQA and SUBJ: the training part of the peers' seeded 90/10 split; TweetEval emotion and hate,
Banking77: their train.csv), the training rows are split into K folds (textclf's own, seed 42); each fold is
held out once, and the config trains on the other folds (with its own validation draw from them, as
``textclf train`` does) and is scored on the fold it never saw. A set's score is the mean over its folds. A
default is changed where the alternative lifts the mean over the sets by more than the standard error of
that mean (the differences' spread across sets); otherwise it is kept. A choice for long texts only is
measured on IMDB's 25,000 training reviews alone (``--sets imdb``), its error then the spread of the folds'
paired differences. No test row is scored (IMDB's archive is read whole to write its training rows). Results go to
benchmarks/RESULTS.md (section "design-cv") and design_cv.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.peers import HERE, ROOT
from benchmarks.results import markdown_table, section_body, write_section

SETS = ["cr", "mpqa", "subj", "emotion", "hate", "banking77"]
LONG = ["imdb"]  # measured on its own where asked (--sets imdb): long texts, a choice of their own
BOW = ["model={type: bow_ngram, input_dropout: 0.2}", "data.vocab_size=200000", "data.char_ngrams=null",
       "train.optimizer=lazy_adam", "train.learning_rate=0.002"]
NBSVM_REFIT = ["data.ngrams=3", "model.alpha=1.0", "train.optimizer=lazy_adam", "train.learning_rate=0.002",
               "data.validation_split=0.01", "train.epochs=1", "train.early_stopping.enabled=false",
               "train.reduce_lr_on_plateau.enabled=false", "train.checkpoint_monitor=loss"]
# a linear trial as the default search ran it before linear_learning_rate: configs/linear.yaml's values with the
# search's epochs and patience
LINEAR = ["model={type: linear}", "data.output_mode=tf_idf", "data.char_ngrams=[2, 5]", "data.ngrams=2",
          "train.optimizer=adam", "train.learning_rate=0.08", "train.epochs=10", "train.early_stopping.patience=1"]
# choice → (the default's --set values, the alternative's): what the default is measured against
CHOICES = {
    "char_ngrams": ([], ["data.char_ngrams=null"]),
    "punctuation": ([], ["data.punctuation=strip"]),
    "optimizer": ([], ["train.optimizer=lazy_adam"]),
    "checkpoint_monitor": ([], ["train.checkpoint_monitor=val_accuracy"]),
    "alpha": ([], ["model.alpha=1.0"]),
    "ensemble": ([], ["train.ensemble=3"]),
    "linear_tf_idf": ([], ["model={type: linear}", "data.output_mode=tf_idf", "data.char_ngrams=[2, 5]",
                           "train.learning_rate=0.08", "train.epochs=20", "train.early_stopping.patience=2"]),
    # NBSVM trials' train.epochs [1, 10]: one pass from the Naive Bayes solution against early stopping
    "one_epoch": ([], ["train.epochs=1"]),
    # tune's refit: the final training on all but a sliver, for a fixed count of epochs (the sentence sets' folds
    # kept 1 to 5; 2 here), without early stopping, against the trial's own 90 % / 10 % with early stopping
    "refit": ([], ["data.validation_split=0.01", "train.epochs=2", "train.early_stopping.enabled=false",
                   "train.reduce_lr_on_plateau.enabled=false", "train.checkpoint_monitor=loss"]),
    # the search space's bow_ngram trials (configs/search/default.yaml's first one) without and with their words'
    # character 2-4-grams
    "bow_char_ngrams": (BOW, [*BOW, "data.char_ngrams=[2, 4]"]),
    # the linear trials' updates: Adam over every weight each step, against Adam over the rows a batch holds, or
    # against a quarter of the steps (many-class data: Banking77's 77 columns made its 5 folds take 96 s)
    "linear_lazy_adam": (LINEAR, [*LINEAR, "train.optimizer=lazy_adam"]),
    "linear_batch_256": (LINEAR, [*LINEAR, "train.batch_size=256"]),
    # the linear trials' features: tf-idf weights, against every n-gram a text holds weighing alike (each text's
    # vector divided by its length either way); Adam moves each weight at its own pace, so a rare n-gram's
    # larger idf speeds its weight's hold on the logit
    "linear_multi_hot": (LINEAR, [*LINEAR, "data.output_mode=multi_hot"]),
    # the bag layers' OOV column (model.unseen_terms): skipped, as scikit-learn drops unknown terms, against read
    # as one more term; in recommended.yaml's NBSVM, the linear trials and the bow_ngram trials (whose capped
    # 200,000-term vocabulary leaves training texts unseen terms, so that the column's weight trains)
    "unseen_terms": ([], ["model.unseen_terms=count"]),
    "linear_unseen_terms": (LINEAR, [*LINEAR, "model.unseen_terms=count"]),
    "bow_unseen_terms": (BOW, [*BOW, "model.unseen_terms=count"]),
    # the linear trials' step size, chosen while the OOV column still swelled each held-out text's norm
    "linear_learning_rate": (LINEAR, [*LINEAR, "train.learning_rate=0.02"]),
    # tune's final run on data of 20,000 texts or more: IMDB's winner (configs/nbsvm.yaml's values) refit as
    # tune refits it, one training against an ensemble of three seeds (space.member_count)
    "long_members": (NBSVM_REFIT, [*NBSVM_REFIT, "train.ensemble=3"]),
    # IMDB's winner again: its 1-3-grams overflow the million-term vocabulary, so training texts hold unseen
    # terms and the OOV column's weight trains where it is counted
    "long_unseen_terms": (NBSVM_REFIT, [*NBSVM_REFIT, "model.unseen_terms=count"]),
}


def training_rows(name: str, args, folder: Path) -> Path:
    """The set's training rows only, as the suite splits it (``suite.data_files``); the test rows are not read."""
    from benchmarks.suite import data_files

    return data_files(name, args, folder)[0]


def training_sets_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments of a benchmark on the training rows of the six sets besides IMDB (``training_rows``)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--sentences", required=True, help="folder holding cr.csv, mpqa.csv, subj.csv")
    parser.add_argument("--suite", required=True, help="folder holding emotion/, hate/, banking77/ (train.csv)")
    parser.add_argument("--sets", nargs="*", default=SETS, choices=SETS)
    return parser


def fold_scores(train_csv: Path, overrides: list[str], folds: int, folder: Path) -> list[float]:
    """Each fold's accuracy when held out from a training on the other folds (textclf's folds, seed 42)."""
    import keras

    from textclf.config import load_config
    from textclf.data import splits
    from textclf.data.labeled import Split
    from textclf.runs import rundir
    from textclf.training import train

    cfg = load_config(ROOT / "configs" / "recommended.yaml", overrides, data_path=str(train_csv),
                      output_dir=str(folder))
    cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"test_split": 0.0001})})
    corpus = splits.load_corpus(cfg.data, cfg.seed)
    scores = []
    for index, fold in enumerate(splits.folds(corpus, folds, cfg.seed)):
        empty = Split(fold.train.texts[:0], fold.train.labels[:0])
        outer = splits.Corpus(fold.train, empty, fold.validation, fold.class_names, fold.fingerprint, fold.location)
        inner = splits.redrawn(outer, cfg.data.validation_split, cfg.seed + index, cfg.data.stratify)
        keras.backend.clear_session()
        run_dir = rundir.create_run_dir(folder, f"fold{index}")
        metrics = train.run(cfg, run_dir, options=train.Options(corpus=inner)).metrics
        scores.append(float(metrics["test_accuracy"]))
    return scores


def measure(args) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sets:
            rows += set_rows(name, args, Path(folder))
    return rows


def set_rows(name: str, args, folder: Path) -> list[dict]:
    """One set's row per choice; a default that several choices share (recommended.yaml's) runs once."""
    train_csv, scored, seconds, rows = training_rows(name, args, folder), {}, {}, []
    for choice in args.choices:
        default, changed = CHOICES[choice]
        for overrides, arm in ((default, f"{choice}-default"), (changed, choice)):
            if tuple(overrides) not in scored:
                started = time.perf_counter()
                scored[tuple(overrides)] = fold_scores(train_csv, overrides, args.folds, folder / name / arm)
                seconds[tuple(overrides)] = round(time.perf_counter() - started, 1)
        base, other = scored[tuple(default)], scored[tuple(changed)]
        extra = changed[len(default):] if changed[:len(default)] == default else changed
        rows.append({"data": name, "choice": choice, "default": base, "alternative": other, "change": " ".join(extra),
                     "seconds": [seconds[tuple(default)], seconds[tuple(changed)]],  # all folds, each arm
                     **({"from": " ".join(default)} if default else {}),
                     "measured_at": time.strftime("%Y-%m-%d %H:%M UTC")})
        print(f"{name} {choice}: default {np.mean(base):.4f}, {' '.join(changed)} {np.mean(other):.4f}",
              file=sys.stderr, flush=True)
    return rows


def verdict(lift: float, error: float) -> str:
    """Change a default only where the alternative lifts the suite's mean by more than its standard error
    across the sets: a smaller difference is the draw of folds, not the choice."""
    if lift < -error:
        return "change: the alternative lifts the suite"
    return "keep the default" if lift >= 0 else "keep the default (the alternative's lift is within the error)"


def table(rows: list[dict], sets: list[str]) -> str:
    lines = []
    for choice in dict.fromkeys(row["choice"] for row in rows):
        picked = {row["data"]: row for row in rows if row["choice"] == choice}
        cells = [f"{100 * statistics.mean(picked[s]['default']):.2f} / "
                 f"{100 * statistics.mean(picked[s]['alternative']):.2f}" if s in picked else "-" for s in sets]
        differences = [100 * (statistics.mean(r["default"]) - statistics.mean(r["alternative"]))
                       for r in picked.values()]
        if len(picked) == 1:  # one set: the spread of its folds' paired differences
            only = next(iter(picked.values()))
            differences = [100 * (d - a) for d, a in zip(only["default"], only["alternative"], strict=True)]
        lift = statistics.mean(differences)
        error = statistics.stdev(differences) / len(differences) ** 0.5 if len(differences) > 1 else 0.0
        first = next(iter(picked.values()))
        change = f"from `{first['from']}`: `{first['change']}`" if first.get("from") else f"`{first['change']}`"
        timed = [r["seconds"] for r in picked.values() if "seconds" in r]  # rows measured before: none
        cost = f"{sum(t[0] for t in timed):.0f} / {sum(t[1] for t in timed):.0f}" if timed else "-"
        lines.append([choice, change, *cells, f"{lift:+.2f} ± {error:.2f}", verdict(lift, error), cost])
    header = ["choice", "alternative", *(f"{s}: default / alternative (CV accuracy, %)" for s in sets),
              "default − alternative, suite mean ± its standard error (points)", "verdict",
              "seconds, every set's folds: default / alternative"]
    return markdown_table(header, lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", help="folder holding cr.csv, mpqa.csv, subj.csv")
    parser.add_argument("--suite", help="folder holding emotion/, hate/, banking77/ (train.csv)")
    parser.add_argument("--imdb", help="aclImdb folder or .tar.gz, for --sets imdb")
    parser.add_argument("--sets", nargs="*", default=SETS, choices=[*SETS, *LONG])
    parser.add_argument("--choices", nargs="*", default=list(CHOICES), choices=list(CHOICES))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--render", action="store_true", help="write the table of design_cv.json again, measuring "
                                                               "nothing (each row keeps its own measured time)")
    args = parser.parse_args()
    if args.render:
        rows = json.loads((HERE / "design_cv.json").read_text())
        args.sets = [s for s in [*SETS, *LONG] if any(row["data"] == s for row in rows)]
    else:
        saved = json.loads((HERE / "design_cv.json").read_text()) if (HERE / "design_cv.json").exists() else []
        measured = measure(args)  # choices not rerun keep their saved rows, each with its own measured time
        rows = [row for row in saved if (row["choice"], row["data"]) not in
                {(new["choice"], new["data"]) for new in measured}] + measured
        rows.sort(key=lambda row: list(CHOICES).index(row["choice"]) if row["choice"] in CHOICES else len(CHOICES))
        (HERE / "design_cv.json").write_text(json.dumps(rows, indent=1) + "\n")
        args.sets = [s for s in [*SETS, *LONG] if any(row["data"] == s for row in rows)]
    body = section_body(__doc__, table(rows, args.sets))
    write_section("design-cv", "Design choices by cross-validation on training data", body)
    print(table(rows, args.sets))


if __name__ == "__main__":
    main()
