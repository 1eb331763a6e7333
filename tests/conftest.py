"""Shared fixtures: small synthetic corpora in the aclImdb layout, and tiny configs.

Nothing here touches the network or ``../shared``.
"""

from __future__ import annotations

import random
import tarfile
from pathlib import Path

import pytest
import yaml

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


@pytest.fixture(scope="session")
def imdb_dir(tmp_path_factory) -> Path:
    return write_imdb_tree(tmp_path_factory.mktemp("imdb"))


@pytest.fixture(scope="session")
def imdb_tar(imdb_dir: Path, tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("imdb_tar") / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(imdb_dir, arcname="aclImdb")
    return archive


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


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, imdb_dir) -> Path:
    """One tiny finished LSTM run under ``<tmp>/outputs``, shared by the read-only tests."""
    from textclf import rundir, train
    from textclf.config import load_config

    root = tmp_path_factory.mktemp("trained")
    cfg = load_config(tiny_config(root, imdb_dir, {"type": "lstm", "units": 8, "embedding_dim": 8},
                                  train={"epochs": 3}))
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    train.run(cfg, run_dir)
    return run_dir
