"""Texts that are nearly the same: MinHash over word shingles (Broder, 1997), candidates from LSH, each pair
then checked by its exact Jaccard similarity, so no pair under the threshold is ever reported.

Exact duplicates are one entry here (``data.duplicates`` reports them); near-duplicates are distinct keys
whose shingle sets overlap by at least the threshold.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

SHINGLE_WORDS = 3  # word 3-grams: a changed word changes three shingles, a sentence keeps most of its own
NUM_PERM = 64
DEFAULT_THRESHOLD = 0.8


def shingles(key: str, size: int = SHINGLE_WORDS) -> np.ndarray:
    """A text's word ``size``-grams as sorted unique 32-bit hashes; a shorter text is one shingle of all its words."""
    words = key.split()
    grams = [" ".join(words[i:i + size]) for i in range(len(words) - size + 1)] or [key]
    return np.unique(np.fromiter((zlib.crc32(gram.encode()) for gram in grams), dtype=np.uint64, count=len(grams)))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def pairs(keys: list[str], threshold: float = DEFAULT_THRESHOLD, tick: Callable[[int], None] = lambda done: None
          ) -> list[tuple[int, int, float]]:
    """(i, j, similarity) for i < j: rows whose distinct keys are at least ``threshold`` alike (first rows of
    each key only; its exact repeats are the same text)."""
    from datasketch import MinHash, MinHashLSH

    template = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=int)
    index = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    sets: dict[int, np.ndarray] = {}
    first: set[str] = set()
    found = []
    for row, key in enumerate(keys):
        tick(row)
        if key in first:
            continue
        first.add(key)
        sets[row] = shingles(key)
        sketch = MinHash(num_perm=NUM_PERM, hashfunc=int, permutations=template.permutations,
                         scheme=template.scheme)
        sketch.update_batch(sets[row])
        for other in index.query(sketch):
            similarity = jaccard(sets[other], sets[row])
            if similarity >= threshold:
                found.append((other, row, round(similarity, 4)))
        index.insert(row, sketch)
    return found


def components(found: list[tuple[int, int, float]]) -> list[list[int]]:
    """Rows joined by near-duplicate pairs, as groups (union-find), each sorted, in order of first row."""
    parent: dict[int, int] = {}

    def root(row: int) -> int:
        while parent.setdefault(row, row) != row:
            parent[row] = parent[parent[row]]
            row = parent[row]
        return row

    for a, b, _ in found:
        parent[root(b)] = root(a)
    groups: dict[int, list[int]] = {}
    for row in sorted(parent):
        groups.setdefault(root(row), []).append(row)
    return sorted(groups.values())
