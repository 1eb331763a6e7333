"""Which trials may win, which wins, and how a row prints: the leaderboard on rows written by hand."""

import numpy as np
import pytest

from textclf.tuning import leaderboard


def rows(*scores, size=None) -> list[dict]:
    return [{"trial": number, "value": float(np.mean(folds)), "fold_scores": list(folds), "validation_size": size}
            for number, folds in enumerate(scores)]


def test_the_winner_is_the_earliest_trial_within_one_standard_error_of_the_best():
    first, lucky, clear = (0.80, 0.84, 0.82), (0.86, 0.80, 0.84), (0.90, 0.91, 0.92)
    assert leaderboard.winner(rows(first, lucky))["trial"] == 0  # 0.820 against 0.833 ± 0.018: not told apart
    assert leaderboard.winner(rows(first, lucky, clear))["trial"] == 2  # 0.910 ± 0.006 beats both
    losses = rows((0.50, 0.46), (0.44, 0.50))
    assert leaderboard.winner(losses, "val_loss")["trial"] == 0  # 0.48 within 0.03 of 0.47
    # one split: the error of an accuracy over its validation texts, sqrt(0.9 × 0.1 / n)
    assert leaderboard.winner(rows((0.895,), (0.90,), size=2_500))["trial"] == 0  # ± 0.006
    assert leaderboard.winner(rows((0.895,), (0.90,), size=250_000))["trial"] == 1  # ± 0.0006
    assert leaderboard.winner(rows((0.31,), (0.30,), size=2_500), "val_loss")["trial"] == 1  # a loss: the best


def test_a_trial_the_budget_cut_short_wins_only_when_no_trial_finished_every_fold():
    full, cut = {"state": "complete", "value": 0.80, "cut_short": False}, {"state": "complete", "value": 0.90,
                                                                           "cut_short": True}
    pruned = {"state": "pruned", "value": 0.95, "cut_short": False}
    assert leaderboard.candidates([full, cut, pruned]) == [full]
    assert leaderboard.candidates([cut, pruned]) == [cut]
    assert leaderboard.candidates([pruned]) == []


def test_a_trial_that_has_clearly_lost_is_no_longer_a_contender():
    scores = rows((0.8956,), (0.9304,), (0.9096,), (0.9290,), size=2_500)  # IMDB's first trials (RESULTS.md)
    assert [r["trial"] for r in leaderboard.contenders(scores)] == [1, 3]  # ± 0.006: trials 0 and 2 cannot win
    folds = rows((0.80, 0.84, 0.82), (0.86, 0.80, 0.84), (0.70, 0.72, 0.71))
    assert [r["trial"] for r in leaderboard.contenders(folds)] == [0, 1]  # the largest error, ± 0.018, counts
    assert [r["trial"] for r in leaderboard.contenders(rows((0.30,), (0.31,)), "val_loss")] == [0]
    assert leaderboard.contenders([]) == []
    for later in (0.95, 0.925):  # whatever comes later, the winner is a contender from before or the later trial
        assert leaderboard.winner([*scores, {**rows((later,), size=2_500)[0], "trial": 4}])["trial"] in (1, 3, 4)


@pytest.mark.parametrize(("cut_short", "state", "shown"), [
    (False, "complete", "complete"), (True, "complete", "cut short"), (False, "pruned", "pruned")])
def test_a_row_prints_its_trial_model_score_seconds_state_and_values(cut_short, state, shown):
    row = {"trial": 7, "state": state, "cut_short": cut_short, "value": 0.81234, "seconds": 9.06,
           "values": {"model.type": "nbsvm", "train.learning_rate": 0.0123456, "data.ngrams": 2}}
    text = leaderboard.line(row, "val_accuracy")
    assert text.split()[:5] == ["trial", "7", "nbsvm", "val_accuracy", "0.8123"]
    assert "9.1 s" in text and f" {shown} " in text and text.endswith("learning_rate=0.01235 ngrams=2")
    assert leaderboard.final_training_seconds({**row, "folds": 3}) == pytest.approx(1.2 * 9.06 / 3)


def test_only_trials_that_ran_to_their_end_count_as_done():
    from textclf.tuning.leaderboard import done

    rows = [{"trial": 0, "state": "fail"}, {"trial": 1, "state": "complete"}, {"trial": 2, "state": "pruned"}]
    assert [row["trial"] for row in done(rows)] == [1, 2]


def test_the_winner_says_why_it_won_when_another_trial_scored_higher():
    from textclf.tuning.leaderboard import reason, winner

    rows = [{"trial": 0, "value": 0.7733, "fold_scores": None, "validation_size": 600},
            {"trial": 1, "value": 0.7775, "fold_scores": None, "validation_size": 600}]
    chosen = winner(rows)
    assert chosen["trial"] == 0
    assert reason(rows, "val_accuracy", chosen).startswith("the earliest trial within one standard error (0.0170) "
                                                           "of the best, trial 1's 0.7775")
    assert reason(rows, "val_accuracy", rows[1]) == "the best score"


def test_a_trial_is_its_own_final_run_only_on_one_split_kept_whole_while_its_folder_holds_its_model(tmp_path):
    for name in ("model.keras", "config.yaml"):
        (tmp_path / name).write_text("kept")
    row = {"own_refit": True, "folds": 1, "cut_short": False, "run_dir": str(tmp_path)}
    assert leaderboard.reusable(row)
    assert not leaderboard.reusable({**row, "own_refit": False})  # its refit holds back another share
    assert not leaderboard.reusable({**row, "folds": 5})  # over folds: trained again on them all
    (tmp_path / "model.keras").unlink()  # another process's trial, say, not readable here
    assert not leaderboard.reusable(row)
