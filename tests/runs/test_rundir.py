"""Run folders: the ones older textclf versions wrote are still read, evaluated, exported and resumed.

``runs_dbd9b10``: an earlier release; ``runs_521078f``: the last commit before textclf moved into subpackages
(its saved models name the flat modules). Both made by ``fixtures/make_run_folders.py``.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import FIXTURES
from typer.testing import CliRunner

from textclf.cli import app
from textclf.runs import rundir

OLDER = ["runs_dbd9b10", "runs_521078f"]


@pytest.fixture(params=OLDER)
def old_runs(request, tmp_path, monkeypatch) -> Path:
    """A copy of the folder (configs name their data relative to it, so it is the working directory)."""
    folder = tmp_path / "old"
    shutil.copytree(FIXTURES / request.param, folder)
    monkeypatch.chdir(folder)
    return folder


def run_of(folder: Path, name: str) -> Path:
    return next((folder / "outputs").glob(f"{name}-[0-9]*"))


def invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("name", ["nbsvm", "lstm"])
def test_an_older_run_is_evaluated_predicted_exported_and_plotted(old_runs, name):
    run = run_of(old_runs, name)
    report = invoke("evaluate", run)
    assert f"accuracy {rundir.read_json(run / rundir.METRICS_FILE)['test_accuracy']:.4f}" in report.stdout
    expected = json.loads((old_runs / "predictions.json").read_text())
    printed = invoke("predict", run, "--json", *[part for text in expected["texts"] for part in ("--text", text)])
    assert [json.loads(line)["text"] for line in printed.stdout.strip().splitlines()] == expected["texts"]
    from textclf.results.loading import load_model
    from textclf.results.predict import predict_texts

    got = predict_texts(load_model(run), expected["texts"])
    np.testing.assert_allclose(got[:, -1], np.array(expected[name])[:, -1], atol=1e-5)
    exported = invoke("export", run, "--out", old_runs / f"{name}-serving")
    assert "largest difference" in exported.stdout and (old_runs / f"{name}-serving" / "1" / "saved_model.pb").is_file()
    picture = Path(invoke("plot-history", run).stdout.strip().splitlines()[-1])
    assert picture.is_file() and picture.stat().st_size > 0


def test_an_older_interrupted_run_resumes_to_the_end(old_runs):
    run = run_of(old_runs, "lstm-interrupted")
    assert rundir.read_json(run / rundir.RUN_FILE)["status"] == "interrupted"
    result = invoke("train", "--resume", run)
    assert result.stdout.strip().splitlines()[-1] == str(run)
    assert "resuming after epoch 1 of 3" in result.stdout
    assert rundir.read_history(run)["epoch"] == [1, 2, 3]
    assert rundir.read_json(run / rundir.RUN_FILE)["status"] == "completed"
    assert (run / rundir.MODEL_FILE).is_file() and not (run / rundir.BACKUP).exists()
