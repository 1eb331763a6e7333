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


def search_yaml(tmp_path: Path, data: Path, search: dict, **sections) -> Path:
    cfg = {"name": "small", "seed": 3,
           "data": {"source": "csv", "path": str(data), "vocab_size": 300, "maxlen": 20},
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
