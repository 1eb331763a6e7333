"""One process at a time per run folder: an OS file lock, taken before anything slow.

A pid written into ``run.json`` cannot serve: it is written after TensorFlow
has loaded (two ``--resume`` started a second apart both trained), it says
nothing about a process on another host (a copied run looked "still
training" forever), and it outlives a killed process. ``fcntl.flock`` on
``RUN_DIR/.lock`` is released by the kernel when its holder dies, however it
dies, so a lock that is free means nobody trains the run: resuming it takes
over. The lock file says who holds it, for the message a second process gets.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from textclf.errors import TextclfError

LOCK_FILE = ".lock"


def holder(run_dir: Path) -> str:
    """Who holds (or last held) the run's lock, as its lock file says."""
    path = Path(run_dir) / LOCK_FILE
    try:
        return path.read_text(encoding="utf-8").strip() or "another process"
    except OSError:
        return "another process"


def _live_holder(run_dir: Path, tries: int = 20) -> str:
    """The holder's line, once the new holder has written it: it writes just after taking the lock, so a
    process refused in that instant would read nothing, or the line of the dead process before it."""
    for _ in range(tries):
        text = holder(run_dir)
        match = re.match(r"process (\d+) on (\S+)", text)
        if match and (match.group(2) != socket.gethostname() or alive(int(match.group(1)))):
            return text
        time.sleep(0.05)
    return holder(run_dir)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def hold(run_dir: Path) -> Iterator[None]:
    """Hold ``run_dir``'s lock for the block; another holder is an error naming it, at once."""
    path = Path(run_dir) / LOCK_FILE
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise TextclfError(f"{run_dir}: cannot create its lock file ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TextclfError(f"{run_dir}: in use by {_live_holder(run_dir)}; wait for it to finish, or stop it "
                               "first") from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"process {os.getpid()} on {socket.gethostname()} since "
                             f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        yield
    finally:
        os.close(descriptor)  # releases the lock


def is_held(run_dir: Path) -> bool | None:
    """Whether a live process holds ``run_dir``'s lock; None for a run without a lock file (older textclf)."""
    path = Path(run_dir) / LOCK_FILE
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
