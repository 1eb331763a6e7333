"""The speed benchmark compares like with like: the reference script builds the same models."""

from pathlib import Path

import pytest

from benchmarks.reference_keras import build_model
from benchmarks.speed import CONFIGS
from textclf.config import load_config
from textclf.model import builders

ROOT = Path(__file__).parent.parent

SAME_MATH = {"BagDense": "Dense"}  # a Dense layer that reads the bag's non-zero entries only


@pytest.mark.parametrize("name", CONFIGS)
def test_reference_script_builds_the_same_model_as_textclf(name):
    cfg = load_config(ROOT / "configs" / f"{name}.yaml")
    ours = builders.build(cfg.model, vocab_size=cfg.data.vocab_size, num_classes=2)
    reference = build_model(cfg.model, cfg.data.vocab_size, cfg.data.maxlen)
    assert reference.count_params() == ours.count_params()
    assert [type(layer).__name__ for layer in reference.layers] == [
        SAME_MATH.get(type(layer).__name__, type(layer).__name__) for layer in ours.layers
        if type(layer).__name__ != "InputLayer"
    ]


def test_peers_split_each_sentence_set_once_the_same_way_for_every_system(tmp_path):
    import csv

    from benchmarks.peers import commands, split_csv

    source = tmp_path / "set.csv"
    with open(source, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "label"])
        writer.writerows([f"text number {i}, with a comma", "pos" if i % 3 else "neg"] for i in range(50))
    first = [p.read_text() for p in split_csv(source, tmp_path)]
    again = [p.read_text() for p in split_csv(source, tmp_path)]
    assert first == again
    train_rows, test_rows = (list(csv.DictReader(text.splitlines())) for text in first)
    assert (len(train_rows), len(test_rows)) == (45, 5)
    texts = sorted(r["text"] for r in train_rows + test_rows)
    assert texts == sorted(f"text number {i}, with a comma" for i in range(50))
    systems = commands("set", {"set": (tmp_path / "set-train.csv", tmp_path / "set-test.csv")}, tmp_path / "runs")
    assert set(systems) == {"textclf recommended", "fastText", "TF-IDF + LR"}
    assert all(str(tmp_path / "set-test.csv") in " ".join(command) for command in systems.values())


def test_goemotions_files_are_read_as_the_config_reads_them(tmp_path):
    """The benchmark's own reader of the reference's data agrees with ``configs/goemotions.yaml``'s."""
    from benchmarks.goemotions import read_tsv
    from textclf.data import splits

    rows = 'a "quoted" text\t0,27\tid1\nplain\t3\tid2\n'
    (tmp_path / "train.tsv").write_text(rows * 5, encoding="utf-8")
    texts, labels = read_tsv(tmp_path / "train.tsv", 28)
    cfg = load_config(Path(__file__).parent.parent / "configs" / "goemotions.yaml", ["data.validation_split=0.2"],
                      data_path=str(tmp_path / "train.tsv"))
    read = splits.read_source(cfg.data).splits["train"]
    assert read.texts.tolist() == texts and read.labels.tolist() == labels.tolist()
    assert texts[0] == 'a "quoted" text' and labels[0].nonzero()[0].tolist() == [0, 27]


def test_multi_label_cv_holds_out_part_of_the_training_rows_and_reports_mean_differences(tmp_path):
    from benchmarks.multi_label_cv import row, split

    rows = [f"text {i}\t{i % 28}\tid{i}\n" for i in range(200)]
    (tmp_path / "train.tsv").write_text("".join(rows), encoding="utf-8")
    kept, held = split(tmp_path / "train.tsv", 1, tmp_path)
    kept_rows, held_rows = kept.read_text().splitlines(True), held.read_text().splitlines(True)
    assert len(held_rows) == 30 and sorted(kept_rows + held_rows) == sorted(rows)
    assert held.read_text() != split(tmp_path / "train.tsv", 2, tmp_path)[1].read_text()  # folds differ
    measured = row("ensemble", {"default": [0.45, 0.44, 0.46], "alternative": [0.46, 0.46, 0.46]})
    assert measured["mean_difference"] == pytest.approx(-1.0) and measured["standard_error"] == pytest.approx(
        (1 / 3) ** 0.5 * 1.0)


