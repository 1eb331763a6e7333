"""A config enters textclf through ``load_config``: the first error, by its dotted key, in one line."""

import pytest
from helpers import error_of

from textclf.config import MODEL_CONFIGS, load_config


def test_unknown_key_names_the_field_and_suggests(tmp_path):
    message = error_of(tmp_path, "name: x\nmodel: {type: lstm}\ntrain: {epocs: 3}\n")
    assert "train.epocs" in message and "did you mean 'epochs'" in message


def test_unknown_model_key_names_the_field(tmp_path):
    message = error_of(tmp_path, "name: x\nmodel: {type: lstm, unitz: 3}\n")
    assert "model.unitz" in message and "'units'" in message


def test_unknown_model_type_lists_valid_types(tmp_path):
    message = error_of(tmp_path, "name: x\nmodel: {type: transformerz}\n")
    assert "transformerz" in message
    for model_type in MODEL_CONFIGS:
        assert model_type in message


@pytest.mark.parametrize(
    "text, field",
    [
        ("name: x\nmodel: {type: lstm}\ntrain: {epochs: many}\n", "train.epochs"),
        ("name: x\nmodel: {type: lstm}\ntrain: {epochs: 0}\n", "train.epochs"),
        ("name: x\nmodel: {type: lstm}\ntrain: {learning_rate: -0.1}\n", "train.learning_rate"),
        ("name: x\nmodel: {type: lstm}\ntrain: {learning_rate: .nan}\n", "train.learning_rate"),
        ("name: x\nmodel: {type: lstm}\ndata: {validation_split: 1.0}\n", "data.validation_split"),
        ("name: x\nmodel: {type: lstm}\ndata: {maxlen: 0}\n", "data.maxlen"),
        ("name: x\nmodel: {type: lstm}\ndata: {padding: middle}\n", "data.padding"),
        ("name: x\nmodel: {type: gru, units: [1]}\n", "model.units"),
        ("model: {type: gru}\n", "name"),
    ],
)
def test_bad_values_name_the_field(tmp_path, text, field):
    assert error_of(tmp_path, text).split(": ")[1] == field


def test_data_sets_the_source_its_path_names_so_shipped_configs_take_a_table(tmp_path):
    from helpers import ROOT

    table = tmp_path / "mr.csv"
    table.write_text("text,label\na good film,pos\n", encoding="utf-8")
    cfg = load_config(ROOT / "configs" / "lstm.yaml", data_path=str(table))
    assert cfg.data.source == "csv" and cfg.data.path == str(table.resolve())
    folders = tmp_path / "topics"
    (folders / "sports").mkdir(parents=True)
    assert load_config(ROOT / "configs" / "lstm.yaml", data_path=str(folders)).data.source == "directory"


def test_a_path_of_another_kind_than_the_source_says_which_set_fixes_it(tmp_path):
    table = tmp_path / "mr.csv"
    table.write_text("text,label\na good film,pos\n", encoding="utf-8")
    message = error_of(tmp_path, "name: x\nmodel: {type: lstm}\n", f"data.path={table}")
    assert message.endswith("is a table (.csv, .tsv or .jsonl); --set data.source=csv (or pass the path with "
                            "--data, which sets both)") and message.startswith("data.source: imdb, but data.path")


def test_an_unknown_key_under_search_lists_the_valid_ones_or_suggests_one(tmp_path):
    message = error_of(tmp_path, "name: x\nmodel: {type: lstm}\nsearch: {spaces: {}}\n")
    assert message.endswith("search.spaces: unknown key; did you mean 'space'?")
    message = error_of(tmp_path, "name: x\nmodel: {type: lstm}\nsearch: {zzz: 1}\n")
    assert "search.zzz: unknown key; valid keys: space, per_model, first, metric" in message
