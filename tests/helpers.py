"""Helpers shared by the tests: synthetic reviews in the aclImdb layout, and tiny configs.

Imported by test modules (``from helpers import tiny_config``); the fixtures built
from them live in ``conftest.py``. Nothing here touches the network or ``../shared``.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent  # the repository: configs/, README.md, docs/
FIXTURES = ROOT / "tests" / "fixtures"  # files older textclf versions wrote

POSITIVE = "great wonderful superb loved brilliant moving excellent charming delightful".split()
NEGATIVE = "awful boring terrible hated dull waste worst clumsy tedious".split()
FILLER = "the movie film plot actor scene story director was and a it of this".split()


# Each model type at its smallest: the tests build every registry key in seconds
SMALL = {
    "dense_bow": {"hidden_units": [8]},
    "bow_ngram": {"hidden_units": [8], "input_dropout": 0.1},
    "nbsvm": {},
    "linear": {},
    "embedding_bag": {"embedding_dim": 8},
    "cnn": {"embedding_dim": 8, "filters": 8, "kernel_sizes": [2, 3], "hidden_units": 8},
    "transformer": {"embedding_dim": 8, "num_heads": 2, "ff_dim": 16, "num_layers": 2},
    "simple_rnn": {"embedding_dim": 8, "units": 8},
    "lstm": {"embedding_dim": 8, "units": 8},
    "gru": {"embedding_dim": 8, "units": 8, "bidirectional": True, "num_layers": 2},
    "conv1d_bilstm": {"embedding_dim": 8, "filters": 8, "kernel_size": 3, "pool_size": 2, "lstm_units": [8, 4]},
}


def synthetic_review(rng: random.Random, positive: bool, length: int = 12) -> str:
    """Filler words with a few class words; sometimes a ``<br />`` and punctuation."""
    cue = POSITIVE if positive else NEGATIVE
    words = [rng.choice(FILLER) for _ in range(length)] + [rng.choice(cue) for _ in range(3)]
    rng.shuffle(words)
    return " ".join(words).capitalize() + ".<br /><br />" + rng.choice(cue).upper() + "!"


def write_imdb_tree(root: Path, per_class: int = 40, seed: int = 0) -> Path:
    """Write ``root/aclImdb/{train,test}/{neg,pos}/<id>_<rating>.txt``."""
    rng = random.Random(seed)
    for split in ("train", "test"):
        for label in ("neg", "pos"):
            folder = root / "aclImdb" / split / label
            folder.mkdir(parents=True)
            for index in range(per_class):
                rating = rng.randint(7, 10) if label == "pos" else rng.randint(1, 4)
                text = synthetic_review(rng, positive=label == "pos")
                if index % 5 == 0:  # IMDB has U+0085 ("next line") inside reviews
                    text = text.replace(" ", "\x85", 1).replace(" ", "\u2028", 1)
                (folder / f"{index}_{rating}.txt").write_text(text, encoding="utf-8")
    return root / "aclImdb"


def tiny_config(tmp_path: Path, data_path: Path, model: dict, **sections) -> Path:
    """A config for a seconds-long run on the synthetic corpus; returns its path."""
    cfg = {
        "name": f"tiny-{model['type']}",
        "seed": 1,
        "data": {"source": "imdb", "path": str(data_path), "vocab_size": 200, "maxlen": 24},
        "model": model,
        "train": {"epochs": 2, "batch_size": 16, "learning_rate": 0.01},
        "output_dir": str(tmp_path / "outputs"),
    }
    for key, value in sections.items():
        cfg[key] = {**cfg.get(key, {}), **value} if isinstance(value, dict) else value
    path = tmp_path / f"{cfg['name']}.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def write(tmp_path: Path, text: str) -> Path:
    """``text`` as the config file ``c.yaml``."""
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, *overrides: str) -> str:
    """The one-line error ``load_config`` gives the config ``text`` (with ``overrides``)."""
    from textclf.config import load_config
    from textclf.errors import TextclfError

    with pytest.raises(TextclfError) as info:
        load_config(write(tmp_path, text), list(overrides))
    return str(info.value)


GOOD_CONFIG = "name: tiny\nmodel: {type: lstm}\n"  # the smallest valid config

runner = CliRunner()  # stderr apart from stdout: the run folder is stdout's last line


def invoke(*args: str):
    """The ``textclf`` command line, in this process."""
    from textclf.cli import app

    return runner.invoke(app, [str(a) for a in args])


def assert_user_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()  # progress lines ("reading …") may come first
    message = lines[-1]
    assert message.startswith("error: ") and sum(line.startswith("error") for line in lines) == 1, lines
    assert "Traceback" not in result.output
    for word in words:
        assert word in message


# tune: a small CSV of synthetic reviews, a search config over it, and a space of two fast models
def write_table(path: Path, rows) -> Path:
    """``rows`` of (text, label) as a CSV with a ``text,label`` header."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def write_csv(path: Path, rows: int = 120, seed: int = 0, same_text: bool = False, majority: float = 0.5) -> Path:
    rng = random.Random(seed)

    def row():
        positive = rng.random() < majority
        return ("the same words every time" if same_text else synthetic_review(rng, positive),
                "pos" if positive else "neg")

    return write_table(path, [row() for _ in range(rows)])


