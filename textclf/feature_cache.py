"""Vectorize once: a run's vocabulary and vectorized splits, kept on disk for the next run on the same data.

With ``data.cache: true`` a run looks in ``<output_dir>/.cache/features/<key>/``.
The key is a sha256 of what the features depend on: every text and label
(the corpus fingerprint), the data settings and seed that split and
vectorize them, the input kind and textclf's version. Another model, learning
rate or epoch count on the same data finds the folder and skips learning the
vocabulary and vectorizing; changed data or vectorizer settings give another
key, so a stale folder is never read.

A folder is written under a temporary name and renamed into place only once
the vocabulary and the training and validation splits are in it; the test
split is added later as one file renamed into place. A run killed while
writing leaves a temporary folder that no run reads. Two runs writing the
same key: the first rename wins, and the second discards its copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

import textclf
from textclf.config import Config

FOLDER = Path(".cache") / "features"  # under the config's output_dir
REQUIRED = ("meta.json", "vocabulary.txt", "train.npz", "validation.npz")


def key(cfg: Config, kind_name: str, fingerprint: str) -> str:
    """What the features depend on, hashed: not the data's paths, which may move, but its content."""
    settings = cfg.data.model_dump(mode="json", exclude={"path", "test_path"})
    described = json.dumps({"data": settings, "seed": cfg.seed, "kind": kind_name, "fingerprint": fingerprint,
                            "textclf": textclf.__version__}, sort_keys=True)
    return hashlib.sha256(described.encode()).hexdigest()[:32]


class FeatureCache:
    """One key's folder: ``load`` what an earlier run wrote, ``save`` what this run vectorized."""

    def __init__(self, cfg: Config, kind, fingerprint: str):
        self.kind = kind
        self.folder = Path(cfg.output_dir) / FOLDER / key(cfg, kind.name, fingerprint)

    def complete(self) -> bool:
        return all((self.folder / name).is_file() for name in REQUIRED)

    def load(self, vectorizer) -> dict | None:
        """Set ``vectorizer``'s vocabulary and return the cached splits' features; None where there are none."""
        if not self.complete():
            return None
        try:
            meta = json.loads((self.folder / "meta.json").read_text(encoding="utf-8"))
            terms = (self.folder / "vocabulary.txt").read_bytes().split(b"\n")
            idf = np.load(self.folder / "idf.npy") if (self.folder / "idf.npy").is_file() else None
            splits = {name: self._features(name, meta) for name in ("train", "validation", "test")
                      if (self.folder / f"{name}.npz").is_file()}
        except (OSError, ValueError, KeyError):  # unreadable: vectorize again, as if there were no folder
            return None
        from textclf import featurize

        featurize.restore_vocabulary(vectorizer, terms, meta["specials"], idf)
        return splits

    def _features(self, name: str, meta: dict):
        with np.load(self.folder / f"{name}.npz") as arrays:
            return self.kind.from_arrays({key: arrays[key] for key in arrays.files}, meta["width"])

    def save(self, vectorizer, splits: dict) -> None:
        """Write the vocabulary and the training and validation features, then rename the folder into place."""
        from textclf import featurize

        terms, specials = featurize.vocabulary_for_cache(vectorizer)
        width = int(vectorizer.vocabulary_size())
        if width <= specials or self.complete():  # no term learned (nothing to restore), or kept already
            return
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".incomplete-", dir=self.folder.parent))
        (staging / "vocabulary.txt").write_bytes(terms)
        idf = featurize.idf_weights(vectorizer)
        if idf is not None:
            np.save(staging / "idf.npy", idf)
        for name, features in splits.items():
            np.savez(staging / f"{name}.npz", **self.kind.to_arrays(features))
        (staging / "meta.json").write_text(json.dumps({"specials": specials, "width": width}), encoding="utf-8")
        if self.folder.exists() and not self.complete():  # half a folder from an older textclf, or a hand
            shutil.rmtree(self.folder, ignore_errors=True)
        try:
            os.rename(staging, self.folder)
        except OSError:  # another run put the same features there first
            shutil.rmtree(staging, ignore_errors=True)

    def add(self, name: str, features) -> None:
        """One more split (the test split, vectorized after training), renamed into the folder in one step."""
        if not self.complete() or (self.folder / f"{name}.npz").exists():
            return
        staging = self.folder / f".incomplete-{name}-{os.getpid()}.npz"
        np.savez(staging, **self.kind.to_arrays(features))
        os.replace(staging, self.folder / f"{name}.npz")
