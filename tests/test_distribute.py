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
from textclf import rundir, train
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
    config = tiny_config(tmp_path, imdb_dir, model, train={"epochs": 2})
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
    assert mirrored[0] > 0.5 > mirrored[1] and single[0] > 0.5 > single[1]


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
