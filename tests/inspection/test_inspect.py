"""``textclf inspect`` end to end on tiny synthetic tables: planted duplicates, leakage and conflicts are found
exactly, the outputs are written, bad input is one line."""

import csv
import json
import random
from pathlib import Path

import pytest
from helpers import assert_user_error, invoke, synthetic_review, write_table

REPEATED, LEAKED, CONFLICT = "Loved it, a superb film!", "An awful, dull waste of time.", "The plot was fine."


def _planted(tmp_path):
    """A train table of distinct reviews with a text repeated (spelled two ways), one with two labels, and a test
    table that repeats a train text. The config keeps punctuation (configs/recommended.yaml): only case and
    spacing differ between the spellings."""
    rng = random.Random(0)
    rows = [(synthetic_review(rng, i % 2 == 0, length=20), "pos" if i % 2 == 0 else "neg") for i in range(80)]
    rows[10:10] = [(REPEATED, "pos"), (LEAKED, "neg"), (CONFLICT, "pos")]
    rows += [("loved IT,  a superb film!", "pos"), ("the plot was FINE.", "neg")]
    test = [(synthetic_review(rng, i % 2 == 0, length=20), "pos" if i % 2 == 0 else "neg") for i in range(20)]
    test.append((LEAKED.upper(), "neg"))
    return write_table(tmp_path / "train.csv", rows), write_table(tmp_path / "test.csv", test)


