import json
import socket

import pytest

from textclf.errors import TextclfError
from textclf.runs import run_lock, rundir


def test_a_second_holder_is_refused_at_once_naming_the_first(tmp_path):
    with run_lock.hold(tmp_path):
        assert run_lock.is_held(tmp_path) is True
        with pytest.raises(TextclfError, match=f"in use by process \\d+ on {socket.gethostname()}"):
            with run_lock.hold(tmp_path):
                pass
    assert run_lock.is_held(tmp_path) is False
    with run_lock.hold(tmp_path):  # free again: the next process takes it
        pass


def test_a_run_nobody_holds_is_killed_wherever_it_was_trained(tmp_path):
    """A run copied from another machine said "running" forever; a free lock says nobody trains it."""
    (tmp_path / "run.json").write_text(json.dumps({"status": "running", "pid": 1, "host": "elsewhere"}))
    info = json.loads((tmp_path / "run.json").read_text())
    assert rundir.status_of(info, tmp_path) == "running"  # no lock file (older textclf): assume alive
    with run_lock.hold(tmp_path):
        assert rundir.status_of(info, tmp_path) == "running"
    assert rundir.status_of(info, tmp_path) == "killed"
    assert "taking over" in rundir.takeover_note(tmp_path) and "elsewhere" in rundir.takeover_note(tmp_path)
