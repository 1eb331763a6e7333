"""The served run: loaded once with its metadata; rows as /v1/predict and TF Serving's shape give them."""

import numpy as np
import pytest

from textclf.errors import TextclfError
from textclf.serving.served_model import ServedModel, clean


@pytest.fixture(scope="module")
def served(nbsvm_run):
    return ServedModel(nbsvm_run)


def test_metadata_names_the_run_its_classes_metrics_and_config(served, nbsvm_run):
    meta = served.metadata
    assert meta["name"] == nbsvm_run.name and meta["class_names"] == ["neg", "pos"]
    assert meta["task"] == "single_label" and meta["thresholds"] is None
    assert set(meta["test_metrics"]) >= {"test_accuracy", "test_macro_f1"}
    assert meta["config"]["model"]["type"] == "nbsvm" and meta["calibration"]["temperature"] > 0


def test_rows_carry_every_class_and_the_top_k(served):
    probabilities = served.probabilities(["superb", "dull"])
    rows = served.rows(["superb", "dull"], probabilities, top_k=2)
    assert [row["label"] for row in rows] == ["pos", "neg"]
    assert rows[0]["probabilities"]["pos"] == pytest.approx(float(probabilities[0, 1]))
    assert [item["label"] for item in rows[1]["top"]] == ["neg", "pos"]
    shaped = served.tf_serving_rows(probabilities)
    assert shaped[0] == {"probabilities": pytest.approx(probabilities[0].tolist()), "class_names": ["neg", "pos"],
                         "label": "pos"}


def test_explanations_are_of_each_texts_label(served):
    probabilities = served.probabilities(["superb film"])
    (found,) = served.explanations(["superb film"], probabilities)
    assert found["label"] == "pos" and found["method"] == "exact" and served.explanation_refusal() is None
    assert np.isclose(found["score"], found["baseline"] + sum(t["contribution"] for t in found["terms"]), atol=1e-5)


def test_texts_json_allows_and_utf8_does_not_are_repaired():
    assert clean("a\ud800b") == "a?b" and clean("plain") == "plain"


def test_a_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(TextclfError, match="not a finished run"):
        ServedModel(tmp_path)
