"""``--set KEY=VALUE`` and a trial's values: YAML values at dotted keys, and malformed ones refused."""

import pytest
from helpers import error_of, write

from textclf.config import apply_override, load_config
from textclf.errors import TextclfError


def test_overrides_are_parsed_as_yaml_and_validated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    path = write(tmp_path, "name: x\nmodel: {type: lstm}\n")
    cfg = load_config(path, ["train.epochs=3", "model.bidirectional=true"], data_path="d", output_dir="o")
    assert cfg.train.epochs == 3 and cfg.model.bidirectional is True
    assert cfg.data.path == str((tmp_path / "d").resolve()) and cfg.output_dir == "o"
    assert "train.epochz" in error_of(tmp_path, "name: x\nmodel: {type: lstm}\n", "train.epochz=3")
    assert "train.epochs" in error_of(tmp_path, "name: x\nmodel: {type: lstm}\n", "train.epochs=lots")


@pytest.mark.parametrize("assignment", ["train.epochs", "=3", "name.x=1", "train..epochs=3"])
def test_malformed_overrides_are_rejected(assignment):
    with pytest.raises(TextclfError, match="--set"):
        apply_override({"name": "x"}, assignment)


@pytest.mark.parametrize("mark", ["|", ";", ",", ">", "#"])
def test_a_single_punctuation_mark_is_that_mark_not_yaml_syntax(mark):
    raw = {}
    apply_override(raw, f"data.label_separator={mark}")
    assert raw == {"data": {"label_separator": mark}}
    apply_override(raw, "data.test_path=~")
    assert raw["data"]["test_path"] is None  # YAML's null stays null


def test_a_value_thousands_deep_is_named_in_a_short_line_not_reprinted():
    with pytest.raises(TextclfError) as caught:
        apply_override({}, "model.units=" + "[" * 3000 + "]" * 3000)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300 and "6,012 characters" in message
