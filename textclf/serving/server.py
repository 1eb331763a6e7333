"""Starting the server: the run loaded and checked first (one line and exit 2 if it cannot be served), the
port checked free, then uvicorn, which on SIGTERM or Ctrl-C stops accepting, finishes the requests in
flight, and exits.

``--workers N`` starts N processes through uvicorn, each loading the model itself (a TensorFlow model
cannot be shared across processes); they learn the run and settings from the environment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path

from textclf.errors import TextclfError
from textclf.serving.app import create_app
from textclf.serving.served_model import ServedModel
from textclf.serving.settings import Settings

RUN_VARIABLE, SETTINGS_VARIABLE = "TEXTCLF_SERVE_RUN", "TEXTCLF_SERVE_SETTINGS"
GRACE_SECONDS = 30  # the longest a shutdown waits for the requests in flight


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, an address this process cannot listen on (in use, not this machine's)."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(info[0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(info[4])
    except OSError as exc:
        raise TextclfError(f"--host/--port: cannot listen on {host}:{port} ({exc.strerror or exc})") from None


def app_from_environment():
    """The app of one of several worker processes (``--workers``)."""
    return create_app(ServedModel(Path(os.environ[RUN_VARIABLE])), Settings.from_json(os.environ[SETTINGS_VARIABLE]))


def serve(run_dir: Path, settings: Settings, host: str, port: int, workers: int, note: Callable[[str], None]) -> None:
    import uvicorn

    served = ServedModel(run_dir)
    check_port(host, port)
    note(f"serving {run_dir} at http://{host}:{port}/ (API docs at /docs); Ctrl-C or SIGTERM stops it")
    options = {"host": host, "port": port, "log_level": "warning", "access_log": False,
               "timeout_graceful_shutdown": GRACE_SECONDS}
    with _stopped_by_signal_exits_0():
        if workers == 1:
            uvicorn.run(create_app(served, settings), **options)
            return
        os.environ[RUN_VARIABLE], os.environ[SETTINGS_VARIABLE] = str(run_dir), settings.to_json()
        uvicorn.run("textclf.serving.server:app_from_environment", factory=True, workers=workers, **options)


@contextlib.contextmanager
def _stopped_by_signal_exits_0():
    """uvicorn finishes its requests on SIGTERM or Ctrl-C, then raises the signal again for the handler it found:
    this one, which lets ``serve`` return, so a server stopped as asked exits 0, without a traceback."""
    stops = (signal.SIGINT, signal.SIGTERM)
    before = {stop: signal.signal(stop, lambda *_: None) for stop in stops}
    try:
        yield
    finally:
        for stop, handler in before.items():
            signal.signal(stop, handler)