def _findings(folder):
    with open(folder / "findings.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_planted_duplicates_leakage_and_conflicts_are_found_exactly(tmp_path):
    train, test = _planted(tmp_path)
    out = tmp_path / "report"
    result = invoke("inspect", train, "--set", f"data.test_path={test}", "--no-label-errors", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(out)
    found = _findings(out)
    groups = {}
    for row in found:
        groups.setdefault(row["group"], []).append(row)
    assert sorted(sorted(r["text"] for r in rows) for rows in groups.values()) == sorted(
        [sorted([REPEATED, "loved IT,  a superb film!"]), sorted([LEAKED, LEAKED.upper()]),
         sorted([CONFLICT, "the plot was FINE."])])  # three groups, nothing else flagged
    assert {row["kind"] for row in groups[next(g for g, r in groups.items() if r[0]["text"] == CONFLICT or
                                               r[-1]["text"] == CONFLICT)]} == {"conflict"}
    leak = next(rows for rows in groups.values() if LEAKED in {r["text"] for r in rows})
    assert {row["kind"] for row in leak} == {"leak"} and {row["split"] for row in leak} >= {"test"}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["test_in_train"] == 1 and report["counts"]["conflicting_texts"] == 1
    assert report["counts"]["near_duplicate_groups"] == 0
    assert report["shape"]["rows"]["test"] == 21 and "likely_label_errors" not in report["counts"]
    assert "1 test texts (4.8% of the test split) also appear in train" in result.stdout
    assert any(line.split() == ["test_share_in_train", "4.76%"] for line in result.stdout.splitlines())
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_strict_fails_on_leakage_and_write_clean_drops_it_never_replacing_a_file(tmp_path):
    train, test = _planted(tmp_path)
    clean = tmp_path / "clean.csv"
    result = invoke("inspect", train, "--set", f"data.test_path={test}", "--no-label-errors", "--strict",
                    "--out", tmp_path / "r1", "--write-clean", clean)
    assert result.exit_code == 1, result.output
    with open(clean, encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert len(texts) == 85 - 1 - 2 - 1  # the leaked text, both rows of the conflict, the repeat's second row
    assert LEAKED not in texts and CONFLICT not in texts and "the plot was FINE." not in texts
    assert texts.count(REPEATED) == 1 and "loved IT,  a superb film!" not in texts
    again = invoke("inspect", clean, "--set", f"data.test_path={test}", "--no-label-errors", "--strict",
                   "--out", tmp_path / "r2")
    assert again.exit_code == 0, again.output  # the clean copy passes
    before = clean.read_bytes()
    refused = invoke("inspect", train, "--no-label-errors", "--out", tmp_path / "r3", "--write-clean", clean)
    assert_user_error(refused, "--write-clean", "exists")
    assert clean.read_bytes() == before


def test_a_non_empty_out_folder_is_refused_before_any_work(tmp_path):
    train, _ = _planted(tmp_path)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("keep me")
    assert_user_error(invoke("inspect", train, "--no-label-errors", "--out", tmp_path / "taken"), "--out", "taken")
    assert (tmp_path / "taken" / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize("content", ["words,label\nhello,pos\nbye,neg\n", "text,label\n\x00\x01,pos\n"])
def test_a_file_train_refuses_inspect_refuses_with_the_same_line(tmp_path, content):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content.encode())
    inspected = invoke("inspect", bad, "--no-label-errors", "--out", tmp_path / "r")
    trained = invoke("train", "configs/recommended.yaml", "--data", bad, "--output-dir", tmp_path / "o")
    assert_user_error(inspected)
    assert_user_error(trained)
    assert inspected.stderr.strip().splitlines()[-1] == trained.stderr.strip().splitlines()[-1]


def test_likely_label_errors_come_from_out_of_fold_models(tmp_path):
    """Reviews whose cue words say one class but whose label says the other are flagged with the other class."""
    rng = random.Random(3)
    rows = [(synthetic_review(rng, i % 2 == 0, length=6), "pos" if i % 2 == 0 else "neg") for i in range(160)]
    flipped = {5, 40, 77, 120}
    rows = [(text, ("neg" if label == "pos" else "pos") if i in flipped else label)
            for i, (text, label) in enumerate(rows)]
    data = write_table(tmp_path / "noisy.csv", rows)
    out = tmp_path / "report"
    result = invoke("inspect", data, "--folds", "2", "--out", out, "--set", "train.epochs=3")
    assert result.exit_code == 0, result.output
    assert "label errors: training fold 2 of 2" in result.stderr
    errors = [row for row in _findings(out) if row["kind"] == "label_error"]
    flagged = {row["text"] for row in errors}
    planted = {rows[i][0] for i in flipped}
    assert len(flagged & planted) >= 3 and len(flagged - planted) <= 4
    for row in errors:
        assert row["suggested"] != row["label"] and 0.5 <= float(row["confidence"]) <= 1


def test_train_warns_of_leakage_and_conflicts_in_one_line_pointing_to_inspect(tmp_path):
    train, test = _planted(tmp_path)
    result = invoke("train", "configs/recommended.yaml", "--data", train, "--set", f"data.test_path={test}",
                    "--set", "train.epochs=1", "--output-dir", tmp_path / "outputs")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "textclf inspect" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: 1 test texts also in train")
    assert "1 texts with two labels" in warnings[0]
    run = Path(result.stdout.strip().splitlines()[-1])
    checks = json.loads((run / "metrics.json").read_text())["data_checks"]
    assert checks["test_in_train"] == 1 and checks["conflicting_texts"] == 1


def test_multi_label_data_is_inspected_by_its_label_sets(tmp_path):
    rng = random.Random(5)
    rows = [{"text": synthetic_review(rng, i % 2 == 0, length=8), "label": ["pos"] if i % 2 == 0 else ["neg", "x"]}
            for i in range(120)]
    rows += [{"text": "same words here", "label": ["pos"]}, {"text": "Same words here", "label": ["pos", "x"]}]
    data = tmp_path / "multi.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = tmp_path / "report"
    result = invoke("inspect", data, "--folds", "2", "--set", "train.epochs=2", "--set", "data.task=multi_label",
                    "--out", out)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["shape"]["task"] == "multi_label" and report["counts"]["conflicting_texts"] == 1
    assert report["shape"]["label_sets"]["pairs"][0]["labels"] == ["neg", "x"]
    assert "likely_label_errors" in report["counts"]
    conflict = [row for row in _findings(out) if row["kind"] == "conflict"]
    assert sorted(row["label"] for row in conflict) == ["pos", "pos|x"]


def test_a_similarity_outside_zero_to_one_is_refused(tmp_path):
    train, _ = _planted(tmp_path)
    assert_user_error(invoke("inspect", train, "--near", "1.5", "--out", tmp_path / "r"), "--near", "1.5")
    assert not (tmp_path / "r").exists()
