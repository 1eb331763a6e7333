"""Pretrained word vectors (GloVe / word2vec text format) loaded into a model's embedding table."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textclf import files
from textclf.errors import TextclfError

FIELD = "model.embedding.pretrained"
SPECIAL_TOKENS = ("", "[UNK]")  # TextVectorization's padding and out-of-vocabulary entries


def read_vectors(path: str, vocabulary: list[str], dim: int) -> dict[int, np.ndarray]:
    """The vectors of the vocabulary's tokens that ``path`` holds, by vocabulary index.

    One ``word v1 v2 …`` per line, space-separated; a word2vec header line
    (``count dim``) is skipped. The first vector of a word wins.
    """
    location = files.checked(path, FIELD, "file")
    index = {word: i for i, word in enumerate(vocabulary) if word not in SPECIAL_TOKENS}
    found: dict[int, np.ndarray] = {}
    with open(location, encoding="utf-8", errors="replace") as file:
        for number, line in enumerate(file, 1):
            parts = line.rstrip("\n").rstrip(" ").split(" ")
            if len(parts) < 2 or (number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts)):
                continue
            if len(parts) - 1 != dim:
                raise TextclfError(f"{FIELD}: {location} line {number} has {len(parts) - 1}-dimensional vectors "
                                   f"but model.embedding_dim is {dim}; set model.embedding_dim: {len(parts) - 1}")
            row = index.get(parts[0])
            if row is not None and row not in found:
                try:
                    found[row] = np.asarray(parts[1:], dtype=np.float32)
                except ValueError:
                    raise TextclfError(f"{FIELD}: {location} line {number}: not a vector of numbers") from None
                if not np.all(np.isfinite(found[row])):  # NaN or inf would make training "diverge" at once
                    raise TextclfError(f"{FIELD}: {location} line {number}: the vector of {parts[0][:40]!r} holds "
                                       "NaN or infinite numbers")
    return found


def load_into(model, model_cfg, vectorizer) -> dict | None:
    """Copy the pretrained vectors into the layer named ``embedding``; report the vocabulary coverage.

    Tokens the file lacks keep their random initial vectors. Coverage counts
    single words only (n-gram tokens such as ``"not good"`` have no vector).
    """
    settings = getattr(model_cfg, "embedding", None)
    if settings is None or settings.pretrained is None:
        return None
    vocabulary = vectorizer.get_vocabulary()
    vectors = read_vectors(settings.pretrained, vocabulary, model_cfg.embedding_dim)
    layer = model.get_layer("embedding")
    weights = layer.get_weights()
    if vectors:
        rows = np.fromiter(vectors, dtype=np.int64)
        weights[0][rows] = np.stack([vectors[int(row)] for row in rows])
    layer.set_weights(weights)
    words = [w for w in vocabulary if w not in SPECIAL_TOKENS and " " not in w]
    found = sum(1 for i, w in enumerate(vocabulary) if i in vectors and " " not in w)
    info = {"path": str(Path(settings.pretrained).expanduser().resolve()), "trainable": settings.trainable,
            "words": len(words), "found": found, "coverage": round(found / max(len(words), 1), 4)}
    print(f"pretrained embeddings: {found:,} of {len(words):,} vocabulary words found in {settings.pretrained} "
          f"({100 * info['coverage']:.1f}%), {'fine-tuned' if settings.trainable else 'frozen'}")
    return info
