"""``python -m textclf`` is the command line itself, for environments without the ``textclf`` script."""

import subprocess
import sys

from textclf import __version__


def test_python_dash_m_textclf_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "textclf", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"textclf {__version__}"
    unknown = subprocess.run([sys.executable, "-m", "textclf", "nosuch"], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and unknown.stderr.startswith("error:")
