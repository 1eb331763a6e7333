"""Kill points: a process kills itself outright at the named moment, and only there."""

import os
import subprocess
import sys

import pytest

from textclf import faults

SCRIPT = "from textclf import faults; faults.kill_point('reading'); print('carried on', flush=True)"


@pytest.mark.parametrize(("moment", "killed"), [("reading", True), ("backup", False), (None, False)])
def test_a_process_dies_at_its_kill_point_and_nowhere_else(moment, killed):
    environment = {key: value for key, value in os.environ.items() if key != faults.VARIABLE}
    if moment is not None:
        environment[faults.VARIABLE] = moment
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=environment, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode == -9 and done.stdout == "") if killed else (done.returncode == 0 and "carried on" in
                                                                           done.stdout)


def test_every_moment_named_in_the_docstring_is_a_kill_point():
    assert all(f"``{moment}``" in faults.__doc__ for moment in faults.MOMENTS)
