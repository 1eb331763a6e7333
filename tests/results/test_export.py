"""Export: a SavedModel whose serving signature answers as model.keras does."""

import shutil

import pytest
import tensorflow as tf
import yaml

from textclf.errors import TextclfError
from textclf.results import loading
from textclf.results.export import FALLBACK_TEXTS, export_run


def test_export_round_trip(tmp_path, trained_run):
    texts = ["superb loved it", "awful waste", "", "?!..."]
    difference = export_run(trained_run, tmp_path / "saved", texts)
    assert difference <= 1e-5
    served = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    assert list(served.structured_input_signature[1]) == ["text"]
    outputs = served(text=tf.constant(texts))
    assert outputs["label"].dtype == tf.string and outputs["probabilities"].dtype == tf.float32
    assert outputs["probabilities"].shape == (len(texts), 2)
    assert outputs["class_names"].numpy().tolist() == [[b"neg", b"pos"]] * len(texts)
    expected = loading.load_model(trained_run).predict_on_batch(tf.constant(texts))[:, 0] > 0.5
    assert [label.decode() for label in outputs["label"].numpy()] == [["neg", "pos"][int(i)] for i in expected]
    with pytest.raises(TextclfError, match="already exists"):
        export_run(trained_run, tmp_path / "saved", texts)


def test_the_texts_an_export_is_checked_on_fall_back_to_neutral_ones_without_data(tmp_path, trained_run):
    from textclf.results.export import held_out_texts

    moved = tmp_path / "run"
    shutil.copytree(trained_run, moved)
    config = (moved / "config.yaml").read_text()
    (moved / "config.yaml").write_text(config.replace(str(yaml.safe_load(config)["data"]["path"]),
                                                      str(tmp_path / "gone")))
    assert held_out_texts(moved) == FALLBACK_TEXTS
    assert len(held_out_texts(trained_run)) > len(FALLBACK_TEXTS)


def test_each_export_is_a_numbered_version_and_one_string_is_a_batch_of_one(tmp_path, trained_run):
    from helpers import invoke

    from textclf.results.export import version_folder

    for version in ("1", "2"):
        result = invoke("export", trained_run, "--out", tmp_path / "serving" / "lstm")
        assert result.exit_code == 0, result.output
        assert result.stdout.strip().splitlines()[-1] == str(tmp_path / "serving" / "lstm" / version)
    assert version_folder(tmp_path / "new" / "7") == tmp_path / "new" / "7"  # a version named by the user
    served = tf.saved_model.load(str(tmp_path / "serving" / "lstm" / "2")).signatures["serving_default"]
    one = served(text=tf.constant("superb loved it"))
    assert one["probabilities"].shape == (1, 2) and one["label"].shape == (1,)