def write_tagged_csv(path: Path, rows: int = 160, seed: int = 4) -> Path:
    """Reviews tagged ``good`` (its class words) and ``plot`` (it names the plot): a multi-label table whose
    labels column joins a text's tags with ``|``."""
    rng = random.Random(seed)
    lines = []
    for _ in range(rows):
        positive = rng.random() < 0.5
        text = synthetic_review(rng, positive)
        tags = [tag for tag, has in (("good", positive), ("plot", " plot" in text.lower())) if has]
        lines.append((text, "|".join(tags)))
    return write_table(path, lines)


def search_yaml(tmp_path: Path, data_path: Path, search: dict, **sections) -> Path:
    cfg = {"name": "small", "seed": 3,
           "data": {"source": "csv", "path": str(data_path), "vocab_size": 300, "maxlen": 20},
           "model": {"type": "nbsvm"},
           "train": {"epochs": 3, "batch_size": 16, "learning_rate": 0.05, "optimizer": "lazy_adam",
                     "early_stopping": {"enabled": False}},
           "output_dir": str(tmp_path / "outputs"), "search": {"members": 1, **search}}  # one final training
    for key, value in sections.items():
        cfg[key] = {**cfg.get(key, {}), **value}
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


SPACE = {"space": {"model.type": ["nbsvm", "embedding_bag"], "train.learning_rate": {"log_uniform": [0.01, 0.1]}},
         "per_model": {"nbsvm": {"model.alpha": {"uniform": [0.2, 1.0]}, "data.ngrams": [1, 2]},
                       "embedding_bag": {"model.embedding_dim": [4, 8], "data.output_mode": "count"}},
         "first": [{"model.type": "nbsvm", "model.alpha": 0.5}], "folds": 1}


def headless_chromium():
    """The system's Chromium, headless, driven by Selenium through its chromedriver; its console log kept."""
    import shutil

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post_json(url: str, payload, timeout: float = 60.0) -> tuple[int, dict]:
    """POST ``payload`` as JSON; the status and the JSON body, errors included."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def start_server(run: Path, *options: str, timeout: float = 90.0):
    """``textclf serve RUN`` in a process of its own on a free port, once it answers /health: (process, URL)."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "textclf", "serve", str(run), "--port", str(port), *options],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited {process.returncode}: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1.0) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("serve did not answer /health in time")


def stop_server(process) -> int:
    """SIGTERM, as a process manager stops a server; its exit code."""
    import subprocess

    process.terminate()
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


# multi-label: texts of three topics
TOPICS = {"sports": "game team score goal match player", "money": "price bank loan cash market pay",
          "weather": "rain sun storm cold wind snow"}


def topic_rows(count: int, seed: int) -> list[tuple[str, str]]:
    """Texts of filler words and a few words of each topic they hold: none, one, two or all three."""
    rng = random.Random(seed)
    filler = "the a of and to in it is was for on with as".split()
    rows = []
    for _ in range(count):
        held = [topic for topic in TOPICS if rng.random() < 0.4]
        words = [rng.choice(filler) for _ in range(5)] + [w for t in held for w in rng.sample(TOPICS[t].split(), 3)]
        rng.shuffle(words)
        rows.append((" ".join(words), "|".join(held)))
    return rows
