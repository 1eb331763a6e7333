import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
import yaml
from conftest import tiny_config

from textclf import rundir, train
from textclf.config import load_config, validate
from textclf.errors import TextclfError

HELD_OUT = ["Superb and moving, loved it", "Awful dull waste of time", "", "!!!"]


@pytest.mark.parametrize(
    "model, data",
    [({"type": "gru", "units": 8, "embedding_dim": 8}, {}),
     ({"type": "dense_bow", "hidden_units": [8]}, {"ngrams": 2, "output_mode": "tf_idf"})],
    ids=["sequence", "bag"],
)
def test_training_leaves_a_complete_self_describing_run(tmp_path, imdb_tar, model, data):
    cfg = load_config(tiny_config(tmp_path, imdb_tar, model, data=data))
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    result = train.run(cfg, run_dir, command_line="textclf train tiny.yaml")

    expected = {"config.yaml", "model.keras", "history.csv", "history.json", "metrics.json",
                "summary.txt", "run.json", "checkpoints"}
    assert expected <= {p.name for p in run_dir.iterdir()}
    assert validate(yaml.safe_load((run_dir / "config.yaml").read_text())) == cfg

    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics == result.metrics
    assert metrics["epochs_run"] == 2 and 0.0 <= metrics["test_accuracy"] <= 1.0
    assert metrics["parameters"] == result.model.count_params()
    assert metrics["train_seconds"] > 0 and metrics["seconds_per_epoch"] > 0

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
        "import json, sys, keras, tensorflow as tf, textclf.layers\n"
        f"model = keras.models.load_model({str(run_dir / 'model.keras')!r})\n"
        f"print(json.dumps(model.predict(tf.constant({HELD_OUT!r}), verbose=0).tolist()))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    np.testing.assert_allclose(np.array(json.loads(out.strip().splitlines()[-1])), in_training, rtol=1e-6)


def test_a_failing_run_is_marked_failed(tmp_path):
    cfg = validate({"name": "broken", "model": {"type": "lstm"}, "data": {"path": str(tmp_path / "none")}})
    run_dir = rundir.create_run_dir(tmp_path, cfg.name)
    with pytest.raises(TextclfError, match="does not exist"):
        train.run(cfg, run_dir)
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "failed" and "does not exist" in info["error"]
