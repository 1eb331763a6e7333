"""Command-line mistakes are one ``error:`` line and a usage hint, with exit code 2, not a box."""

import pytest
from helpers import invoke


@pytest.mark.parametrize("args, words", [
    (["train", "--foo"], ["No such option: --foo"]),
    (["predict", "--top-k", "0", "x"], ["--top-k"]),
    (["nosuch"], ["No such command 'nosuch'"]),
    (["evaluate", "--errors", "-1"], ["--errors"]),
])
def test_usage_mistakes_are_one_error_line_and_a_usage_hint(args, words):
    result = invoke(*args)
    assert result.exit_code == 2 and "Traceback" not in result.output and "╭" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("usage: ")  # (CliRunner: "root")
    assert all(word in lines[0] for word in words)