def test_before_after_reports_each_trees_medians_and_the_ratio():
    from benchmarks.before_after import table

    runs = {side: [{"wall": wall, "epoch": 1.0, "accuracy": 0.9, "rss": 1000.0} for wall in walls]
            for side, walls in (("before", [10.0, 12.0, 11.0]), ("after", [9.0, 10.0, 9.5]))}
    medians = {side: {"wall": float(sorted(run["wall"] for run in done)[1]), "epoch": 1.0, "rss": 1000.0}
               for side, done in runs.items()}
    row = {"config": "nbsvm", "runs": runs, "medians": medians, "ratio": medians["after"]["wall"] / 11.0,
           "commit": "abc1234", "measured": "2026-12-06 15:00 UTC"}
    lines = table([row], "abc1234").splitlines()
    assert lines[2].startswith("| nbsvm | before (abc1234) | 11.0 (10.0, 12.0, 11.0) | 1.00× |")
    assert lines[3].startswith("| nbsvm | after (tree) | 9.5 (9.0, 10.0, 9.5) | **0.86×** |")


def test_suite_scores_every_system_alike_with_bootstrap_intervals_around_the_estimate():
    from benchmarks.suite import scores

    truth = ["a"] * 60 + ["b"] * 30 + ["c"] * 10
    predicted = ["a"] * 55 + ["b"] * 5 + ["b"] * 25 + ["a"] * 5 + ["a"] * 10  # c never predicted
    result = scores(truth, predicted)
    assert result["accuracy"] == 0.8
    f1_a, f1_b = 2 * 55 / (60 + 70), 2 * 25 / (30 + 30)
    assert abs(result["macro_f1"] - (f1_a + f1_b + 0.0) / 3) < 1e-9
    for key in ("accuracy", "macro_f1"):
        low, high = result[f"{key}_ci"]
        assert low < result[key] < high and high - low < 0.3


def test_suite_summary_counts_wins_and_margins_over_the_best_peer():
    from benchmarks.suite import PEERS, margin, table

    def row(name, ours, peers):
        result = {"accuracy": ours, "accuracy_ci": [0, 1], "macro_f1": ours, "macro_f1_ci": [0, 1], "wall": 1, "rss": 1}
        systems = {"textclf tune": result, **{p: {**result, "accuracy": a} for p, a in zip(PEERS, peers, strict=True)}}
        return {"data": name, "test_rows": 10, "systems": systems, "measured_at": "now"}

    rows = [row("x", 0.9, [0.85, 0.88, 0.7]), row("y", 0.8, [0.82, 0.5, 0.5])]
    assert round(margin(rows[0], "textclf tune"), 6) == 2.0 and round(margin(rows[1], "textclf tune"), 6) == -2.0
    assert margin(rows[0], "textclf recommended") is None  # not measured: no margin
    assert "beats the best peer on 1 of 2 sets; mean margin +0.00 points, worst -2.00" in table(rows)


def test_inspection_plants_flips_to_another_class_and_scores_flags_against_them():
    from benchmarks.inspection import flipped, rows_of, score

    rows = [(f"text {i}", "abc"[i % 3]) for i in range(200)]
    noisy, truth = flipped(rows, seed=1)
    assert len(truth) == 10 and flipped(rows, seed=1) == (noisy, truth)
    assert all((noisy[i][1] != rows[i][1]) == (i in truth) for i in range(200))
    picked = sorted(truth)[:4]
    flags = rows_of([noisy[i] for i in picked] + [noisy[next(i for i in range(200) if i not in truth)]], noisy)
    assert score(flags, truth) == {"flagged": 5, "precision": 0.8, "recall": 0.4, "f1": round(2 * 0.8 * 0.4 / 1.2, 4)}


