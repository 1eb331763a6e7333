import json
from pathlib import Path

import numpy as np
import pytest
from helpers import TOPICS, topic_rows

from textclf.model.head import Head
from textclf.results import multi_label

# Four texts, three labels; decisions at the thresholds below:
#   text 0: true {a, b}, predicted {a}        text 1: true {b}, predicted {b, c}
#   text 2: true {},     predicted {}         text 3: true {a, c}, predicted {a, c}
LABELS = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0], [1, 0, 1]], np.int8)
PROBABILITIES = np.array([[0.9, 0.3, 0.1], [0.2, 0.8, 0.7], [0.1, 0.2, 0.3], [0.7, 0.1, 0.9]])
THRESHOLDS = [0.5, 0.5, 0.6]


def test_scores_match_hand_computed_values():
    scores = multi_label.scores(LABELS, PROBABILITIES, THRESHOLDS, ["a", "b", "c"])
    # per label: a: tp 2, fp 0, fn 0; b: tp 1, fp 0, fn 1; c: tp 1, fp 1, fn 0
    a, b, c = (scores["per_label"][name] for name in "abc")
    assert (a["precision"], a["recall"], a["f1"], a["support"]) == (1.0, 1.0, 1.0, 2)
    assert (b["precision"], b["recall"], b["f1"], b["support"]) == (1.0, 0.5, pytest.approx(2 / 3), 2)
    assert (c["precision"], c["recall"], c["f1"], c["support"]) == (0.5, 1.0, pytest.approx(2 / 3), 1)
    assert c["threshold"] == 0.6
    # micro: tp 4, fp 1, fn 1
    assert scores["micro"] == {"precision": 0.8, "recall": 0.8, "f1": pytest.approx(0.8)}
    assert scores["macro"]["f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)
    assert scores["weighted"]["f1"] == pytest.approx((2 * 1 + 2 * 2 / 3 + 1 * 2 / 3) / 5)
    assert scores["subset_accuracy"] == 0.5  # texts 2 and 3
    assert scores["hamming_loss"] == pytest.approx(2 / 12)
    assert scores["label_cardinality"] == {"true": 1.25, "predicted": 1.25}
    # b's ROC: positives score 0.3, 0.8; negatives 0.2, 0.1 → every positive above every negative
    assert b["roc_auc"] == 1.0 and a["roc_auc"] == 1.0


def test_a_label_no_text_holds_has_no_roc_auc_and_zero_scores():
    labels = np.array([[1, 0], [0, 0]])
    scores = multi_label.scores(labels, np.array([[0.9, 0.1], [0.2, 0.2]]), 0.5, ["x", "y"])
    assert scores["per_label"]["y"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0,
                                        "threshold": 0.5, "roc_auc": None}


def test_thresholds_give_each_label_its_best_f1():
    labels = np.array([[1, 0], [1, 0], [0, 0], [0, 1], [0, 0]])
    probabilities = np.array([[0.30, 0.1], [0.25, 0.2], [0.20, 0.3], [0.10, 0.9], [0.30, 0.4]])
    thresholds = multi_label.tune_thresholds(labels, probabilities)
    # label 0: cutting below 0.25 keeps {0.30, 0.30, 0.25}: two of two positives, F1 0.8 (ties stay together)
    assert thresholds[0] == pytest.approx((0.25 + 0.20) / 2)
    # label 1: only the 0.9 text, the one positive: F1 1
    assert thresholds[1] == pytest.approx((0.9 + 0.4) / 2)
    decided = Head(2, multi_label=True).decide(probabilities, thresholds)
    assert decided[:, 1].tolist() == [0, 0, 0, 1, 0]


def test_a_label_validation_never_holds_keeps_the_default_threshold():
    thresholds = multi_label.tune_thresholds(np.array([[1, 0], [0, 0]]), np.array([[0.9, 0.8], [0.1, 0.2]]))
    assert thresholds[1] == 0.5 and 0.1 < thresholds[0] < 0.9


def test_cross_fitted_macro_f1_never_scores_the_rows_that_tuned_its_thresholds():
    rng = np.random.default_rng(0)
    labels = (rng.random((400, 3)) < 0.1).astype(np.int8)
    telling = np.where(labels > 0, 0.7, 0.3) + rng.normal(0, 0.01, labels.shape)  # every label separable
    assert multi_label.cross_fitted_macro_f1(labels, telling) == pytest.approx(1.0)
    noise = rng.random(labels.shape)  # no label told: thresholds fitted to these rows look good only on them
    in_sample = multi_label.scores(labels, noise, multi_label.tune_thresholds(labels, noise), ["a", "b", "c"])
    assert multi_label.cross_fitted_macro_f1(labels, noise) < in_sample["macro"]["f1"] - 0.02


def test_the_multi_label_head_is_a_sigmoid_per_label():
    head = Head(3, multi_label=True)
    assert (head.units, head.activation, head.loss, head.binary) == (3, "sigmoid", "binary_crossentropy", False)
    assert head.probabilities(PROBABILITIES) is PROBABILITIES
    assert head.decide(PROBABILITIES, THRESHOLDS).tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 0], [1, 0, 1]]
    assert head.scored_classes() == [0, 1, 2] and head.label_matrix(LABELS) is LABELS


