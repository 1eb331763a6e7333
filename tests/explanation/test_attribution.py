"""An explanation's arithmetic: what its contributions miss of the score, its strongest terms, its JSON."""

from textclf.explanation.attribution import Explanation


def _explanation(score: float) -> Explanation:
    return Explanation("good bad", "pos", 0.7, "exact", score, 0.5, (("good", 2.0), ("bad", -1.0), ("ok", 0.0)),
                       (("good", 2.0), (" ", None), ("bad", -1.0)))


def test_the_gap_is_what_the_terms_and_the_baseline_miss_of_the_score():
    assert _explanation(1.5).gap == 0.0
    assert _explanation(1.75).gap == 0.25


def test_the_strongest_terms_each_way_leave_out_those_that_give_nothing():
    explanation = _explanation(1.5)
    assert explanation.strongest(5, 1) == [("good", 2.0)]
    assert explanation.strongest(5, -1) == [("bad", -1.0)]
    assert explanation.strongest(0, 1) == []


def test_json_keeps_the_top_terms_and_every_piece_of_the_text():
    record = _explanation(1.5).to_dict(top=1)
    assert record["terms"] == [{"term": "good", "contribution": 2.0}]
    assert "".join(item["text"] for item in record["words"]) == "good bad"
    assert record["score"] == 1.5 and record["baseline"] == 0.5 and record["method"] == "exact"
