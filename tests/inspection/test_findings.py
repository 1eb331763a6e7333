import numpy as np

from textclf.data import duplicates
from textclf.data.labeled import Split
from textclf.data.splits import Corpus
from textclf.inspection import findings, profile
from textclf.inspection.label_errors import LabelIssue


def _inspection(issues=None):
    def split(texts, labels):
        return Split(np.array(texts, dtype=object), np.array(labels, dtype=np.int32))

    corpus = Corpus(split(["a b", "c d", "e f g"], [0, 1, 0]), split(["h"], [1]), split(["a b", "z"], [0, 1]),
                    ("neg", "pos"), "", "data.csv")
    keys = {s: list(getattr(corpus, s).texts) for s in duplicates.SPLITS}
    found = duplicates.groups(keys, {s: getattr(corpus, s).labels for s in duplicates.SPLITS})
    return findings.Inspection(corpus, profile.profile(corpus, keys, maxlen=2), found, [[("train", 1), ("test", 1)]],
                               {("train", 1): 0.9, ("test", 1): 0.9}, issues)


def test_counts_and_advice_name_what_was_found():
    inspection = _inspection([LabelIssue(("train", 2), (0,), (1,), 0.97, 0.03)])
    counts = findings.summary(inspection)
    assert counts["test_in_train"] == 1 and counts["test_share_in_train"] == 0.5
    assert counts["test_nearly_in_train"] == 1 and counts["likely_label_errors"] == 1
    lines = findings.advice(counts, inspection.shape, sequence_model=True)
    assert lines[0].startswith("1 test texts (50.0% of the test split) also appear in train")
    assert any("look mislabeled" in line for line in lines)
    assert any("longer than data.maxlen (2 words)" in line for line in lines)
    assert not any("longer than" in line for line in findings.advice(counts, inspection.shape, False))


def test_each_flagged_row_is_one_csv_row_with_its_kind(tmp_path):
    rows = findings.rows(_inspection([LabelIssue(("train", 2), (0,), (1,), 0.97, 0.03)]))
    assert [(r["kind"], r["split"], r["row"]) for r in rows] == [
        ("leak", "train", 0), ("leak", "test", 0), ("near_duplicate", "train", 1), ("near_duplicate", "test", 1),
        ("label_error", "train", 2)]
    assert rows[-1]["label"] == "neg" and rows[-1]["suggested"] == "pos"
    findings.write_csv(tmp_path / "f.csv", rows)
    assert (tmp_path / "f.csv").read_text().splitlines()[0] == ",".join(findings.COLUMNS)


def test_clean_data_says_so():
    inspection = _inspection()
    inspection.exact, inspection.near = [], []
    assert findings.advice(findings.summary(inspection), inspection.shape, False) == [
        "no duplicates, leakage, conflicts or likely label errors found"]
