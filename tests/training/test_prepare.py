"""The data stage on the synthetic corpus: what ``prepare_data`` hands training, and what it leaves for later."""

import json

import pytest
from helpers import tiny_config

from textclf.config import load_config
from textclf.data import splits
from textclf.runs import rundir
from textclf.training import distribute, prepare


@pytest.mark.parametrize("model", [{"type": "nbsvm"}, {"type": "lstm", "units": 4, "embedding_dim": 4}])
def test_train_and_validation_are_batched_and_the_test_split_waits(tmp_path, imdb_dir, model):
    cfg = load_config(tiny_config(tmp_path, imdb_dir, model))
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    strategy = distribute.make_strategy(cfg.train)
    cfg, corpus = prepare.read_data(cfg, run_dir, None, strategy)
    prepared = prepare.prepare_data(cfg, corpus, run_dir, resuming=False, strategy=strategy)

    assert prepared.steps == -(-len(corpus.train) // cfg.train.batch_size)
    assert sum(int(labels.shape[0]) for _, labels in prepared.val_ds) == len(corpus.validation)
    assert prepared.num_classes == 2 and not prepared.head.multi_label
    assert prepared.cached_test is None  # vectorized only by test_set, once training has let its data go
    recorded = json.loads((run_dir / rundir.RUN_FILE).read_text())
    assert recorded["class_names"] == list(corpus.class_names) and recorded["data"]["sizes"]["test"] == len(
        corpus.test)

    done = prepared.trained()
    assert done.train_features is None and done.train_ds is None and done.val_ds is prepared.val_ds
    assert sum(int(labels.shape[0]) for _, labels in done.test_set(cfg)) == len(corpus.test)


def test_a_corpus_given_by_tune_is_used_and_not_read_again(tmp_path, imdb_dir, monkeypatch):
    cfg = load_config(tiny_config(tmp_path, imdb_dir, {"type": "nbsvm"}))
    corpus = splits.load_corpus(cfg.data, cfg.seed)
    monkeypatch.setattr(splits, "load_corpus", lambda *args: pytest.fail("read the data again"))
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    _, given = prepare.read_data(cfg, run_dir, corpus, distribute.make_strategy(cfg.train))
    assert given is corpus
