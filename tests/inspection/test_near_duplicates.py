import random

import pytest

from textclf.inspection import near_duplicates


def _text(rng, words=40):
    return " ".join(f"w{rng.randrange(100_000)}" for _ in range(words))


def test_a_planted_near_duplicate_is_found_and_distinct_texts_are_not():
    rng = random.Random(0)
    texts = [_text(rng) for _ in range(300)]
    words = texts[7].split()
    words[20] = "changed"
    texts.append(" ".join(words))  # one word of 40 changed: Jaccard 35/41 of word 3-grams
    found = near_duplicates.pairs(texts, threshold=0.8)
    assert [(a, b) for a, b, _ in found] == [(7, 300)]
    assert found[0][2] == pytest.approx(35 / 41, abs=1e-4)
    assert near_duplicates.components(found) == [[7, 300]]


def test_no_pair_under_the_threshold_is_reported():
    rng = random.Random(1)
    base = _text(rng).split()
    texts = [" ".join(base)]
    for changed in (2, 6, 12):  # ever fewer shingles in common
        words = list(base)
        for position in range(0, 40, 40 // changed):
            words[position] = f"x{position}"
        texts.append(" ".join(words))
    for threshold in (0.3, 0.5, 0.8):
        for a, b, similarity in near_duplicates.pairs(texts, threshold):
            exact = near_duplicates.jaccard(near_duplicates.shingles(texts[a]), near_duplicates.shingles(texts[b]))
            assert similarity >= threshold and similarity == pytest.approx(exact, abs=1e-4)


def test_exact_repeats_are_one_entry_and_short_texts_compare_whole():
    texts = ["a b", "a b", "a b c", "a b"]
    assert near_duplicates.pairs(texts, threshold=0.5) == []  # "a b" and "a b c" are two distinct shingles
    assert len(near_duplicates.shingles("a b")) == 1 and len(near_duplicates.shingles("a b c d")) == 2


def test_components_join_chains():
    assert near_duplicates.components([(1, 2, 0.9), (2, 5, 0.9), (7, 8, 0.8)]) == [[1, 2, 5], [7, 8]]
