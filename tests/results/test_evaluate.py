import json

import pytest

from textclf.results.evaluate import evaluate_run


def test_evaluate_reproduces_the_test_accuracy_of_training(trained_run):
    report = evaluate_run(trained_run, errors=3)
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert report["examples"] == 80
    assert report["accuracy"] == pytest.approx(metrics["test_accuracy"], abs=1e-6)  # Keras keeps float32
    assert report["loss"] == pytest.approx(metrics["test_loss"], rel=1e-3)
    written = json.loads((trained_run / "evaluation" / "test" / "metrics.json").read_text())
    assert written["accuracy"] == report["accuracy"] and len(written["mistakes"]) <= 3
    for picture in ("confusion_matrix.png", "roc.png"):
        assert (trained_run / "evaluation" / "test" / picture).read_bytes()[:4] == b"\x89PNG"


def test_each_split_keeps_its_own_evaluation(trained_run):
    test = evaluate_run(trained_run, split="test", errors=0)
    validation = evaluate_run(trained_run, split="validation", errors=0)
    on_disk = {split: json.loads((trained_run / "evaluation" / split / "metrics.json").read_text())
               for split in ("test", "validation")}
    assert (on_disk["test"]["examples"], on_disk["validation"]["examples"]) == (test["examples"],
                                                                                 validation["examples"])
    assert (on_disk["test"]["split"], on_disk["validation"]["split"]) == ("test", "validation")


