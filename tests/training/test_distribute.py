"""train.distribute on two logical CPU devices, configured before TensorFlow starts."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import tiny_config

TEXTS = ["Superb and moving, loved it", "Awful dull waste of time", "the plot was a film", ""]

SCRIPT = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from textclf.runs import rundir
from textclf.training import train
from textclf.config import load_config
results = {}
for distribute in ("none", "mirrored"):
    cfg = load_config(sys.argv[1], [f"train.distribute={distribute}", "train.devices=['/cpu:0', '/cpu:1']"
                                    if distribute == "mirrored" else "train.devices=null"])
    run_dir = rundir.create_run_dir(cfg.output_dir, f"{cfg.name}-{distribute}")
    model = train.run(cfg, run_dir).model
    results[distribute] = {"run_dir": str(run_dir),
                           "predictions": model.predict(tf.constant(json.loads(sys.argv[2])), verbose=0).tolist()}
print(json.dumps(results))
"""


@pytest.mark.parametrize("model", [{"type": "lstm", "units": 8, "embedding_dim": 8},
                                   {"type": "dense_bow", "hidden_units": [8]}], ids=["lstm", "dense_bow"])
def test_mirrored_on_two_devices_trains_like_one_device(tmp_path, imdb_dir, model):
    # calibrate none: a temperature fitted on 16 validation texts would magnify the replicas' rounding
    config = tiny_config(tmp_path, imdb_dir, model, train={"epochs": 2, "calibrate": "none"})
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(config), json.dumps(TEXTS)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    results = json.loads(out.stdout.strip().splitlines()[-1])
    for result in results.values():
        history = json.loads((tmp_path / "outputs" / result["run_dir"] / "history.json").read_text())
        assert history["epoch"] == [1, 2] and len(history["val_loss"]) == 2
    info = json.loads((tmp_path / "outputs" / results["mirrored"]["run_dir"] / "run.json").read_text())
    assert info["status"] == "completed" and info["distribute"] == {"strategy": "mirrored", "replicas": 2}
    # Same data, seed and global batch: the two-replica model ends close to the one-device model (not
    # bit-identical: the gradient sum runs in another order) and labels the texts alike.
    mirrored, single = (np.array(results[k]["predictions"]).ravel() for k in ("mirrored", "none"))
    np.testing.assert_allclose(mirrored, single, atol=0.02)
    assert mirrored[0] > mirrored[1] and single[0] > single[1]  # the positive review scored above the negative


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_on_localhost_finish_with_the_same_weights(tmp_path, imdb_dir):
    config = tiny_config(tmp_path, imdb_dir, {"type": "gru", "units": 8, "embedding_dim": 8},
                         train={"epochs": 2, "distribute": "multi_worker"})
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "textclf", "train", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env={**os.environ, "TF_CONFIG": json.dumps(
                {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})},
        )
        for index in range(2)
    ]
    (chief_out, chief_err), (worker_out, worker_err) = (p.communicate(timeout=240) for p in processes)
    assert processes[0].returncode == 0, chief_err[-3000:]
    assert processes[1].returncode == 0, worker_err[-3000:]

    run_dir = Path(chief_out.strip().splitlines()[-1])
    assert list((tmp_path / "outputs").iterdir()) == [run_dir]  # only the chief keeps a run
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert worker_out.strip().splitlines()[-1].endswith(f"weights sha256 {metrics['weights_sha256']}")
    assert json.loads((run_dir / "history.json").read_text())["epoch"] == [1, 2]
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "completed" and info["distribute"] == {"strategy": "multi_worker", "replicas": 2}


def test_multi_worker_without_tf_config_is_a_user_error(tmp_path, imdb_dir, monkeypatch):
    from typer.testing import CliRunner

    from textclf.cli import app

    monkeypatch.delenv("TF_CONFIG", raising=False)
    config = tiny_config(tmp_path, imdb_dir, {"type": "gru"}, train={"distribute": "multi_worker"})
    result = CliRunner().invoke(app, ["train", str(config)])
    assert result.exit_code == 2 and "TF_CONFIG" in result.stderr and "Traceback" not in result.output


# A worker that logs every .csv file it opens (Python's audit hook sees each open()), then runs the command line.
LOGGING_OPENS = """
import os, sys
log = open(os.environ["OPENED_LOG"], "a")
def note_open(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].endswith(".csv"):
        log.write(args[0] + "\\n")
        log.flush()
sys.addaudithook(note_open)
from textclf.cli import main
main()
"""


