"""Read and split the data in a second process while TensorFlow loads in the first.

Importing TensorFlow takes seconds of one core, and reading a large archive
or CSV takes seconds of another; in one process they would take turns (both
hold Python's lock), in two they overlap. The child is forked before
TensorFlow is imported (forking after would copy its threads' state), reads
with ``splits.load_corpus`` and sends the corpus back through a pipe; its
errors come back as they are, so a bad file is the same one-line error.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import traceback
from collections.abc import Iterator

from textclf.config import DataConfig
from textclf.data import splits

PR_SET_PDEATHSIG = 1  # prctl(2)


class ReadAhead:
    """The corpus of ``cfg``, being read by a child process; ``result()`` waits for it."""

    def __init__(self, cfg: DataConfig, seed: int):
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_read, args=(cfg, seed, send, os.getpid()), daemon=True,
                                         name="textclf-read-ahead")
        self._process.start()
        send.close()
        self._corpus: splits.Corpus | None = None

    def result(self) -> splits.Corpus:
        if self._corpus is None:
            try:
                ok, payload = self._receive.recv()
            except EOFError:  # the child died without a word (killed, out of memory)
                raise RuntimeError(f"the process reading the data ended with code {self.close()}") from None
            self._process.join(timeout=10)  # its answer sent, it exits: killed only if it does not (a loaded machine
            self.close()                    # could otherwise catch it between the two and record code -9)
            if not ok:
                raise payload
            self._corpus = payload
        return self._corpus

    def close(self) -> int | None:
        """Stop the child if it still runs (the parent was interrupted or failed); its exit code."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._receive.close()
        return self._process.exitcode


def _die_with(parent: int) -> None:
    """Be killed when the parent dies, however it dies (Linux's parent-death signal). The child holds what the
    fork gave it, the run folder's lock among them: orphaned, blocked on a pipe nobody reads, it would keep
    the run locked, and every ``--resume`` refused, until killed by hand."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's close() still stops the child
        pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


def _read(cfg: DataConfig, seed: int, send, parent: int) -> None:
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops this child
    try:
        payload = (True, splits.load_corpus(cfg, seed))
    except Exception as exc:  # noqa: BLE001  every error goes back to the parent, which raises it
        payload = (False, exc)
    try:
        send.send(payload)
    except Exception:  # noqa: BLE001  an error that cannot be pickled: its text
        send.send((False, RuntimeError("".join(traceback.format_exception(payload[1])))))
    send.close()


def start(cfg: DataConfig, seed: int) -> ReadAhead | None:
    """A ``ReadAhead``, where a process can be forked before TensorFlow is in this one; else None."""
    import sys

    if "tensorflow" in sys.modules or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ReadAhead(cfg, seed)


@contextlib.contextmanager
def reading(cfg: DataConfig, seed: int, wanted: bool = True) -> Iterator[ReadAhead | None]:
    """``start`` (when ``wanted``), and the reader stopped on the way out, however the block ends."""
    ahead = start(cfg, seed) if wanted else None
    try:
        yield ahead
    finally:
        if ahead is not None:
            ahead.close()
