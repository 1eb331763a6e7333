"""Fuzzing the readers of input we did not write: each returns, or raises the project error, nothing else."""

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textclf.config import validate
from textclf.config.safe_yaml import read_yaml
from textclf.data import tables
from textclf.errors import TextclfError

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
KEYS = st.sampled_from(["name", "model", "type", "data", "train", "epochs", "units", "search", "space", "lstm",
                        "nbsvm", "vocab_size", "ngrams", "learning_rate", "hidden_units", "x"])
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                      max_leaves=20)


def _only_project_errors(function, *args):
    try:
        function(*args)
    except TextclfError:
        pass


def _config_from(text: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.yaml"
        path.write_text(text, encoding="utf-8")
        validate(read_yaml(path), origin="c.yaml")


# YAML's own syntax, and pieces of configs, joined at random: anchors, aliases, complex keys, tags.
YAML_TEXT = st.lists(st.sampled_from(list("[]{}:,-?&*!|>'\"# \n\tab1.") + [
    "name: x\n", "model: ", "{type: lstm}", "&a ", "*a", "? ", "!!python/", "\n  "]), max_size=60).map("".join)


@FUZZ
@given(st.text(max_size=300) | YAML_TEXT)
def test_any_text_as_a_config_is_read_or_refused_in_one_line(text):
    _only_project_errors(_config_from, text)


@FUZZ
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_any_mapping_as_a_config_is_validated_or_refused_in_one_line(mapping):
    _only_project_errors(_config_from, yaml.safe_dump(mapping))


def _table_from(suffix: str, content: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"t{suffix}"
        path.write_bytes(content)
        tables.read_table(str(path), None, "text", "label")


ROWS = st.lists(st.tuples(st.text(max_size=30), st.text(max_size=8)), max_size=8)


@FUZZ
@given(st.sampled_from([".csv", ".tsv", ".jsonl"]), st.binary(max_size=400))
def test_any_bytes_as_a_table_are_read_or_refused_in_one_line(suffix, content):
    _only_project_errors(_table_from, suffix, content)


@FUZZ
@given(st.sampled_from([",", "\t"]), ROWS)
def test_any_rows_as_a_table_are_read_or_refused_in_one_line(separator, rows):
    suffix = ".csv" if separator == "," else ".tsv"
    text = "text" + separator + "label\n" + "".join(f"{t}{separator}{label}\n" for t, label in rows)
    _only_project_errors(_table_from, suffix, text.encode("utf-8", errors="surrogatepass"))
