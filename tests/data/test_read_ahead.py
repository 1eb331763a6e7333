"""Reading ahead: a forked process reads the data while TensorFlow loads, and hands back the same corpus."""

import json
import subprocess
import sys

SCRIPT = """
import json, sys
from textclf.data import splits, read_ahead
from textclf.config import DataConfig
from textclf.errors import TextclfError
cfg = DataConfig(path=sys.argv[1], validation_split=0.25)
ahead = read_ahead.start(cfg, 3)
assert ahead is not None, "TensorFlow is not imported here: the data is read ahead"
try:
    corpus = ahead.result()
except TextclfError as exc:
    print(json.dumps({"error": str(exc)}))
    sys.exit(0)
here = splits.load_corpus(cfg, 3)
same = all(list(getattr(corpus, s).texts) == list(getattr(here, s).texts) and
           list(getattr(corpus, s).labels) == list(getattr(here, s).labels) for s in ("train", "validation", "test"))
print(json.dumps({"same": same, "fingerprint": corpus.fingerprint == here.fingerprint, "exit": ahead.close(),
                  "tensorflow": "tensorflow" in sys.modules}))
"""


def read_ahead_in_a_fresh_process(path) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_corpus_read_ahead_is_the_one_read_in_place(imdb_dir):
    assert read_ahead_in_a_fresh_process(imdb_dir) == {"same": True, "fingerprint": True, "exit": 0,
                                                       "tensorflow": False}


def test_an_error_while_reading_ahead_is_the_same_one_line_error(tmp_path):
    (tmp_path / "aclImdb").mkdir()  # an IMDB folder without its train and test folders
    result = read_ahead_in_a_fresh_process(tmp_path / "aclImdb")
    from textclf.config import DataConfig
    from textclf.data import splits
    from textclf.errors import TextclfError

    try:
        splits.load_corpus(DataConfig(path=str(tmp_path / "aclImdb"), validation_split=0.25), 3)
    except TextclfError as exc:
        assert result == {"error": str(exc)}
    else:
        raise AssertionError("an empty IMDB folder was read")


def test_nothing_is_forked_once_tensorflow_is_loaded(imdb_dir):
    import tensorflow  # noqa: F401  as in every command after its first step

    from textclf.config import DataConfig
    from textclf.data import read_ahead

    assert read_ahead.start(DataConfig(path=str(imdb_dir)), 1) is None


def test_an_interrupted_command_stops_the_reading_process_at_once(tmp_path):
    script = """
import time
from textclf.data import splits, read_ahead
from textclf.config import DataConfig
splits.load_corpus = lambda cfg, seed: time.sleep(60)  # a read that would take a minute
ahead = read_ahead.start(DataConfig(path=".", source="directory"), 1)
started = time.monotonic()
code = ahead.close()
print(code, round(time.monotonic() - started))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["-9", "0"]  # killed, not waited for


ORPHAN = """
import os, signal, sys
from textclf.data import read_ahead
from textclf.config import DataConfig
ahead = read_ahead.start(DataConfig(source="csv", path=sys.argv[1]), 3)
print(ahead._process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # killed outright while the child reads (its answer fills the pipe)
"""


def test_the_reader_dies_with_its_parent_instead_of_holding_the_run(tmp_path):
    import os
    import time

    path = tmp_path / "big.csv"  # a corpus larger than a pipe holds: an orphan would block on it forever
    path.write_text("text,label\n" + "".join(f"{'word ' * 40}{i},{'pos' if i % 2 else 'neg'}\n"
                                             for i in range(4000)), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", ORPHAN, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == -9
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(child, 9)
    raise AssertionError(f"the reader {child} outlived its parent")
