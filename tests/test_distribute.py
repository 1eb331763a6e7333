"""train.distribute on two logical CPU devices, configured before TensorFlow starts."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import tiny_config

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
    config = tiny_config(tmp_path, imdb_dir, model, train={"epochs": 3})
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(config), json.dumps(TEXTS)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    results = json.loads(out.stdout.strip().splitlines()[-1])
    for result in results.values():
        history = json.loads((tmp_path / "outputs" / result["run_dir"] / "history.json").read_text())
        assert history["epoch"] == [1, 2, 3] and len(history["val_loss"]) == 3
    info = json.loads((tmp_path / "outputs" / results["mirrored"]["run_dir"] / "run.json").read_text())
    assert info["status"] == "completed" and info["distribute"] == {"strategy": "mirrored", "replicas": 2}
    # Same data, seed and global batch: the two-replica model ends close to the one-device model (not
    # bit-identical: the gradient sum runs in another order) and labels the texts alike.
    mirrored, single = (np.array(results[k]["predictions"]).ravel() for k in ("mirrored", "none"))
    np.testing.assert_allclose(mirrored, single, atol=0.02)
    assert mirrored[0] > 0.5 > mirrored[1] and single[0] > 0.5 > single[1]
