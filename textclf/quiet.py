"""Import TensorFlow without its C++ start-up chatter on the user's terminal.

TensorFlow's native libraries write to file descriptor 2 before its log
level applies: "All log messages before absl::InitializeLog()…", "oneDNN
custom operations are on", "Could not find cuda drivers" (each twice) and, on
a healthy CPU-only machine, an ERROR line about ``cuInit``. Neither
``TF_CPP_MIN_LOG_LEVEL`` nor Python's logging reaches them, so the import
runs with descriptor 2 pointed at a temporary file, and only what is not
such a native log line is passed on. ``TEXTCLF_TF_LOG=1`` (or ``textclf
--verbose``) shows everything.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

VERBOSE_VARIABLE = "TEXTCLF_TF_LOG"
# absl's notice, and glog-style lines: "I0000 00:00:1796019297.631868   422 port.cc:153] …"
_NATIVE_LINE = re.compile(r"(WARNING: All log messages before absl::InitializeLog"
                          r"|[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.]+:\d+\])")


def verbose() -> bool:
    return os.environ.get(VERBOSE_VARIABLE, "") not in ("", "0")


def import_tensorflow() -> None:
    """Import TensorFlow (and find its devices, which logs too) once, quietly unless the user asked."""
    if "tensorflow" in sys.modules:
        return
    with _without_scikit_learn():
        _import_quietly()


@contextlib.contextmanager
def _without_scikit_learn():
    """Importing TensorFlow imports Keras' scikit-learn wrappers, which import scikit-learn and SciPy where they
    are installed: about half a second of every command's start (benchmarks/RESULTS.md, "Design measurements")
    for wrappers textclf never uses. scikit-learn is hidden for the import; the wrappers' modules are then
    dropped, so that importing them later finds it (``from keras.wrappers import SKLearnClassifier``)."""
    if "sklearn" in sys.modules:
        yield
        return
    sys.modules["sklearn"] = None  # an import of it raises ImportError, which the wrappers expect
    try:
        yield
    finally:
        del sys.modules["sklearn"]
        for name in [name for name in sys.modules if name.startswith(("keras.wrappers", "keras.src.wrappers"))]:
            del sys.modules[name]


def _import_quietly() -> None:
    if verbose():
        import tensorflow as tf

        tf.config.list_physical_devices()
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # what TensorFlow logs after start-up: errors only raise
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if not _NATIVE_LINE.match(line)]
            sys.stderr.write("".join(kept))


def leave(code: int) -> None:
    """End the process with ``code`` once its threads, exit handlers and streams are done, skipping Python's
    teardown of TensorFlow (``cli.main``)."""
    import atexit
    import threading

    for thread in threading.enumerate():  # Python's exit would wait for these too
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # `textclf predict … | head`: the reader has gone
            pass
    os._exit(code)