def _two_workers(tmp_path: Path, config: Path, *extra: str) -> list[tuple[int, str, str]]:
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]

    def environment(index: int) -> dict:
        place = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        return {**os.environ, "OPENED_LOG": str(tmp_path / f"opened-{index}"), "TF_CONFIG": json.dumps(place)}
    processes = [subprocess.Popen([sys.executable, "-c", LOGGING_OPENS, "train", str(config), *extra],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(index))
                 for index in range(2)]
    outputs = [p.communicate(timeout=240) for p in processes]
    return [(p.returncode, *output) for p, output in zip(processes, outputs, strict=True)]


def _shards(tmp_path: Path, rows_each: int) -> list[Path]:
    import csv
    import random

    from helpers import synthetic_review

    rng, paths = random.Random(3), []
    for shard in range(4):
        paths.append(tmp_path / f"part-{shard}.csv")
        with paths[-1].open("w", newline="", encoding="utf-8") as handle:
            positive = [(shard * rows_each + i) % 2 == 0 for i in range(rows_each)]
            csv.writer(handle).writerows([("text", "label"), *((f"{synthetic_review(rng, good)} #{shard}-{i}",
                                                                 "pos" if good else "neg")
                                                                for i, good in enumerate(positive))])
    return paths


@pytest.mark.parametrize("model", [{"type": "nbsvm"}, {"type": "lstm", "units": 8, "embedding_dim": 8}])
def test_two_streaming_workers_each_read_only_their_shards_and_agree(tmp_path, model):
    shards = _shards(tmp_path, 60)
    config = tiny_config(tmp_path, tmp_path / "part-*.csv", model,
                         data={"source": "csv", "stream": True, "ngrams": 2, "vocabulary_sample": 50},
                         train={"epochs": 2, "distribute": "multi_worker"})
    (chief_code, chief_out, chief_err), (worker_code, worker_out, worker_err) = _two_workers(tmp_path, config)
    assert chief_code == 0 and worker_code == 0, (chief_err + worker_err)[-3000:]
    assert "Traceback" not in chief_err + worker_err, (chief_err + worker_err)[-3000:]
    opened = [set((tmp_path / f"opened-{index}").read_text().split()) & set(map(str, shards)) for index in range(2)]
    assert opened == [{str(shards[0]), str(shards[2])}, {str(shards[1]), str(shards[3])}]

    run_dir = Path(chief_out.strip().splitlines()[-1])
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert worker_out.strip().splitlines()[-1].endswith(f"weights sha256 {metrics['weights_sha256']}")
    assert metrics["test_accuracy"] > 0.7
    assert [p.name for p in (tmp_path / "outputs").iterdir()] == [run_dir.name]  # the shared folder is gone
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "completed" and info["data"]["streamed"]
    shares = np.array(info["data"]["worker_shares"])
    assert shares.sum() == 240 and list(shares.sum(axis=0)) == list(info["data"]["sizes"].values())
    # the shares' scores, combined, are the whole test split's: one process reading every shard agrees
    from textclf.results import evaluate

    assert evaluate.evaluate_run(run_dir)["accuracy"] == pytest.approx(metrics["test_accuracy"], abs=1e-6)


@pytest.mark.parametrize("mistake, words", [
    ("a bad row", ["error: worker 1: ", "part-3.csv line 32: empty label"]),
    ("one file", ["error: worker 0: ", "data.path: 1 file(s) for 2 workers"]),
])
def test_a_mistake_in_one_workers_share_stops_both_workers_with_one_line(tmp_path, mistake, words):
    shards = _shards(tmp_path, 30)
    with shards[3].open("a", encoding="utf-8") as handle:
        handle.write("a text without its label,\n")
    data = tmp_path / ("part-*.csv" if mistake == "a bad row" else "part-0.csv")
    config = tiny_config(tmp_path, data, {"type": "nbsvm"},
                         data={"source": "csv", "stream": True}, train={"distribute": "multi_worker"})
    for code, _, err in _two_workers(tmp_path, config):  # neither waits for the other in vain
        assert code == 2 and "Traceback" not in err
        last = err.strip().splitlines()[-1]
        assert last.startswith(words[0]) and words[1] in last
