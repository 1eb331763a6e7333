"""The train command's policy: what it refuses before training, --dry-run alike, and what it prints."""

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from helpers import assert_user_error, tiny_config, write_imdb_tree
from typer.testing import CliRunner

from textclf import launch
from textclf.cli import app
from textclf.errors import TextclfError
from textclf.runs import rundir


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert sum(line.startswith("error") for line in lines) == 1 and "Traceback" not in result.output
    return lines[-1]


@pytest.fixture
def stopped_run(tmp_path, trained_run):
    """A copy of a finished run marked as interrupted: resumable as far as the command line can tell."""
    run = tmp_path / "stopped"
    shutil.copytree(trained_run, run)
    rundir.update_run_info(run, status="interrupted")
    return run


def multi_worker(run):
    config = yaml.safe_load((run / rundir.CONFIG_FILE).read_text())
    config["train"].update(distribute="multi_worker", class_weight="none")
    (run / rundir.CONFIG_FILE).write_text(yaml.safe_dump(config))
    return ["--resume", run]


REQUEST_MISTAKES = {  # rules about the request rather than the config: refused the same with --dry-run
    "a config and --resume": (lambda run: [run / rundir.CONFIG_FILE, "--resume", run], "either a CONFIG"),
    "neither": (lambda run: [], "either a CONFIG"),
    "--resume with --set": (lambda run: ["--resume", run, "--set", "train.epochs=9"], "--resume: the run keeps"),
    "--resume with --output-dir": (lambda run: ["--resume", run, "--output-dir", "x"], "--resume: the run keeps"),
    "--resume of a multi_worker run": (multi_worker, "cannot be resumed"),
}


@pytest.mark.parametrize("case", REQUEST_MISTAKES)
def test_the_request_is_refused_alike_with_and_without_dry_run(stopped_run, case):
    arguments, words = REQUEST_MISTAKES[case]
    args = arguments(stopped_run)
    dry, real = one_error_line(invoke("train", *args, "--dry-run")), one_error_line(invoke("train", *args))
    assert words in real and dry == real
    assert rundir.read_json(stopped_run / rundir.RUN_FILE)["status"] == "interrupted"  # nothing was started


def test_dry_run_of_a_resume_prints_the_runs_own_config(stopped_run):
    request = launch.Request(None, resume=stopped_run, dry_run=True)
    printed = launch.train(request, note=print)
    assert len(printed) == 1 and yaml.safe_load(printed[0]) == yaml.safe_load(
        (stopped_run / rundir.CONFIG_FILE).read_text())


def test_a_request_for_a_run_that_is_not_resumable_is_a_project_error(tmp_path):
    with pytest.raises(TextclfError):
        launch.resolve(launch.Request(None, resume=tmp_path / "nowhere"))


def test_resume_refuses_what_it_cannot_resume(tmp_path, trained_run):
    assert_user_error(invoke("train", "--resume", tmp_path / "gone"), "gone", "does not exist")
    assert_user_error(invoke("train", "--resume", tmp_path), str(tmp_path), "not a textclf run")
    assert_user_error(invoke("train", "--resume", trained_run), "already completed")
    assert_user_error(invoke("train", "--resume", trained_run, "--set", "train.epochs=9"), "--set")
    assert_user_error(invoke("train"), "CONFIG", "--resume")


def test_resume_refuses_a_live_run_and_different_data(tmp_path, imdb_dir):
    config = tiny_config(tmp_path, imdb_dir, {"type": "dense_bow", "hidden_units": [4]}, train={"epochs": 1})
    run = Path(invoke("train", config).stdout.strip().splitlines()[-1])
    info = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**info, "status": "running", "pid": os.getpid()}))
    from textclf.runs import run_lock

    with run_lock.hold(run):  # a live training holds the run's lock
        assert_user_error(invoke("train", "--resume", run), "in use by process", str(os.getpid()))
    (run / "run.json").write_text(json.dumps({**info, "status": "failed"}))
    other = write_imdb_tree(tmp_path / "other", per_class=10, seed=5)
    assert_user_error(invoke("train", "--resume", run, "--data", other), "data differs", str(run))


def test_predict_labels_each_row_of_a_table_not_its_raw_lines(trained_run, tmp_path):
    from textclf import launch

    table = tmp_path / "reviews.csv"
    table.write_text('text,label\n"Superb, moving, loved it",pos\n"Awful, dull waste",neg\n', encoding="utf-8")
    request = launch.PredictRequest((str(trained_run),), file=str(table))
    results = list(launch.predict(request, note=lambda line: None))
    assert [result.text for result in results] == ["Superb, moving, loved it", "Awful, dull waste"]
    other = launch.PredictRequest((str(trained_run),), file=str(table), text_column="label")
    assert [result.text for result in launch.predict(other, note=lambda line: None)] == ["pos", "neg"]
