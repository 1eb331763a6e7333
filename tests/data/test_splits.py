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
