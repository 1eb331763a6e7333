"""The generated four-topic corpus: skewed shares, a table or class folders, the same for the same seed."""

import csv
from collections import Counter

from textclf.data import examples


def test_a_table_holds_the_topics_in_their_shares_and_is_the_same_for_a_seed(tmp_path):
    path = examples.write_csv(tmp_path / "topics.csv", rows=200, seed=3)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["text", "topic"] and len(rows) == 201
    assert Counter(topic for _, topic in rows[1:]) == {"sports": 80, "technology": 60, "food": 40, "travel": 20}
    assert examples.write_csv(tmp_path / "again.csv", rows=200, seed=3).read_text() == path.read_text()
    assert examples.write_csv(tmp_path / "other.csv", rows=200, seed=4).read_text() != path.read_text()


def test_class_folders_hold_one_file_per_text(tmp_path):
    root = examples.write_directory(tmp_path / "topics", rows=40)
    files = {topic.name: len(list(topic.glob("*.txt"))) for topic in root.iterdir()}
    assert files == {"sports": 16, "technology": 12, "food": 8, "travel": 4}
    text = next((root / "food").glob("*.txt")).read_text(encoding="utf-8")
    assert text.endswith(".") and any(word in text.lower() for word in examples.TOPICS["food"])
