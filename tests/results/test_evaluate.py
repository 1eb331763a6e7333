import json

import pytest

from textclf.errors import TextclfError
from textclf.results.evaluate import evaluate_run
from textclf.runs import rundir


def test_evaluate_reproduces_the_test_accuracy_of_training(trained_run):
    report = evaluate_run(trained_run, errors=3)
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert report["examples"] == 80
    assert report["accuracy"] == pytest.approx(metrics["test_accuracy"], abs=1e-6)  # Keras keeps float32
    assert report["loss"] == pytest.approx(metrics["test_loss"], rel=1e-3)
    written = json.loads((trained_run / "evaluation" / "test" / "metrics.json").read_text())
    assert written["accuracy"] == report["accuracy"] and len(written["mistakes"]) <= 3
    for picture in ("confusion_matrix.png", "roc.png", "reliability.png"):
        assert (trained_run / "evaluation" / "test" / picture).read_bytes()[:4] == b"\x89PNG"
    calibrated = written["calibration"]
    assert 0 <= calibrated["ece"] <= 1 and 0 <= calibrated["brier"] <= 2
    assert sum(b["count"] for b in calibrated["bins"]) == 80


def test_each_split_keeps_its_own_evaluation(trained_run):
    test = evaluate_run(trained_run, split="test", errors=0)
    validation = evaluate_run(trained_run, split="validation", errors=0)
    on_disk = {split: json.loads((trained_run / "evaluation" / split / "metrics.json").read_text())
               for split in ("test", "validation")}
    assert (on_disk["test"]["examples"], on_disk["validation"]["examples"]) == (test["examples"],
                                                                                 validation["examples"])
    assert (on_disk["test"]["split"], on_disk["validation"]["split"]) == ("test", "validation")




def write_reviews(path, count: int, seed: int = 0):
    import csv
    import random

    from helpers import synthetic_review

    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for index in range(count):
            writer.writerow([synthetic_review(rng, index % 2 == 0), "pos" if index % 2 == 0 else "neg"])
    return path


def test_evaluate_data_scores_every_row_of_that_file_not_the_runs_test_file(tmp_path):
    from helpers import invoke

    from textclf.config import load_config
    from textclf.training import train

    train_file, test_file = write_reviews(tmp_path / "a.csv", 120), write_reviews(tmp_path / "a-test.csv", 40, 1)
    other = write_reviews(tmp_path / "b.csv", 37, 2)
    config = tmp_path / "nbsvm.yaml"
    config.write_text(f"name: nb\ndata: {{source: csv, path: {train_file}, test_path: {test_file}, vocab_size: 300}}\n"
                      f"model: {{type: nbsvm}}\ntrain: {{epochs: 2, batch_size: 16}}\noutput_dir: {tmp_path / 'out'}\n")
    cfg = load_config(config)
    run = rundir.create_run_dir(cfg.output_dir, cfg.name)
    train.run(cfg, run)
    result = invoke("evaluate", run, "--data", other)
    assert result.exit_code == 0, result.output
    assert f"every row of {other}: 37 texts scored" in result.stdout
    report = rundir.read_json(run / "evaluation" / "data-b" / "metrics.json")
    assert report["rows_scored"] == report["examples"] == 37 and report["data"] == str(other)
    refused = invoke("evaluate", run, "--data", other, "--split", "validation")
    assert refused.exit_code == 2 and "--split: only for the run's own data" in refused.stderr


def test_evaluate_data_reads_a_table_for_a_run_trained_on_imdb_every_row_of_it(trained_run, tmp_path):
    table = write_reviews(tmp_path / "reviews.csv", 50)
    report = evaluate_run(trained_run, data_path=str(table), errors=0)
    assert report["rows_scored"] == 50 and sum(map(sum, report["confusion_matrix"])) == 50


def test_a_run_whose_data_moved_is_told_to_pass_data(tmp_path, trained_run):
    import shutil

    moved = tmp_path / "run"
    shutil.copytree(trained_run, moved)
    config = (moved / "config.yaml").read_text().replace(str(rundir.read_config(trained_run).data.path),
                                                       str(tmp_path / "gone"))
    (moved / "config.yaml").write_text(config)
    with pytest.raises(TextclfError, match="does not exist; to score other data, pass it with --data PATH"):
        evaluate_run(moved)


def test_texts_become_a_list_without_an_array_as_wide_as_the_longest_text():
    import tracemalloc

    import numpy as np

    from textclf.results.evaluate import as_text_list

    texts = np.array(["a short review"] * 999 + ["long " * 10_000], dtype=object)  # fixed width: 200 MB
    tracemalloc.start()
    listed = as_text_list(texts)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert listed == list(texts) and all(type(text) is str for text in listed)
    assert peak < 5 * 2**20, f"{peak / 2**20:.0f} MiB to list the texts"
