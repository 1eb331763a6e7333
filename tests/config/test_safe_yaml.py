"""YAML that anyone wrote: syntax errors, duplicate keys, alias bombs and deep nesting are one line each."""

import pytest
from helpers import error_of

from textclf.config.safe_yaml import read_yaml
from textclf.errors import TextclfError


def test_yaml_problems_are_reported_with_file_and_line(tmp_path):
    assert "line 2, column 12" in error_of(tmp_path, "name: x\nmodel: type: lstm\n")
    assert "duplicate key 'name'" in error_of(tmp_path, "name: x\nname: y\n")
    assert "empty" in error_of(tmp_path, "")
    assert "mapping" in error_of(tmp_path, "- a\n- b\n")
    with pytest.raises(TextclfError, match="not found"):
        read_yaml(tmp_path / "missing.yaml")
