import numpy as np
import pytest

from textclf.results import calibration


def test_a_calibrated_model_has_no_gap_and_an_overconfident_one_has_its_gap():
    labels = np.array([0] * 8 + [1] * 2)  # the model says 0 with 0.8 for every text: right 8 times in 10
    probabilities = np.tile([0.8, 0.2], (10, 1))
    report = calibration.reliability(labels, probabilities)
    assert report["ece"] == pytest.approx(0.0, abs=1e-12)
    assert report["bins"] == [{"low": pytest.approx(11 / 15, abs=1e-4), "high": pytest.approx(12 / 15, abs=1e-4),
                               "count": 10, "confidence": pytest.approx(0.8), "accuracy": pytest.approx(0.8)}]
    sure = calibration.reliability(labels, np.tile([0.99, 0.01], (10, 1)))
    assert sure["ece"] == pytest.approx(0.19)
    assert sure["brier"] == pytest.approx((8 * (0.01**2 * 2) + 2 * (0.99**2 + 0.99**2)) / 10)


def test_bins_split_by_confidence_and_weigh_by_count():
    labels = np.array([0, 0, 1, 1])
    probabilities = np.array([[1.0, 0.0], [0.55, 0.45], [0.3, 0.7], [0.6, 0.4]])
    report = calibration.reliability(labels, probabilities)
    assert [b["count"] for b in report["bins"]] == [2, 1, 1]  # 0.55 and 0.6 share (8/15, 9/15]
    expected = (2 * abs(0.575 - 0.5) + abs(0.7 - 1) + abs(1.0 - 1)) / 4
    assert report["ece"] == pytest.approx(expected)


def test_the_fitted_temperature_undoes_an_overconfident_model_and_keeps_every_decision():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (4000, 3))
    truth = calibration.scaled(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), 2.0)  # the true temperature 2
    labels = np.array([rng.choice(3, p=row) for row in truth])
    said = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)  # the model's logits are twice too sharp
    temperature = calibration.fit_temperature(labels, said)
    assert temperature == pytest.approx(2.0, rel=0.1)
    fixed = calibration.scaled(said, temperature)
    assert (fixed.argmax(1) == said.argmax(1)).all()
    assert calibration.reliability(labels, fixed)["ece"] < calibration.reliability(labels, said)["ece"] / 2
    assert calibration.fit_temperature(np.array([], int), np.zeros((0, 3))) == 1.0
