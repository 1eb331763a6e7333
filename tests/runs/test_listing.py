"""The runs table: every run under a folder, the winners of its studies included, with its data and F1."""

from helpers import invoke

from textclf.runs import listing, rundir


def fake_run(folder, name, data="/data/reviews.csv", **metrics):
    run = folder / name
    run.mkdir(parents=True)
    rundir.write_json(run / rundir.RUN_FILE, {"status": "completed", "model_type": "nbsvm",
                                              "started_at": "2026-12-06T10:00:00", "data": {"location": data}})
    rundir.write_json(run / rundir.METRICS_FILE, {"epochs_run": 2, "test_accuracy": 0.8, **metrics})
    return run


def test_a_studys_winner_is_listed_by_its_study_and_a_study_folder_lists_its_runs(tmp_path):
    fake_run(tmp_path, "plain-20261206T100000Z", test_macro_f1=0.75)
    fake_run(tmp_path / "tune-reviews" / "best", "trial-000-20261206T100500Z", test_macro_f1=0.7)
    fake_run(tmp_path / "tune-reviews" / "trials", "trial-001-20261206T100100Z")
    rows = {row["run"]: row for row in listing.list_runs(tmp_path)}
    assert set(rows) == {"plain-20261206T100000Z", "tune-reviews/best/trial-000-20261206T100500Z"}
    assert rows["plain-20261206T100000Z"]["data"] == "reviews.csv" and rows["plain-20261206T100000Z"]["test_f1"] == 0.75
    inside = {row["run"] for row in listing.list_runs(tmp_path / "tune-reviews")}
    assert inside == {"best/trial-000-20261206T100500Z", "trials/trial-001-20261206T100100Z"}


def test_multi_label_runs_show_micro_f1_and_the_command_prints_the_data_column(tmp_path):
    fake_run(tmp_path, "tags-20261206T100000Z", data="/data/tags.jsonl", test_micro_f1=0.6, test_macro_f1=0.4)
    assert listing.list_runs(tmp_path)[0]["test_f1"] == 0.6
    printed = invoke("runs", "--dir", tmp_path).stdout.splitlines()
    assert printed[0].split()[:3] == ["run", "data", "model"] and "tags.jsonl" in printed[-1]
