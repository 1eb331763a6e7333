"""Progress on stderr for the steps a user waits on (reading files, learning the vocabulary).

On a terminal the line is redrawn in place at most every 0.2 s; otherwise (a
log file, CI) only the final line is written, so logs stay short.
"""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int | None = None, unit: str = "items", stream=None):
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.started = self.shown = time.monotonic()
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())

    def _amount(self, done: int) -> str:
        if self.unit == "bytes":
            text = f"{done / 2**20:,.1f} MiB"
            return f"{text} of {self.total / 2**20:,.1f} MiB" if self.total else text
        return f"{done:,} of {self.total:,} {self.unit}" if self.total else f"{done:,} {self.unit}"

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.live or now - self.shown < 0.2:
            return
        self.shown = now
        percent = f" ({100 * done / self.total:.0f}%)" if self.total else ""
        self.stream.write(f"\r{self.label}: {self._amount(done)}{percent}   ")
        self.stream.flush()

    def done(self, summary: str, count: int | None = None, unit: str | None = None) -> None:
        """Replace the live line with ``label: summary in N s``, and ``(R unit/s)`` when ``count`` is given."""
        elapsed = time.monotonic() - self.started
        rate = f" ({count / elapsed:,.0f} {unit or self.unit}/s)" if count and elapsed > 0 else ""
        line = f"{self.label}: {summary} in {elapsed:.1f} s{rate}"
        self.stream.write(f"\r{line}\033[K\n" if self.live else f"{line}\n")  # \033[K: clear the live line's rest
        self.stream.flush()


# When the ``textclf`` command started (``cli.main`` sets it); None where textclf is called from Python (a test's
# CliRunner, a notebook), whose process started long before the call.
command_started: float | None = None


def process_started() -> float:
    """When this process started, on ``time.monotonic()``'s clock: a promise of wall time (``tune --budget``)
    counts Python's and TensorFlow's start-up too. Where ``/proc`` does not say (not Linux), now."""
    import os

    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        ticks = os.sysconf("SC_CLK_TCK")
        elapsed = time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / ticks  # field 22: start time
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic()
    return time.monotonic() - max(0.0, elapsed)
