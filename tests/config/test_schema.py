
import pytest
import yaml
from helpers import ROOT
from pydantic import ValidationError

from textclf.config import Config, load_config, to_yaml, validate

CONFIGS = sorted(ROOT.joinpath("configs").glob("*.yaml"))


def test_configs_folder_has_one_config_per_textbook_model():
    names = {p.stem for p in CONFIGS}
    assert {"dense_bow", "simple_rnn", "lstm", "gru", "bilstm"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_shipped_config_validates_and_round_trips(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = yaml.safe_load(path.read_text()).get("data") or {}
    named = data.get("path")
    if named:  # a relative data file the README has the user write first
        (tmp_path / named).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / named).write_text("text,label\n")
    given = None
    if data.get("source", "imdb") != "imdb" and not named:  # a config for the user's own data: --data PATH
        given = tmp_path / "mine.csv"
        given.write_text("text,label\n")
    cfg = load_config(path.resolve(), data_path=given)
    assert cfg.name == path.stem
    assert validate(yaml.safe_load(to_yaml(cfg))) == cfg


def test_minimal_config_gets_schema_defaults():
    cfg = validate({"name": "x", "model": {"type": "lstm"}})
    assert cfg.train.epochs == 10 and cfg.data.vocab_size == 10_000 and cfg.model.units == 32
    with pytest.raises(ValidationError, match="frozen"):
        cfg.train.epochs = 3


def test_config_is_typed_and_frozen():
    cfg = Config.model_validate({"name": "x", "model": {"type": "conv1d_bilstm"}})
    assert cfg.model.lstm_units == (64, 32) and cfg.model.input_kind == "sequence"


@pytest.mark.parametrize(("data", "monitor"), [
    ({"task": "multi_label"}, "val_f1"), ({"label_separator": "|"}, "val_f1"),
    ({"label_separator": "|", "task": "single_label"}, "val_loss"), ({}, "val_loss")])
def test_multi_label_data_picks_its_epoch_by_micro_f1_unless_told(data, monitor):
    cfg = validate({"name": "t", "data": {"source": "csv", "path": "t.csv", **data}, "model": {"type": "nbsvm"}})
    assert (cfg.train.checkpoint_monitor, cfg.train.early_stopping.monitor) == (monitor, monitor)
    assert ("f1" in cfg.train.metrics) == (monitor == "val_f1")
    told = validate({"name": "t", "data": {"source": "csv", "path": "t.csv", **data}, "model": {"type": "nbsvm"},
                     "train": {"checkpoint_monitor": "val_loss"}})
    assert told.train.checkpoint_monitor == "val_loss"


def test_stream_auto_streams_only_large_single_label_tables(tmp_path, monkeypatch):
    import textclf.config.schema as config_module

    monkeypatch.setattr(config_module, "AUTO_STREAM_BYTES", 100)
    small, large = tmp_path / "small.csv", tmp_path / "large.tsv"
    small.write_text("text,label\na,pos\n")
    large.write_text("text\tlabel\n" + "a long enough text\tpos\n" * 10)
    (tmp_path / "large.jsonl").write_text('{"text": "a long enough text", "label": "pos"}\n' * 10)

    def stream(path, **data):
        return validate({"name": "x", "model": {"type": "nbsvm"},
                         "data": {"source": "csv", "path": str(path), **data}}).data.stream
    assert stream(large) is True and stream(large, stream="auto") is True
    assert stream(small) is False and stream(tmp_path / "missing.csv") is False
    assert stream(tmp_path / "large.jsonl") is False  # a JSONL row may hold a list of labels
    assert stream(large, label_separator="|") is False and stream(large, stream=False) is False
    assert stream(tmp_path / "*.csv", test_path=str(large)) is True  # shards and a test file count together
    config = tmp_path / "c.yaml"
    config.write_text(f"name: x\nmodel: {{type: nbsvm}}\ndata: {{source: csv, path: {large}}}\n")
    cfg = load_config(config)
    assert cfg.data.stream is True and "stream: true" in to_yaml(cfg)  # the run's config.yaml says what was decided

    from textclf.tuning.space import search_config

    tuned, _ = search_config(large, [], str(tmp_path / "out"))
    assert tuned.data.stream is False  # tune's trials share one read, held in memory
