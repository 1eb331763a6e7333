import csv
import json

import numpy as np
import pytest

from textclf.config import DataConfig
from textclf.data import duplicates
from textclf.data.labeled import Split
from textclf.data.splits import Corpus
from textclf.errors import TextclfError
from textclf.inspection import clean_copy


def _corpus(test_read: bool, multi: bool = False):
    def split(texts, labels):
        return Split(np.array(texts, dtype=object), np.array(labels, dtype=np.int8 if multi else np.int32))

    if multi:
        return Corpus(split(["a", "b", "a"], [[1, 0], [1, 1], [1, 0]]), split(["c"], [[0, 1]]), split(["d"], [[1, 0]]),
                      ("x", "y"), "", "here", 0, test_read)
    return Corpus(split(["a", "b", "a", "c", "e"], [0, 1, 0, 0, 1]), split(["c", "f"], [1, 0]),
                  split(["b", "g"], [1, 0]), ("x", "y"), "", "here", 0, test_read)


def _found(corpus):
    return duplicates.groups({s: list(getattr(corpus, s).texts) for s in duplicates.SPLITS},
                             {s: getattr(corpus, s).labels for s in duplicates.SPLITS})


def test_a_drawn_test_split_is_pooled_back_deduplicated_without_conflicts():
    corpus = _corpus(test_read=False)
    kept = clean_copy.kept_rows(corpus, _found(corpus))
    texts = [str(getattr(corpus, s).texts[i]) for s, i in kept]
    assert texts == ["a", "b", "e", "f", "g"]  # "a" once; "c" under two labels: gone; "b" in test: once


def test_the_sources_own_test_files_stay_and_train_rows_they_hold_go():
    corpus = _corpus(test_read=True)
    kept = clean_copy.kept_rows(corpus, _found(corpus))
    assert [str(getattr(corpus, s).texts[i]) for s, i in kept] == ["a", "e", "f"]
    assert all(split != "test" for split, _ in kept)


def test_the_copy_is_written_in_the_tables_format_and_never_replaces_a_file(tmp_path):
    corpus = _corpus(test_read=False)
    data = DataConfig(source="csv", path="x.csv", text_column="review", label_column="stars")
    assert clean_copy.write(tmp_path / "clean.tsv", corpus, _found(corpus), data) == 5
    with open(tmp_path / "clean.tsv", encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle, delimiter="\t"))[:2] == [["review", "stars"], ["a", "x"]]
    with pytest.raises(TextclfError, match="exists"):
        clean_copy.write(tmp_path / "clean.tsv", corpus, _found(corpus), data)
    with pytest.raises(TextclfError, match=r"\.csv, \.tsv or \.jsonl"):
        clean_copy.write(tmp_path / "clean.txt", corpus, _found(corpus), data)
    assert not list(tmp_path.glob(".*tmp*"))


def test_multi_label_rows_keep_their_label_sets(tmp_path):
    corpus = _corpus(test_read=False, multi=True)
    clean_copy.write(tmp_path / "clean.jsonl", corpus, _found(corpus), DataConfig(source="csv", path="x.csv"))
    records = [json.loads(line) for line in (tmp_path / "clean.jsonl").read_text().splitlines()]
    assert records == [{"text": "a", "label": ["x"]}, {"text": "b", "label": ["x", "y"]},
                       {"text": "c", "label": ["y"]}, {"text": "d", "label": ["x"]}]
