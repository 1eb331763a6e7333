"""What a run says about itself: its versions, its data checked on resume, its headline and warnings."""

import pytest

from textclf.config import validate
from textclf.errors import TextclfError
from textclf.features.inputs import kinds
from textclf.runs import rundir
from textclf.training import run_record


def test_versions_name_what_decides_the_numbers():
    assert set(run_record.versions()) == {"textclf", "python", "tensorflow", "keras", "numpy", "platform"}


def test_a_resume_refuses_other_data_and_records_data_it_never_read(tmp_path):
    rundir.write_json(tmp_path / rundir.RUN_FILE, {"status": "interrupted"})
    info = {"fingerprint": "a", "vocabulary_sha256": "v", "location": "d.csv"}
    run_record.check_same_data(tmp_path, info)  # stopped before it read anything: this data is its data
    assert rundir.read_json(tmp_path / rundir.RUN_FILE)["data"] == info
    run_record.check_same_data(tmp_path, info)
    with pytest.raises(TextclfError, match="the data differs from the one"):
        run_record.check_same_data(tmp_path, {**info, "fingerprint": "b"})


@pytest.mark.parametrize(("metrics", "warned"), [({"test_accuracy": 0.6, "majority_share": {"test": 0.6}}, True),
                                                 ({"test_accuracy": 0.9, "majority_share": {"test": 0.6}}, False),
                                                 ({"test_accuracy": 0.5}, False)])
def test_a_model_no_better_than_the_largest_class_is_warned_about(metrics, warned):
    warning = run_record.baseline_warning(metrics, "test")
    assert (warning is not None and "did not learn" in warning) == warned


def test_the_headline_quotes_the_score_that_fits_the_task():
    assert run_record.headline({"epochs_run": 1, "test_accuracy": 0.8}) == "test accuracy 0.8000 after 1 epoch"
    multi = {"epochs_run": 3, "task": "multi_label", "test_micro_f1": 0.5, "test_macro_f1": 0.25}
    assert run_record.headline(multi) == "test micro-F1 0.5000, macro-F1 0.2500 after 3 epochs"


@pytest.mark.parametrize(("data", "streamed_hint"), [({"source": "csv", "path": "x.csv"}, True),
                                                    ({"source": "imdb"}, False)])
def test_out_of_memory_names_the_settings_to_lower(data, streamed_hint):
    cfg = validate({"name": "x", "data": data, "model": {"type": "lstm", "units": 64}})
    message = run_record.out_of_memory(cfg, kinds()["sequence"])
    assert "train.batch_size (128)" in message and "data.maxlen (200)" in message and "model.units (64)" in message
    assert ("data.stream: true" in message) == streamed_hint


def test_classes_never_labelled_right_are_named_with_their_texts():
    import numpy as np

    outputs = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1]])
    labels = np.array([0, 1, 2, 2])
    assert run_record.missed_classes(outputs, labels, ["a", "b", "rare"]) == [{"class": "rare", "texts": 2}]
    assert run_record.missed_classes(outputs, np.array([0, 1, 1, 1]), ["a", "b", "rare"]) == []  # none to miss
    warning = run_record.missed_warning({"missed_classes": {"validation": [{"class": "rare", "texts": 1}],
                                                            "test": [{"class": "rare", "texts": 2}]}})
    assert warning.startswith("warning:") and "'rare' on validation (1 text) and test (2 texts)" in warning
    assert run_record.missed_warning({}) is None
