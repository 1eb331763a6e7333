"""Progress lines: one final line in a log, with the time taken and, where counted, the rate."""

import io
import subprocess
import sys

from textclf.progress import Progress


def test_a_log_gets_one_final_line_with_the_rate():
    stream = io.StringIO()
    progress = Progress("vectorizing train", total=3000, unit="texts", stream=stream)
    progress.update(1500)  # not a terminal: nothing until the end
    progress.started -= 2.0  # as if two seconds had passed
    progress.done("3,000 texts", count=3000)
    line = stream.getvalue()
    assert line.count("\n") == 1 and "\r" not in line
    assert line.startswith("vectorizing train: 3,000 texts in 2.0 s (1,5")  # about 1,500 texts/s
    assert line.rstrip().endswith(" texts/s)")


def test_without_a_count_no_rate_is_claimed():
    stream = io.StringIO()
    Progress("learning", stream=stream).done("done")
    assert stream.getvalue().startswith("learning: done in ") and "/s" not in stream.getvalue()


def test_the_process_start_is_before_what_the_process_did_first():
    """tune's budget counts the seconds Python and TensorFlow took to start (the clock starts with the process)."""
    code = ("import time; time.sleep(1.0); from textclf.progress import process_started; "
            "print(time.monotonic() - process_started())")
    elapsed = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert 1.0 <= elapsed < 30.0
