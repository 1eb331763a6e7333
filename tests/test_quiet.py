import os
import subprocess
import sys

from textclf import quiet


def _stderr_of(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", quiet.VERBOSE_VARIABLE)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**environment, **env},
                          timeout=120, check=True)
    return done.stderr


def test_tensorflow_imports_without_native_log_lines_but_python_output_passes():
    code = ("import sys; from textclf import quiet; quiet.import_tensorflow(); import tensorflow as tf; "
            "print('mine', file=sys.stderr); tf.constant(1) + 1; print('end', file=sys.stderr)")
    assert _stderr_of(code) == "mine\nend\n"


def test_only_native_log_lines_are_dropped():
    native = ["WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
              "I0000 00:00:1796019297.631868     422 port.cc:153] oneDNN custom operations are on.",
              "E0000 00:00:1796019122.284437   30041 cuda_platform.cc:52] failed call to cuInit"]
    kept = ["UserWarning: something the user should see", "I0000 is not a timestamp here"]
    assert [bool(quiet._NATIVE_LINE.match(line)) for line in native + kept] == [True] * 3 + [False] * 2
