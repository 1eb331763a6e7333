import csv
import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest
from helpers import synthetic_review, tiny_config

from textclf.config import DataConfig, load_config
from textclf.data import splits, stream
from textclf.errors import TextclfError
from textclf.results import evaluate
from textclf.runs import rundir
from textclf.training import train


def write_rows(path: Path, rows, opener=open) -> Path:
    with opener(path, "wt", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("text", "label"), *rows])
    return path


def labeled_rows(count: int, seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [(f"{synthetic_review(rng, i % 2 == 0)} #{i}", "pos" if i % 2 == 0 else "neg") for i in range(count)]


def stream_cfg(path, **extra) -> DataConfig:
    return DataConfig(source="csv", path=str(path), stream=True, **extra)


def test_a_texts_split_is_fixed_by_its_hash_and_the_seed():
    cfg = DataConfig(source="csv", path="x.csv", test_split=0.2, validation_split=0.25)
    texts = [f"text number {i}" for i in range(4000)]
    splits = [stream.split_of(text, 7, cfg, from_test_file=False) for text in texts]
    assert splits == [stream.split_of(text, 7, cfg, False) for text in texts]  # no state, no row count
    shares = {name: splits.count(name) / len(texts) for name in ("train", "validation", "test")}
    assert abs(shares["test"] - 0.2) < 0.03 and abs(shares["validation"] - 0.2) < 0.03  # 0.25 of the rest
    assert splits != [stream.split_of(text, 8, cfg, False) for text in texts]
    assert stream.split_of("anything", 7, cfg, from_test_file=True) == "test"
    with_file = cfg.model_copy(update={"test_path": "t.csv"})  # a test file: no test share drawn
    assert {stream.split_of(text, 7, with_file, False) for text in texts} == {"train", "validation"}


def test_the_scan_keeps_labels_and_a_bounded_sample_and_rows_reads_a_split_again(tmp_path):
    path = write_rows(tmp_path / "d.csv", labeled_rows(300))
    corpus = splits.load_corpus(stream_cfg(path, vocabulary_sample=50), seed=3)
    assert corpus.class_names == ("neg", "pos")
    assert len(corpus.train) + len(corpus.validation) + len(corpus.test) == 300
    assert len(corpus.sample.texts) == 50 and set(corpus.sample.texts) <= set(corpus.train.texts)
    for name in ("train", "validation", "test"):
        rows = list(corpus.rows(name))
        assert [label for _, label in rows] == corpus.splits[name].labels.tolist()
    assert not set(corpus.train.texts) & set(corpus.test.texts)
    again = splits.load_corpus(stream_cfg(path, vocabulary_sample=50), seed=3)
    assert list(again.sample.texts) == list(corpus.sample.texts) and again.fingerprint == corpus.fingerprint


def test_shards_and_gzip_stream_the_split_of_one_file(tmp_path):
    rows = labeled_rows(200)
    whole = splits.load_corpus(stream_cfg(write_rows(tmp_path / "all.csv", rows)), seed=1)
    (tmp_path / "shards").mkdir()
    for index in range(4):
        write_rows(tmp_path / "shards" / f"part-{index}.csv.gz", rows[index * 50:(index + 1) * 50], gzip.open)
    sharded = splits.load_corpus(stream_cfg(tmp_path / "shards" / "part-*.csv.gz"), seed=1)
    for name in ("train", "validation", "test"):
        assert list(sharded.rows(name)) == list(whole.rows(name))
    assert sharded.fingerprint == whole.fingerprint


@pytest.mark.parametrize("rows, words", [
    ([("a good text", "pos|neg")], ["line 2", "several labels"]),
    ([("a good text", "")], ["line 2", "empty label"]),
    ([("a good text", "pos")], ["d.csv", "the train split has 1 class"]),
])
def test_stream_mistakes_are_one_line_naming_the_file(tmp_path, rows, words):
    path = write_rows(tmp_path / "d.csv", rows)
    cfg = stream_cfg(path, label_separator="|", task="single_label") if "|" in rows[0][1] else stream_cfg(path)
    with pytest.raises(TextclfError) as caught:
        splits.load_corpus(cfg, seed=0)
    assert all(word in str(caught.value) for word in words) and "\n" not in str(caught.value)


def test_a_test_label_unseen_in_training_is_named(tmp_path):
    train_file = write_rows(tmp_path / "train.csv", labeled_rows(60))
    test_file = write_rows(tmp_path / "test.csv", [("a text of a new kind", "other")])
    with pytest.raises(TextclfError, match="label 'other' of the test split does not occur"):
        splits.load_corpus(stream_cfg(train_file, test_path=str(test_file)), seed=0)


@pytest.mark.parametrize("section, words", [
    ({"source": "imdb", "stream": True}, ["data.stream", "only for source csv"]),
    ({"source": "csv", "path": "d.csv", "stream": True, "task": "multi_label"}, ["data.stream", "multi_label"]),
])
def test_streaming_refuses_what_it_cannot_do(tmp_path, section, words):
    with pytest.raises(TextclfError) as caught:
        load_config(tiny_config(tmp_path, tmp_path, {"type": "nbsvm"}, data=section))
    assert all(word in str(caught.value) for word in words)
    several = {"source": "csv", "path": "d.csv", "stream": True}
    with pytest.raises(TextclfError, match="train.metrics: a streamed multi_worker run scores accuracy"):
        load_config(tiny_config(tmp_path, tmp_path, {"type": "nbsvm"}, data=several,
                                train={"distribute": "multi_worker", "metrics": ["accuracy", "auc"]}))


@pytest.mark.parametrize("model", [{"type": "nbsvm"}, {"type": "lstm", "units": 8, "embedding_dim": 8}])
def test_a_streamed_run_trains_the_same_from_one_file_or_four_shards(tmp_path, model):
    rows = labeled_rows(240, seed=5)
    write_rows(tmp_path / "all.csv", rows)
    for index in range(4):
        write_rows(tmp_path / f"part-{index}.csv", rows[index * 60:(index + 1) * 60])
    results = []
    for path in (tmp_path / "all.csv", tmp_path / "part-*.csv"):
        config = tiny_config(tmp_path, path, model, data={"source": "csv", "stream": True, "ngrams": 2,
                                                          "vocabulary_sample": 120}, train={"epochs": 2})
        cfg = load_config(config)
        run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
        results.append((run_dir, train.run(cfg, run_dir).metrics))
    run_dir, metrics = results[0]
    assert {"model.keras", "history.csv", "metrics.json"} <= {p.name for p in run_dir.iterdir()}
    assert metrics["test_accuracy"] > 0.8 and (run_dir / rundir.HISTORY_PLOT).exists()
    assert metrics["weights_sha256"] == results[1][1]["weights_sha256"]
    assert metrics["test_accuracy"] == results[1][1]["test_accuracy"]
    info = json.loads((run_dir / "run.json").read_text())["data"]
    assert sum(info["sizes"].values()) == 240 and info["streamed"] and info["vocabulary_sample"] == 120
    assert np.isclose(info["sizes"]["test"] / 240, 0.2, atol=0.08)
    report = evaluate.evaluate_run(run_dir)  # evaluate reads the same test split again
    assert report["accuracy"] == pytest.approx(metrics["test_accuracy"], abs=1e-6)


def test_training_rows_are_shuffled_within_a_bounded_buffer_anew_each_epoch(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "STREAM_SHUFFLE", 16)
    path = write_rows(tmp_path / "d.csv", labeled_rows(200))
    corpus = splits.load_corpus(stream_cfg(path, validation_split=0.1, test_split=0.1), seed=2)
    in_order = [text for texts, _ in corpus.chunks("train", 7) for text in texts]
    epochs = [[text for texts, _ in corpus.chunks("train", 7, shuffle_seed=4) for text in texts] for _ in range(2)]
    for shuffled in epochs:
        assert sorted(shuffled) == sorted(in_order) and shuffled != in_order  # each row once, moved
        moved = [in_order.index(text) - place for place, text in enumerate(shuffled)]
        assert max(moved) <= 16  # no row comes out more than the buffer's size before its place in the file
    assert epochs[0] != epochs[1]
    again = splits.load_corpus(stream_cfg(path, validation_split=0.1, test_split=0.1), seed=2)
    assert [text for texts, _ in again.chunks("train", 7, shuffle_seed=4) for text in texts] == epochs[0]
