"""What the terminal and the HTML page show of an explanation."""

from textclf.explanation import rendering
from textclf.explanation.attribution import Explanation

EXAMPLE = Explanation(
    text="<b>Great</b> film, dull end", label="pos", probability=0.8, method="exact", score=1.3, baseline=0.25,
    terms=(("great", 2.0), ("film", 0.25), ("dull", -1.2)),
    words=(("<b>Great</b>", 2.0), (" ", None), ("film,", 0.25), (" ", None), ("dull", -1.2), (" ", None),
           ("end", 0.0)))


def test_the_terminal_lines_name_the_strongest_terms_each_way_and_mark_them():
    lines = rendering.lines(EXAMPLE, top=2)
    assert lines[0] == "pos  0.800  (exact: score 1.300 = 0.250 with no words +1.05 from the words)"
    assert lines[1] == "  for pos:      great +2 · film +0.25"
    assert lines[2] == "  against pos:  dull −1.2"
    assert lines[3] == "  [<b>Great</b>]+ [film,]+ [dull]- end"
    assert abs(EXAMPLE.gap) < 1e-12


def test_the_page_shades_words_and_shows_the_text_as_text():
    page = rendering.page([EXAMPLE], "run <1>")
    assert "&lt;b&gt;Great&lt;/b&gt;" in page and "<b>Great</b>" not in page
    assert "<title>run &lt;1&gt;</title>" in page
    assert 'rgba(22,163,74,0.85)" title="+2">&lt;b&gt;' in page  # the strongest word: the darkest green
    assert 'rgba(220,38,38,0.55)" title="−1.2">dull' in page
    assert "<span>end</span>" in page and "<script" not in page


def test_global_lines_list_each_class_for_and_against():
    found = {"pos": {"for": [("great", 2.0)], "against": []}}
    assert rendering.global_lines(found, 5) == ["pos", "  for: great +2", "  against: (none)"]


def test_json_lists_the_strongest_terms_first():
    record = EXAMPLE.to_dict(top=2)
    assert [item["term"] for item in record["terms"]] == ["great", "dull"]
    assert record["words"][1] == {"text": " ", "contribution": None}
