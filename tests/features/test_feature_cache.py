import json
import shutil

import numpy as np
import pytest
from helpers import tiny_config

from textclf.config import DataConfig, load_config
from textclf.features import featurize, vocabulary_table
from textclf.features.feature_cache import FOLDER
from textclf.features.inputs import kinds
from textclf.runs import rundir
from textclf.training import train

TIMING = ("train_seconds", "seconds_per_epoch", "peak_rss_mib", "peak_rss_mib_children")


def _train(tmp_path, imdb_dir, capsys, **data):
    config = tiny_config(tmp_path, imdb_dir, {"type": "nbsvm"}, data={"cache": True, "ngrams": 2, **data},
                         train={"epochs": 1})
    cfg = load_config(config, output_dir=str(tmp_path / "outputs"))
    metrics = train.run(cfg, rundir.create_run_dir(cfg.output_dir, cfg.name)).metrics
    said = capsys.readouterr()
    return {k: v for k, v in metrics.items() if k not in TIMING}, said.out + said.err


def test_a_second_run_on_the_same_data_reuses_the_features_and_trains_the_same(tmp_path, imdb_dir, capsys):
    first, said = _train(tmp_path, imdb_dir, capsys)
    assert "learning the vocabulary" in said and "reused" not in said
    (folder,) = (tmp_path / "outputs" / FOLDER).iterdir()
    assert sorted(path.name for path in folder.iterdir()) == ["meta.json", "test.npz", "train.npz",
                                                              "validation.npz", "vocabulary.txt"]
    again, said = _train(tmp_path, imdb_dir, capsys)
    assert f"vectorized features: reused from {folder}" in said
    assert "learning the vocabulary" not in said and "vectorizing" not in said
    assert again == first  # the same vocabulary, features, weights and test score


def test_other_data_or_vectorizer_settings_are_never_served_stale_features(tmp_path, imdb_dir, capsys):
    _train(tmp_path, imdb_dir, capsys)
    _, said = _train(tmp_path, imdb_dir, capsys, vocab_size=150)
    assert "reused" not in said
    review = next((imdb_dir / "train" / "pos").glob("*.txt"))
    original = review.read_text(encoding="utf-8")
    try:
        review.write_text(original + " one more word", encoding="utf-8")
        _, said = _train(tmp_path, imdb_dir, capsys)
        assert "reused" not in said
    finally:
        review.write_text(original, encoding="utf-8")
    assert len(list((tmp_path / "outputs" / FOLDER).iterdir())) == 3


def test_a_folder_a_killed_run_left_half_written_is_never_read(tmp_path, imdb_dir, capsys):
    _train(tmp_path, imdb_dir, capsys)
    (folder,) = (tmp_path / "outputs" / FOLDER).iterdir()
    shutil.copytree(folder, folder.with_name(".incomplete-x"))  # killed before its rename: another name
    (folder / "validation.npz").unlink()  # a folder missing a split is not trusted either
    _, said = _train(tmp_path, imdb_dir, capsys)
    assert "reused" not in said and "learning the vocabulary" in said
    _, said = _train(tmp_path, imdb_dir, capsys)  # the broken folder was replaced by the last run's
    assert "reused" in said


@pytest.mark.parametrize(("kind", "settings"), [("bag", {"output_mode": "tf_idf", "ngrams": 2}),
                                                ("bag", {"output_mode": "count"}), ("sequence", {})])
def test_a_restored_vocabulary_is_the_learned_one_ids_and_idf_weights_included(kind, settings):
    cfg = DataConfig(vocab_size=30, **settings)
    texts = np.array(["a good film", "a bad film, bad", "good good fun", "the end"], dtype=object)
    learned = kinds()[kind].vectorizer(cfg)
    featurize.adapt(learned, texts, cfg, kinds()[kind])
    restored = kinds()[kind].vectorizer(cfg)
    terms, specials = vocabulary_table.vocabulary_for_cache(learned)
    vocabulary_table.restore_vocabulary(restored, terms.split(b"\n"), specials, vocabulary_table.idf_weights(learned))
    assert restored.get_vocabulary() == learned.get_vocabulary()
    probe = np.array(["good bad film", "unseen words", ""], dtype=object)
    input_kind = kinds()[kind]
    encoded = [input_kind.to_arrays(input_kind.encode(vectorizer, probe, cfg)) for vectorizer in (restored, learned)]
    assert encoded[0].keys() == encoded[1].keys()
    for name in encoded[0]:
        np.testing.assert_array_equal(encoded[0][name], encoded[1][name])
    back = input_kind.to_arrays(input_kind.from_arrays(encoded[0], restored.vocabulary_size()))  # as the cache reads
    assert all(np.array_equal(back[name], encoded[0][name]) for name in encoded[0])
    if settings.get("output_mode") == "tf_idf":
        np.testing.assert_allclose(vocabulary_table.idf_weights(restored), vocabulary_table.idf_weights(learned))


def _stream(tmp_path, capsys, table, model=None, **data):
    config = tiny_config(tmp_path, table, model or {"type": "nbsvm"},
                         data={"source": "csv", "stream": True, "cache": True, "ngrams": 2, **data},
                         train={"epochs": 2, "early_stopping": {"enabled": False}})
    cfg = load_config(config, output_dir=str(tmp_path / "outputs"))
    metrics = train.run(cfg, rundir.create_run_dir(cfg.output_dir, cfg.name)).metrics
    said = capsys.readouterr()
    return {k: v for k, v in metrics.items() if k not in TIMING}, said.out + said.err


def _table(path, count=300, seed=0):
    import csv
    import random

    from helpers import synthetic_review

    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("text", "label"), *((f"{synthetic_review(rng, i % 2 == 0)} #{i}",
                                                            "pos" if i % 2 == 0 else "neg") for i in range(count))])
    return path


