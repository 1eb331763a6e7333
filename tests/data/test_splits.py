"""The corpus a run trains on: seeded splits, limits, folds, redrawn validation, class weights."""

import numpy as np

from textclf.config import DataConfig
from textclf.data import splits


def test_split_limit_and_seed(imdb_dir):
    cfg = DataConfig(path=str(imdb_dir), validation_split=0.25, limit=40)
    corpus = splits.load_corpus(cfg, seed=3)
    assert (len(corpus.train), len(corpus.validation), len(corpus.test)) == (30, 10, 40)
    assert np.bincount(corpus.test.labels).tolist() == [20, 20]
    assert not set(corpus.train.texts) & set(corpus.validation.texts)
    again = splits.load_corpus(cfg, seed=3)
    assert list(again.validation.texts) == list(corpus.validation.texts)
    other = splits.load_corpus(cfg, seed=4)
    assert list(other.validation.texts) != list(corpus.validation.texts)


def test_balanced_class_weights():
    weights = splits.class_weights(np.array([0, 0, 0, 1], dtype=np.int32), 3)
    assert weights == {0: 4 / 9, 1: 4 / 3, 2: 0.0}


def test_a_class_of_a_handful_of_texts_lands_in_every_split(tmp_path):
    rows = [(f"common text number {i}", "common") for i in range(495)] + [(f"rare text {i}", "rare") for i in range(5)]
    path = tmp_path / "skewed.csv"
    path.write_text("text,label\n" + "".join(f"{text},{label}\n" for text, label in rows), encoding="utf-8")
    for seed in range(5):  # drawn from the whole, 5 of 500 often miss a split
        corpus = splits.load_corpus(DataConfig(source="csv", path=str(path)), seed=seed)
        for split in (corpus.train, corpus.validation, corpus.test):
            assert (split.labels == corpus.class_names.index("rare")).sum() >= 1
        assert len(corpus.test) == 100 and len(corpus.validation) == 80  # the fractions, class by class


def test_a_limit_too_small_for_every_split_is_named_itself(imdb_dir):
    import pytest

    from textclf.errors import TextclfError

    with pytest.raises(TextclfError, match=r"^data.limit: 1 leaves nothing in the validation split"):
        splits.load_corpus(DataConfig(path=str(imdb_dir), limit=1), seed=0)