def test_design_cv_runs_a_default_that_choices_share_once_and_names_a_default_of_its_own(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from benchmarks import design_cv

    runs = []
    monkeypatch.setattr(design_cv, "training_rows", lambda name, args, folder: tmp_path / "train.csv")
    monkeypatch.setattr(design_cv, "fold_scores", lambda csv, overrides, folds, folder:
                        runs.append(tuple(overrides)) or [0.5 + 0.01 * len(overrides)] * folds)
    args = SimpleNamespace(choices=["punctuation", "optimizer", "bow_char_ngrams"], folds=2)
    rows = design_cv.set_rows("cr", args, tmp_path)
    assert runs.count(()) == 1 and len(runs) == 5  # recommended.yaml once; two changes of it; the bag MLP, ±chars
    assert rows[2]["from"] == " ".join(design_cv.BOW) and rows[2]["change"] == "data.char_ngrams=[2, 4]"
    assert rows[2]["alternative"] == [0.5 + 0.01 * (len(design_cv.BOW) + 1)] * 2
    assert f"from `{rows[2]['from']}`: `data.char_ngrams=[2, 4]`" in design_cv.table(rows, ["cr"])


def test_pool_cv_finds_first_trials_by_their_values_and_scores_pools_on_rows_they_did_not_choose_on(tmp_path,
                                                                                                    monkeypatch):
    import json

    import numpy as np

    from benchmarks import pool_cv
    from textclf.tuning import selection

    firsts = [{"model.type": "nbsvm", "train.learning_rate": 0.02}, {"model.type": "bow_ngram", "train.learning_rate":
              0.002}, {"model.type": "linear", "train.learning_rate": 0.02, "train.optimizer": "adam"}]
    monkeypatch.setattr(pool_cv, "CANDIDATES", {"linear": firsts[2]})
    labels = np.arange(200) % 2
    right, wrong = np.eye(2)[labels], np.eye(2)[1 - labels]
    guess = np.where(np.arange(200)[:, None] % 4 == 0, wrong, right)  # 75 % right
    # numbered in another order than the first list: found by values (linear's optimizer is no searched key)
    made = {2: (firsts[0], guess), 0: (firsts[1], right), 1: ({**firsts[2], "train.optimizer": None}, wrong)}
    for number, (_values, probabilities) in made.items():
        selection.save_held_out(tmp_path, number, "k", np.arange(200), probabilities, labels)
    rows = [{"trial": n, "seconds": 10.0 + n, "values": {k: v for k, v in values.items() if v is not None}}
            for n, (values, _) in made.items()]
    (tmp_path / "tune.json").write_text(json.dumps({"trials": rows}))
    row = pool_cv.set_row("cr", tmp_path, firsts)
    assert row["scores"]["default"] == 1.0 and row["scores"]["without bow_ngram"] == 0.75
    assert row["scores"]["+ linear (linear.yaml's)"] == 1.0 and row["seconds"]["bow_ngram"] == 10.0
    assert row["singles"] == {"nbsvm (recommended.yaml's)": 0.75, "bow_ngram": 1.0, "linear (linear.yaml's)": 0.0}
    assert "| without bow_ngram | 100.00 / 75.00 |" in pool_cv.table([row])


def test_margin_cv_holds_each_training_row_out_once_and_compares_with_the_best_peer(tmp_path):
    from benchmarks import margin_cv

    rows = [(f"text {i} {'good' if i % 3 else 'bad'}", "pos" if i % 3 else "neg") for i in range(50)]
    path = tmp_path / "train.csv"
    path.write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in rows), encoding="utf-8")
    seen = []

    def reads_the_word(train_x, train_y, test_x):
        assert not set(train_x) & set(test_x)  # a fold's rows are never trained on
        seen.extend(test_x)
        return ["pos" if "good" in text else "neg" for text in test_x]

    assert margin_cv.cross_validated(path, reads_the_word) == 1.0
    assert sorted(seen) == sorted(t for t, _ in rows)  # each row held out once
    assert margin_cv.cross_validated(path, lambda a, b, test_x: ["pos"] * len(test_x)) == pytest.approx(
        33 / 50, abs=0.02)  # the majority class, fold by fold
    table = margin_cv.table([{"data": "cr", "textclf": 0.81, "peers": {"TF-IDF + LR": 0.80, "fastText bigrams": 0.79},
                              "test_margin": -0.5}])
    assert "| cr | 81.00 | 80.00 | 79.00 | +1.00 | -0.50 |" in table


def test_unseen_terms_scores_each_fold_with_the_oov_column_kept_and_dropped(tmp_path):
    import random

    from helpers import synthetic_review

    from benchmarks import unseen_terms

    rng = random.Random(0)
    reviews = [(synthetic_review(rng, i % 2 == 0), "pos" if i % 2 == 0 else "neg") for i in range(60)]
    path = tmp_path / "train.csv"
    path.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in reviews), encoding="utf-8")
    scores = unseen_terms.fold_accuracies(path)
    assert sorted(scores) == ["dropped", "kept"] and all(len(s) == unseen_terms.FOLDS for s in scores.values())
    assert all(0.5 <= a <= 1.0 for s in scores.values() for a in s)  # the class words are there to learn
    table = unseen_terms.table([{"data": "hate", "kept": [0.70, 0.71], "dropped": [0.78, 0.77]}])
    assert "| hate | 70.50 | 77.50 | +7.00 |" in table
