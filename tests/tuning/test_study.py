"""A search's study: the budget's clock keeps time back for the winner's final training and the last saves."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from textclf.config.search_space import SearchConfig
from textclf.tuning import study

SEARCHED = SimpleNamespace(search=SearchConfig())  # what a Study reads of its config


def test_trials_stop_early_enough_for_the_winner_to_be_trained_again_within_the_budget():
    clock = study.Study(cfg=SEARCHED, raw={}, tune_dir=Path("."), end=102.0, reserve=2.0, corpora={})
    assert clock.finish_by() == 100.0 and clock.trials_end() == 98.0  # nothing to train again yet
    row = {"state": "complete", "value": 0.8, "cut_short": False}
    clock.expect_winner_from([{**row, "folds": 5, "seconds": 10.0}, {**row, "folds": 5, "seconds": 20.0},
                              {**row, "folds": 5, "seconds": 60.0, "cut_short": True},  # cannot win
                              {**row, "folds": 1, "seconds": 3.0}])  # one split: trained once more too
    assert clock.trials_end() == pytest.approx(98.0 - 1.2 * 20.0 / 5)
    clock.expect_winner_from([{**row, "folds": 5, "seconds": 20.0}, {**row, "folds": 1, "seconds": 30.0}])
    assert clock.trials_end() == pytest.approx(98.0 - 1.2 * 30.0)
    lost = {**row, "folds": 1, "seconds": 90.0, "value": 0.7, "validation_size": 1000}  # 10 points below: lost
    clock.expect_winner_from([{**row, "folds": 1, "seconds": 30.0, "validation_size": 1000}, lost])
    assert clock.trials_end() == pytest.approx(98.0 - 1.2 * 30.0)  # its 90 s would not be trained again


def test_no_time_is_kept_for_a_final_training_that_would_be_the_winners_own_again(tmp_path):
    clock = study.Study(cfg=SEARCHED, raw={}, tune_dir=Path("."), end=102.0, reserve=2.0, corpora={})
    for name in ("model.keras", "config.yaml"):  # the trial's folder, as it kept it
        (tmp_path / name).write_text("kept")
    own = {"state": "complete", "value": 0.8, "cut_short": False, "folds": 1, "seconds": 30.0, "own_refit": True,
           "run_dir": str(tmp_path)}
    clock.expect_winner_from([own])  # multi-label, one split: its folder is copied, not trained
    assert clock.trials_end() == 98.0 and clock.final_seconds(own) == 0.0
    clock.members = 3  # three seeds averaged: trained after all, each saved into the ensemble and loaded again
    clock.expect_winner_from([own])
    assert clock.trials_end() == pytest.approx(98.0 - 3 * 1.2 * 30.0)
    clock.expect_winner_from([{**own, "finishing_seconds": 2.0}])
    assert clock.trials_end() == pytest.approx(97.0 - 3 * (1.2 * 30.0 + 2 * 1.25 * 2.0))  # 97: 2.5 s twice, its save


def test_a_machine_slow_to_save_keeps_more_of_the_budget_for_the_last_save_and_the_test_scoring():
    clock = study.Study(cfg=SEARCHED, raw={}, tune_dir=Path("."), end=102.0, reserve=2.0, corpora={})
    row = {"state": "complete", "value": 0.8, "cut_short": False, "folds": 1, "seconds": 3.0}
    clock.expect_winner_from([{**row, "finishing_seconds": 1.0}])  # quicker than the reserve: the reserve
    assert clock.finish_by() == 100.0 and clock.trials_end() == pytest.approx(98.0 - 1.2 * 3.0)
    clock.expect_winner_from([{**row, "finishing_seconds": 1.0}, {**row, "finishing_seconds": 4.0}])
    assert clock.finish_by() == 97.0  # 1.25 × the slowest save, for the winner's test scoring
    assert clock.trials_end() == pytest.approx(97.0 - 5.0 - 1.2 * 3.0)  # and for the last trial's save


def test_a_study_budget_is_what_earlier_runs_of_the_command_left_less_a_reserve():
    clock = study.Study.budgeted(SEARCHED, {}, Path("."), budget=100.0, spent=30.0, started=1000.0)
    assert clock.remaining == pytest.approx(100.0 - 7.0 - 30.0)  # 7 %: the reserve for finishing
    assert clock.end == pytest.approx(1000.0 + 63.0 + 7.0)
    unbounded = study.Study.budgeted(SEARCHED, {}, Path("."), budget=None, spent=30.0, started=1000.0)
    assert unbounded.remaining is None and unbounded.end == float("inf")
    small = study.Study.budgeted(SEARCHED, {}, Path("."), budget=10.0, spent=0.0, started=0.0)
    assert small.remaining == pytest.approx(10.0 - study.MIN_RESERVE_SECONDS)  # at least a few seconds back


def test_a_model_type_whose_every_trial_took_longer_than_is_left_is_not_started():
    """Its reading of the data is not stopped at the deadline: started late, it takes the final run's time."""
    import time

    clock = study.Study(cfg=SEARCHED, raw={}, tune_dir=Path("."), end=time.monotonic() + 102.0, reserve=2.0,
                        corpora={})
    row = {"state": "complete", "value": 0.8, "cut_short": False, "folds": 5}
    clock.expect_winner_from([{**row, "seconds": 150.0, "values": {"model.type": "linear"}},
                              {**row, "seconds": 10.0, "values": {"model.type": "nbsvm"}},
                              {**row, "seconds": 200.0, "values": {"model.type": "nbsvm"}, "state": "pruned"},
                              {**row, "seconds": 300.0, "values": {"model.type": "cnn"}, "cut_short": True}])
    left = clock.trials_end() - time.monotonic()
    assert 50.0 < left < 100.0 and clock.quickest == {"linear": 150.0, "nbsvm": 10.0}
    assert not clock.can_finish("linear") and clock.can_finish("nbsvm")  # its quickest trial fits
    assert clock.can_finish("cnn") and clock.can_finish("bow_ngram")  # one the budget cut short, one never tried