@pytest.mark.parametrize("model", [{"type": "nbsvm"}, {"type": "lstm", "units": 8, "embedding_dim": 8}])
def test_a_streamed_split_is_vectorized_once_into_blocks_and_a_second_run_reads_them(tmp_path, capsys,
                                                                                       monkeypatch, model):
    from textclf.features import feature_cache

    monkeypatch.setattr(feature_cache, "BLOCK", 64)  # several blocks of the tiny table
    table = _table(tmp_path / "d.csv")
    first, said = _stream(tmp_path, capsys, table, model)
    (folder,) = (tmp_path / "outputs" / FOLDER).iterdir()
    kept = {"meta.json", "vocabulary.txt", "train", "validation", "test"}
    if model["type"] == "nbsvm":  # its ratios are counted on the vectorized sample
        kept.add("sample")
    assert {path.name for path in folder.iterdir()} == kept
    blocks = {name: len(list((folder / name).glob("*.labels"))) for name in ("train", "validation", "test")}
    sizes = json.loads(next((tmp_path / "outputs").glob("tiny-*/run.json")).read_text())["data"]["sizes"]
    assert blocks == {name: -(-count // 64) for name, count in sizes.items()} and blocks["train"] > 1
    written = sum(blocks.values()) + (model["type"] == "nbsvm")
    assert said.count("into the cache") == written and "reused" not in said  # each block once
    again, said = _stream(tmp_path, capsys, table, model)
    assert "into the cache" not in said and "learning the vocabulary" not in said and "vectorizing" not in said
    assert all(f"vectorized {name}: reused from {folder}" in said for name in ("train", "validation", "test"))
    assert again == first  # the same vocabulary, blocks, batches, weights and test score


def test_streamed_blocks_are_never_served_for_other_data_or_settings_or_half_written(tmp_path, capsys):
    import os
    import subprocess
    import sys

    table = _table(tmp_path / "d.csv")
    config = tiny_config(tmp_path, table, {"type": "nbsvm"}, data={"source": "csv", "stream": True, "cache": True})
    killed = subprocess.run([sys.executable, "-m", "textclf", "train", str(config)], capture_output=True, text=True,
                            env={**os.environ, "TEXTCLF_KILL_AT": "cache_block"})  # after the first block
    assert killed.returncode == -9
    (folder,) = (tmp_path / "outputs" / FOLDER).iterdir()
    assert [path.name for path in folder.iterdir() if path.name.startswith(".incomplete-train")]
    _, said = _stream(tmp_path, capsys, table, ngrams=1, cache=True)  # the half-written split is not read
    assert "vectorizing train into the cache" in said
    _, said = _stream(tmp_path, capsys, table, ngrams=1, vocab_size=150)
    assert "reused" not in said
    _, said = _stream(tmp_path, capsys, _table(tmp_path / "d.csv", count=301))
    assert "reused" not in said
    assert len(list((tmp_path / "outputs" / FOLDER).iterdir())) == 3


def test_cached_training_blocks_hand_every_row_once_an_epoch_in_a_new_order(tmp_path, monkeypatch):
    from textclf.data import splits
    from textclf.features import feature_cache
    from textclf.features.inputs import of

    monkeypatch.setattr(feature_cache, "BLOCK", 40)
    cfg = load_config(tiny_config(tmp_path, _table(tmp_path / "d.csv", count=200), {"type": "dense_bow"},
                                  data={"source": "csv", "stream": True, "cache": True}))
    corpus = splits.load_corpus(cfg.data, cfg.seed)
    kind = of(cfg.model)
    vectorizer = kind.vectorizer(cfg.data)
    featurize.adapt(vectorizer, corpus.sample.texts, cfg.data, kind)
    cache = feature_cache.FeatureCache(cfg, kind, corpus)
    cache.save(vectorizer, {})
    batches = cache.stream_batches(corpus, "train", vectorizer, 16, cfg.data, shuffle_seed=3)
    assert int(batches.cardinality()) == sum(-(-cache.block_rows(b) // 16) for b in cache.blocks("train"))
    epochs = [[(tuple(row[row > 0]), label) for (ids, _), labels in batches
               for row, label in zip(ids.numpy(), labels.numpy(), strict=True)] for _ in range(2)]
    assert len(epochs[0]) == len(corpus.train) and sorted(epochs[0]) == sorted(epochs[1])  # every row once
    assert epochs[0] != epochs[1]  # reshuffled: blocks in another order, rows within them too


def test_a_cache_that_cannot_be_written_is_trained_without_in_one_line(tmp_path, imdb_dir, capsys):
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / ".cache").write_text("a file where the cache's folder would go")
    metrics, said = _train(tmp_path, imdb_dir, capsys)
    warnings = [line for line in said.splitlines() if "data.cache" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: data.cache: cannot write") and \
        warnings[0].endswith("training without the cache")
    assert "test_accuracy" in metrics


def test_a_vocabulary_file_of_random_bytes_is_damage_and_the_run_vectorizes_again(tmp_path, imdb_dir, capsys):
    first, _ = _train(tmp_path, imdb_dir, capsys)
    (folder,) = (tmp_path / "outputs" / FOLDER).iterdir()
    (folder / "vocabulary.txt").write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)))
    again, said = _train(tmp_path, imdb_dir, capsys)
    assert f"warning: data.cache: {folder} is damaged; vectorizing again" in said and "learning the vocabulary" in said
    assert again == first
    third, said = _train(tmp_path, imdb_dir, capsys)  # the damaged entry was written anew
    assert "reused" in said and third == first