def test_a_multi_label_run_through_every_command(tmp_path):
    """train → metrics with thresholds → evaluate → predict (text, --json, --file) → runs → plot-history →
    export, whose SavedModel decides as model.keras does."""
    import csv

    import tensorflow as tf
    import yaml
    from typer.testing import CliRunner

    import textclf
    from textclf.cli import app

    with open(tmp_path / "topics.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("text", "label"), *topic_rows(300, seed=0)])
    config = {"name": "topics", "seed": 1, "output_dir": str(tmp_path / "outputs"),
              "data": {"source": "csv", "path": str(tmp_path / "topics.csv"), "task": "multi_label",
                       "label_separator": "|", "vocab_size": 100},
              "model": {"type": "nbsvm"},  # balanced: each label's positives and negatives weighed (losses.py)
              "train": {"epochs": 3, "batch_size": 16, "learning_rate": 0.05, "class_weight": "balanced"}}
    (tmp_path / "topics.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(app, [str(arg) for arg in args])
        assert result.exit_code == 0, result.output
        return result.stdout

    trained = invoke("train", tmp_path / "topics.yaml").strip().splitlines()
    run = Path(trained[-1])
    assert trained[-2].startswith("test micro-F1 ")
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["task"] == "multi_label" and set(metrics["thresholds"]) == set(TOPICS)
    assert metrics["val_tuned_macro_f1"] > 0.9  # what tune compares multi-label trials by
    assert metrics["test_micro_f1"] > 0.9 and metrics["test_macro_f1"] > 0.9
    model = textclf.load_model(run / "model.keras")
    assert model.thresholds == pytest.approx(list(metrics["thresholds"].values()), abs=1e-6)

    report = invoke("evaluate", run, "--errors", "2")
    assert "micro-F1" in report and "weather" in report and (run / "evaluation/test/label_f1.png").is_file()
    line = invoke("predict", run, "goal match rain storm").strip()
    assert sorted(line.split("\t")[0].split()[::2]) == ["sports", "weather"]  # each with its probability
    record = json.loads(invoke("predict", run, "--json", "--top-k", "3", "the bank and the loan"))
    assert [item["label"] for item in record["labels"]] == ["money"] and len(record["top"]) == 3
    (tmp_path / "lines.txt").write_text("the of and\nprice cash\n", encoding="utf-8")
    lines = invoke("predict", run, "--file", tmp_path / "lines.txt").strip().splitlines()
    assert [line.split("\t")[0] for line in lines][0] == "(none)" and lines[1].startswith("money ")
    table = invoke("runs", "--dir", tmp_path / "outputs", "--sort", "test_f1").splitlines()
    assert table[0].split()[6:8] == ["test_accuracy", "test_f1"] and table[1].split()[0] == run.name
    assert table[1].split()[6] == f"{metrics['test_micro_f1']:.4f}"
    evaluated = json.loads((run / "evaluation/test/metrics.json").read_text())  # scored again, from raw texts
    assert metrics["test_accuracy"] == pytest.approx(evaluated["subset_accuracy"])
    assert metrics["test_macro_f1"] == pytest.approx(evaluated["macro"]["f1"])
    invoke("plot-history", run, "--out", tmp_path / "history.png")

    assert "largest difference" in invoke("export", run, "--out", tmp_path / "served")
    served = tf.saved_model.load(str(tmp_path / "served" / "1")).signatures["serving_default"]
    texts = [text for text, _ in topic_rows(40, seed=7)]
    applied = served(text=tf.constant(texts))["labels_applied"].numpy()
    expected = (model.predict(texts) > np.array(model.thresholds)).astype(int)
    assert applied.tolist() == expected.tolist() and applied.sum() > 0
