"""Loading a run's model: safe mode, one-line refusals, and the registrations that let every model load."""

import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from helpers import FIXTURES

from textclf.errors import TextclfError
from textclf.results import loading


def test_a_file_that_is_not_a_model_is_one_line(tmp_path):
    (tmp_path / "model.keras").write_text("not a zip archive")
    with pytest.raises(TextclfError, match="cannot load model") as caught:
        loading.load_safely(tmp_path / "model.keras")
    assert "\n" not in str(caught.value)


def test_a_model_that_would_read_a_file_from_outside_is_refused_before_keras_reads_it(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps({"config": {"layers": [{"config": {"vocabulary": "/etc/passwd"}}]}}))
    with pytest.raises(TextclfError, match="would read '/etc/passwd' from outside its own file"):
        loading.load_safely(path)


def test_a_folder_without_a_model_is_not_a_finished_run(tmp_path):
    with pytest.raises(TextclfError, match="not a finished run"):
        loading.load_model(tmp_path)


def test_a_single_label_model_has_no_thresholds(trained_run):
    model = loading.load_model(trained_run)
    assert loading.thresholds_of(model) is None and loading.class_names(trained_run, model) == ["neg", "pos"]


def test_importing_the_loader_is_enough_for_plain_keras_to_load_a_model_in_a_fresh_process(tmp_path):
    """Saved models name textclf's objects by registered name (``textclf>BagIds``), never by module path."""
    shutil.copy(FIXTURES / "saved_before_sparse_updates" / "nbsvm.keras", tmp_path / "model.keras")
    script = ("import keras, tensorflow as tf, textclf.results.loading\n"
              "model = keras.models.load_model('model.keras')\n"
              "print(model.predict(tf.constant(['a great film']), verbose=0).shape)")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] in ("(1, 1)", "(1, 2)")
