import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
import yaml
from helpers import tiny_config, write_imdb_tree
from typer.testing import CliRunner

from textclf.cli import app
from textclf.config import load_config, validate
from textclf.errors import TextclfError
from textclf.runs import rundir
from textclf.training import train

HELD_OUT = ["Superb and moving, loved it", "Awful dull waste of time", "", "!!!"]


@pytest.mark.parametrize(
    "model, data, mixed_precision",
    [({"type": "gru", "units": 8, "embedding_dim": 8}, {}, False),
     ({"type": "dense_bow", "hidden_units": [8]}, {"ngrams": 2, "output_mode": "tf_idf"}, False),
     ({"type": "lstm", "units": 8, "embedding_dim": 8}, {}, True)],
    ids=["sequence", "bag", "mixed_precision"],
)
def test_training_leaves_a_complete_self_describing_run(tmp_path, imdb_tar, model, data, mixed_precision):
    cfg = load_config(tiny_config(tmp_path, imdb_tar, model, data=data, train={"mixed_precision": mixed_precision}))
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    result = train.run(cfg, run_dir, command_line="textclf train tiny.yaml")

    expected = {"config.yaml", "model.keras", "history.csv", "history.json", "metrics.json",
                "summary.txt", "run.json", "checkpoints"}
    assert expected <= {p.name for p in run_dir.iterdir()}
    assert not (run_dir / "backup").exists()  # the resume state goes once the run is complete
    assert validate(yaml.safe_load((run_dir / "config.yaml").read_text())) == cfg

    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics == result.metrics
    assert metrics["epochs_run"] == 2 and 0.0 <= metrics["test_accuracy"] <= 1.0
    assert metrics["parameters"] == result.model.count_params()
    assert metrics["train_seconds"] > 0 and metrics["seconds_per_epoch"] > 0
    assert 100 < metrics["peak_rss_mib"] < 100_000  # MiB: TensorFlow alone holds hundreds
    calibrated = metrics["calibration"]  # train.calibrate: auto, one label per text: a temperature, ECE either side
    assert calibrated["temperature"] > 0
    assert {"validation_ece_before", "validation_ece_after", "test_ece_before", "test_ece_after"} <= set(calibrated)

    history = json.loads((run_dir / "history.json").read_text())
    assert history["epoch"] == [1, 2]
    assert {"loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"} <= set(history)

    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "completed" and info["seed"] == 1
    assert info["command"] == "textclf train tiny.yaml"
    assert {"python", "tensorflow", "keras"} <= set(info["versions"])
    assert info["data"]["sizes"] == {"train": 64, "validation": 16, "test": 80}
    assert len(info["data"]["fingerprint"]) == 64
    assert info["class_names"] == ["neg", "pos"]
    assert model["type"] in (run_dir / "summary.txt").read_text().lower()

    # The saved model gives, in a fresh process, the probabilities the model had in training.
    in_training = result.model.predict(tf.constant(HELD_OUT), verbose=0)
    script = (
        "import json, sys, keras, tensorflow as tf, textclf.results.loading\n"
        f"model = keras.models.load_model({str(run_dir / 'model.keras')!r})\n"
        f"print(json.dumps(model.predict(tf.constant({HELD_OUT!r}), verbose=0).tolist()))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    np.testing.assert_allclose(np.array(json.loads(out.strip().splitlines()[-1])), in_training, rtol=1e-6)
    classifier = keras.models.load_model(run_dir / "checkpoints" / "best.keras")
    assert classifier.get_layer("embedding" if mixed_precision else "predictions").compute_dtype == (
        "float16" if mixed_precision else "float32")


def test_a_run_that_fails_before_training_starts_leaves_no_folder(tmp_path):
    cfg = validate({"name": "broken", "model": {"type": "lstm"}, "data": {"path": str(tmp_path / "none")}})
    run_dir = rundir.create_run_dir(tmp_path, cfg.name)
    with pytest.raises(TextclfError, match="does not exist"):
        train.run(cfg, run_dir)
    assert not run_dir.exists()  # a run that failed once training began is kept, marked failed (below)


def _start_training(config, tmp_path) -> tuple[subprocess.Popen, Path]:
    """``textclf train CONFIG`` in its own process; returns it once its first epoch is logged.

    Two epochs are logged before returning, so the kill lands inside a later epoch.
    """
    process = subprocess.Popen([sys.executable, "-m", "textclf", "train", str(config)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        logged = list((tmp_path / "outputs").glob("*/history.csv"))
        if logged and len(logged[0].read_text().splitlines()) >= 3:  # header + 2 epochs
            time.sleep(0.1)
            return process, logged[0].parent
        time.sleep(0.02)
    process.kill()
    raise AssertionError(f"training never logged two epochs: {process.communicate()}")


@pytest.fixture
def slow_config(tmp_path):
    """Five epochs of about half a second each: long enough to be killed in the middle of one."""
    data = write_imdb_tree(tmp_path / "data", per_class=150)
    return tiny_config(tmp_path, data, {"type": "lstm", "units": 16, "embedding_dim": 16},
                       train={"epochs": 5, "batch_size": 4, "early_stopping": {"enabled": False}})


def _assert_resumed_to_completion(run_dir):
    result = CliRunner().invoke(app, ["train", "--resume", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(run_dir)
    with open(run_dir / "history.csv", newline="") as handle:
        assert [int(row["epoch"]) for row in csv.DictReader(handle)] == [1, 2, 3, 4, 5]
    assert json.loads((run_dir / "history.json").read_text())["epoch"] == [1, 2, 3, 4, 5]
    assert json.loads((run_dir / "metrics.json").read_text())["epochs_run"] == 5
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "completed" and len(info["resumed"]) == 1
    assert keras.models.load_model(run_dir / "model.keras").predict(tf.constant(HELD_OUT), verbose=0).shape == (4, 1)
    assert (run_dir / "plots" / "history.png").is_file() and not (run_dir / "backup").exists()
    again = CliRunner().invoke(app, ["train", "--resume", str(run_dir)])
    assert again.exit_code == 2 and "already completed" in again.stderr


def test_a_run_killed_mid_epoch_resumes_with_every_epoch_once(slow_config, tmp_path):
    process, run_dir = _start_training(slow_config, tmp_path)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"
    assert rundir.status_of(json.loads((run_dir / "run.json").read_text())) == "killed"
    assert not (run_dir / "model.keras").exists()
    _assert_resumed_to_completion(run_dir)


def test_ctrl_c_saves_marks_interrupted_and_prints_the_resume_command(slow_config, tmp_path):
    process, run_dir = _start_training(slow_config, tmp_path)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert f"textclf train --resume {run_dir}" in stderr and "Traceback" not in stderr
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    _assert_resumed_to_completion(run_dir)


def test_a_diverging_loss_stops_training_and_marks_the_run_failed(tmp_path, imdb_dir):
    config = tiny_config(tmp_path, imdb_dir, {"type": "dense_bow", "hidden_units": [256, 256, 256]},
                         data={"output_mode": "tf_idf", "stratify": False},  # a draw known to blow up
                         train={"optimizer": "sgd", "learning_rate": 10.0, "epochs": 8, "batch_size": 32})
    result = CliRunner().invoke(app, ["train", str(config)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "diverged" in result.stderr and "learning_rate" in result.stderr
    run_dir = next((tmp_path / "outputs").iterdir())
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "failed" and "NaN" in info["error"]
    epochs_done = len((run_dir / "history.csv").read_text().splitlines()[1:])
    assert (run_dir / "backup").is_dir() == (epochs_done > 0)  # the state before the bad epoch is kept


def test_same_config_and_seed_give_identical_history_and_metrics(tmp_path, imdb_dir):
    def train_once(folder):
        cfg = load_config(tiny_config(tmp_path, imdb_dir, {"type": "gru", "units": 8, "embedding_dim": 8},
                                      train={"epochs": 3}), output_dir=str(tmp_path / folder))
        run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
        metrics = train.run(cfg, run_dir).metrics
        history = rundir.read_history(run_dir)
        timing = ("epoch_seconds", "train_seconds", "seconds_per_epoch", "peak_rss_mib", "peak_rss_mib_children")
        return ({k: v for k, v in metrics.items() if k not in timing},
                {k: v for k, v in history.items() if k not in timing})

    assert train_once("first") == train_once("second")


def test_deterministic_switches_on_tensorflow_op_determinism(tmp_path, imdb_dir):
    config = tiny_config(tmp_path, imdb_dir, {"type": "dense_bow", "hidden_units": [4]},
                         train={"epochs": 1, "deterministic": True})
    script = (  # its own process: op determinism cannot be switched off again
        "from tensorflow.python.framework import config as tf_config\n"
        "from textclf.runs import rundir\nfrom textclf.training import train\n"
        "from textclf.config import load_config\n"
        f"cfg = load_config({str(config)!r})\n"
        "assert not tf_config.is_op_determinism_enabled()\n"
        "train.run(cfg, rundir.create_run_dir(cfg.output_dir, cfg.name))\n"
        "assert tf_config.is_op_determinism_enabled()\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)


@pytest.mark.parametrize("classes", [2, 3])
def test_auc_f1_and_a_learning_rate_schedule_are_logged_per_epoch(tmp_path, classes):
    import csv as csv_module

    rows = [(f"{'great fine' if i % classes == 0 else 'awful bad' if i % classes == 1 else 'plain so so'} {i}",
             f"c{i % classes}") for i in range(90)]
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as handle:
        csv_module.writer(handle).writerows([("text", "label"), *rows])
    cfg = load_config(tiny_config(tmp_path, path, {"type": "embedding_bag", "embedding_dim": 4},
                                  data={"source": "csv", "output_mode": "count"},
                                  train={"epochs": 3, "metrics": ["accuracy", "auc", "f1"],
                                         "lr_schedule": "warmup_cosine", "checkpoint_monitor": "val_f1"}))
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    train.run(cfg, run_dir)
    history = rundir.read_history(run_dir)
    assert {"auc", "val_auc", "f1", "val_f1"} <= set(history)
    assert all(0.0 <= value <= 1.0 for key in ("val_auc", "val_f1") for value in history[key])
    rates = history["learning_rate"]
    assert len(set(rates)) == len(rates) and rates[-1] < max(rates)  # changed every epoch, decaying at the end


KILL_MOMENTS = ["reading", "vectorizing", "backup", "checkpoint", "final_save"]


@pytest.fixture(scope="module")
def killed_runs(tmp_path_factory, imdb_dir) -> dict[str, Path]:
    """Tiny runs whose processes SIGKILLed themselves at each moment (textclf.faults), started side by side;
    "concurrent" is a copy of the run killed at its first backup."""
    import os
    import shutil

    processes = {}
    for name in KILL_MOMENTS:
        root = tmp_path_factory.mktemp(f"killed-{name}")
        config = tiny_config(root, imdb_dir, {"type": "dense_bow", "hidden_units": [4]},
                             train={"epochs": 3, "early_stopping": {"enabled": False}})
        processes[name] = (root, subprocess.Popen([sys.executable, "-m", "textclf", "train", str(config)],
                                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                                  env={**os.environ, "TEXTCLF_KILL_AT": name}))
    runs = {}
    for name, (root, process) in processes.items():
        _, stderr = process.communicate(timeout=180)
        assert process.returncode == -signal.SIGKILL, stderr[-2000:]
        runs[name] = next((root / "outputs").iterdir())
    runs["concurrent"] = runs["backup"].parent / "concurrent"
    shutil.copytree(runs["backup"], runs["concurrent"])
    return runs


@pytest.mark.parametrize("moment", KILL_MOMENTS)
def test_a_kill_at_any_moment_resumes_with_every_epoch_exactly_once(moment, killed_runs):
    run_dir = killed_runs[moment]
    assert rundir.status_of(json.loads((run_dir / "run.json").read_text()), run_dir) == "killed"
    result = CliRunner().invoke(app, ["train", "--resume", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "taking over" in result.stderr  # which state it found, in one line each
    nothing_saved = moment in ("reading", "vectorizing", "backup", "checkpoint")  # the first backup comes last
    assert ("starts from the beginning" in result.stdout) == nothing_saved
    assert rundir.read_history(run_dir)["epoch"] == [1, 2, 3]
    assert json.loads((run_dir / "metrics.json").read_text())["epochs_run"] == 3
    assert json.loads((run_dir / "run.json").read_text())["status"] == "completed"
    assert keras.models.load_model(run_dir / "model.keras").predict(tf.constant(HELD_OUT), verbose=0).shape == (4, 1)
    assert not list(run_dir.rglob(".*.tmp*"))  # nothing a cut-short write left behind stays


def test_two_resumes_at_once_one_trains_and_the_other_is_refused_naming_it(killed_runs):
    run_dir = killed_runs["concurrent"]
    command = [sys.executable, "-m", "textclf", "train", "--resume", str(run_dir)]
    started = time.monotonic()
    both = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    finished = []
    while len(finished) < 2:  # note when each one ends
        for process in both:
            if process.poll() is not None and process not in [f[0] for f in finished]:
                finished.append((process, time.monotonic() - started))
        time.sleep(0.05)
    outcomes = [(process.returncode, *process.communicate(), seconds) for process, seconds in finished]
    assert sorted(code for code, *_ in outcomes) == [0, 2], outcomes
    refused = next(o for o in outcomes if o[0] == 2)
    trained = next(o for o in outcomes if o[0] == 0)
    lines = refused[2].strip().splitlines()
    assert lines[-1].startswith("error:") and "in use by process" in lines[-1], outcomes
    assert sum(line.startswith("error") for line in lines) == 1 and "Traceback" not in refused[2]
    assert refused[3] < trained[3]  # refused at once, while the other was still training
    assert rundir.read_history(run_dir)["epoch"] == [1, 2, 3]


def test_out_of_memory_is_one_line_naming_the_settings(tmp_path, imdb_dir, monkeypatch):
    cfg = load_config(tiny_config(tmp_path, imdb_dir, {"type": "lstm", "units": 8}))

    def exhausted(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")

    monkeypatch.setattr(train, "_fit", exhausted)
    with pytest.raises(TextclfError, match=r"out of memory.*train.batch_size \(16\), data.maxlen \(24\).*model.units"):
        train.run(cfg, rundir.create_run_dir(cfg.output_dir, cfg.name))
    table = cfg.model_copy(update={"data": cfg.data.model_copy(update={"source": "csv"})})
    with pytest.raises(TextclfError, match=r"\(32\); or read the table as a stream: data.stream: true$"):
        train.run(table, rundir.create_run_dir(cfg.output_dir, cfg.name))


@pytest.mark.parametrize("fraction, words", [(0.001, "in the validation split"), (0.999, "in the train split")])
def test_a_split_left_empty_or_with_one_class_is_named(tmp_path, imdb_dir, fraction, words):
    from textclf.data import splits

    cfg = load_config(tiny_config(tmp_path, imdb_dir, {"type": "lstm"}, data={"validation_split": fraction}))
    corpus = splits.load_corpus(cfg.data, cfg.seed)  # stratified: each class keeps a text in each split
    assert all(len(set(split.labels)) == 2 for split in (corpus.train, corpus.validation))
    unstratified = cfg.data.model_copy(update={"stratify": False})  # drawn from the whole, as runs once were
    with pytest.raises(TextclfError, match=f"data.validation_split: leaves .*{words}"):
        splits.load_corpus(unstratified, cfg.seed)


def test_training_names_a_class_it_never_labels_right(tmp_path):
    import random

    from helpers import invoke, synthetic_review, write_table

    rng = random.Random(0)
    path = write_table(tmp_path / "skewed.csv", [
        *((synthetic_review(rng, index % 2 == 0), "pos" if index % 2 == 0 else "neg") for index in range(200)),
        # a rare class whose texts read like the others': nothing to learn it from
        *((synthetic_review(rng, True), "rare") for _ in range(6))])
    config = tmp_path / "nb.yaml"
    config.write_text(f"name: nb\ndata: {{source: csv, path: {path}, vocab_size: 300}}\nmodel: {{type: nbsvm}}\n"
                      f"train: {{epochs: 1, batch_size: 16}}\noutput_dir: {tmp_path / 'out'}\n")
    result = invoke("train", config)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "recall 0" in line]
    assert len(warnings) == 1 and "'rare' on validation (1 text) and test (1 text)" in warnings[0]
