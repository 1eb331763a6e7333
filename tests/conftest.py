"""Shared fixtures: a synthetic corpus in the aclImdb layout (folder and archive), and one tiny trained run.

Nothing here touches the network or ``../shared``; the helpers they are made
with are in ``helpers.py``.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from helpers import tiny_config, write_imdb_tree


@pytest.fixture(scope="session")
def imdb_dir(tmp_path_factory) -> Path:
    return write_imdb_tree(tmp_path_factory.mktemp("imdb"))


@pytest.fixture(scope="session")
def imdb_tar(imdb_dir: Path, tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("imdb_tar") / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(imdb_dir, arcname="aclImdb")
    return archive


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, imdb_dir) -> Path:
    """One tiny finished LSTM run under ``<tmp>/outputs``, shared by the read-only tests."""
    from textclf.config import load_config
    from textclf.runs import rundir
    from textclf.training import train

    root = tmp_path_factory.mktemp("trained")
    cfg = load_config(tiny_config(root, imdb_dir, {"type": "lstm", "units": 8, "embedding_dim": 8},
                                  train={"epochs": 3}))
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    train.run(cfg, run_dir)
    return run_dir


@pytest.fixture(scope="session")
def nbsvm_run(tmp_path_factory, imdb_dir) -> Path:
    """One tiny finished NBSVM run (word bigrams), shared by the read-only tests of explain and serve."""
    from textclf.config import load_config
    from textclf.runs import rundir
    from textclf.training import train

    root = tmp_path_factory.mktemp("nbsvm")
    cfg = load_config(tiny_config(root, imdb_dir, {"type": "nbsvm"}, data={"ngrams": 2}))
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    train.run(cfg, run_dir)
    return run_dir
