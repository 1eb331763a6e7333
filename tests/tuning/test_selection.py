"""Ensemble selection: greedy forward selection with replacement on held-out predictions (Caruana et al.)."""

import numpy as np
import pytest

from textclf.results import multi_label
from textclf.tuning import selection

METRICS = ["val_accuracy", "val_macro_f1", "val_loss"]


def _pool(seed: int, trials: int = 6, rows: int = 300, classes: int = 3):
    """Noisy models of one truth: each right on its own share of the rows."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, rows)
    pool = {}
    for trial in range(trials):
        logits = rng.normal(0, 1.0, (rows, classes))
        logits[np.arange(rows), labels] += rng.uniform(0.3, 1.5)
        pool[trial] = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return pool, labels


def _multi_label_pool(seed: int, trials: int = 5, rows: int = 300, labels: int = 4):
    """Noisy sigmoid models of one multi-label truth, with a rare label."""
    rng = np.random.default_rng(seed)
    truth = (rng.random((rows, labels)) < np.linspace(0.05, 0.4, labels)).astype(np.int8)
    pool = {}
    for trial in range(trials):
        logits = rng.normal(-1.0, 1.0, (rows, labels)) + truth * rng.uniform(0.5, 2.0)
        pool[trial] = 1 / (1 + np.exp(-logits))
    return pool, truth


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize(("seed", "make"), [(0, _pool), (1, _pool), (2, _pool), (0, _multi_label_pool),
                                            (1, _multi_label_pool)])
def test_each_greedy_step_raises_the_held_out_score_and_the_selection_stops_where_none_would(metric, seed, make):
    pool, labels = make(seed)
    chosen = selection.greedy(pool, labels, metric)
    assert all(later > earlier for earlier, later in zip(chosen.steps, chosen.steps[1:], strict=False))
    assert chosen.score == chosen.steps[-1] >= chosen.single == max(selection.score(p, labels, metric)
                                                                   for p in pool.values())
    size = len(chosen.steps)  # one pick per step
    mean = sum(weight * pool[t] for t, weight in chosen.weights.items())
    assert selection.score(mean, labels, metric) == pytest.approx(chosen.score)
    if size < selection.ROUNDS:  # it stopped: no trial, added once more, raises the score
        total = sum(weight * size * pool[t] for t, weight in chosen.weights.items())
        assert all(selection.score((total + p) / (size + 1), labels, metric) <= chosen.score for p in pool.values())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weights_sum_to_1_and_count_picks(seed):
    pool, labels = _pool(seed)
    chosen = selection.greedy(pool, labels, "val_accuracy")
    assert sum(chosen.weights.values()) == pytest.approx(1.0)
    picks = len(chosen.steps)
    assert all(abs(weight * picks - round(weight * picks)) < 1e-9 for weight in chosen.weights.values())


def test_two_models_right_on_different_texts_are_both_chosen_and_beat_either():
    labels = np.array([0, 1] * 50)
    sure, unsure = 0.9, 0.45  # each model is sure where it is right, unsure (and wrong) elsewhere
    first = np.where(np.arange(100)[:, None] < 50, [[sure, 1 - sure]], [[unsure, 1 - unsure]])
    first = np.where(labels[:, None] == 0, first, first[:, ::-1])
    second = np.where(np.arange(100)[:, None] >= 50, [[sure, 1 - sure]], [[unsure, 1 - unsure]])
    second = np.where(labels[:, None] == 0, second, second[:, ::-1])
    chosen = selection.greedy({3: first, 7: second, 9: np.full((100, 2), 0.5)}, labels, "val_accuracy")
    assert set(chosen.weights) == {3, 7} and chosen.score == 1.0 > chosen.single == 0.5


def test_one_model_that_no_other_improves_is_chosen_alone():
    labels = np.array([0, 1, 1, 0])
    perfect = np.eye(2)[labels] * 0.9 + 0.05
    chosen = selection.greedy({0: np.full((4, 2), 0.5), 1: perfect}, labels, "val_accuracy")
    assert chosen.weights == {1: 1.0} and chosen.steps == [1.0]


def test_macro_f1_counts_every_class_alike():
    labels = np.array([0, 0, 0, 0, 1])
    always_first = np.tile([0.9, 0.1], (5, 1))
    assert selection.score(always_first, labels, "val_accuracy") == 0.8
    assert selection.score(always_first, labels, "val_macro_f1") == pytest.approx((2 * 4 / 9 + 0.0) / 2)
    assert selection.score(always_first, labels, "val_loss") == pytest.approx(np.mean(np.log([.9] * 4 + [.1])))


def test_the_pool_is_the_trials_that_held_out_the_same_rows(tmp_path):
    pool, labels = _pool(0, trials=4, rows=10)
    rows = np.arange(10)[::-1]  # saved in any order, read back by row
    for trial in range(4):
        key = "one-split" if trial == 2 else "five-folds"
        selection.save_held_out(tmp_path, trial, key, rows, pool[trial][::-1], labels[::-1])
    loaded, read_labels = selection.load_pool({t: selection.held_out_path(tmp_path, t) for t in [0, 1, 2, 3, 5]})
    assert sorted(loaded) == [0, 1, 3] and np.array_equal(read_labels, labels)
    np.testing.assert_allclose(loaded[1], pool[1], atol=1e-6)
    assert selection.load_pool({0: tmp_path / "none.npz"}) == ({}, pytest.approx(np.zeros(0)))


def test_multi_label_predictions_are_scored_as_the_final_run_decides_with_thresholds_tuned_on_other_rows():
    pool, truth = _multi_label_pool(3, trials=1)
    probabilities = pool[0]
    assert selection.score(probabilities, truth, "val_macro_f1") == multi_label.cross_fitted_macro_f1(
        truth, probabilities)
    expected = np.mean(truth * np.log(probabilities) + (1 - truth) * np.log(1 - probabilities))
    assert selection.score(probabilities, truth, "val_loss") == pytest.approx(expected)
    worse = np.clip(probabilities + np.random.default_rng(0).normal(0, 0.3, probabilities.shape), 0.01, 0.99)
    assert selection.score(worse, truth, "val_macro_f1") < selection.score(probabilities, truth, "val_macro_f1")
