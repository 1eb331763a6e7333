"""The explain command's steps: a run's explanations, and the page written only as a new file."""

import pytest

from textclf.errors import TextclfError
from textclf.explanation import explain


def test_a_runs_explanations_are_of_its_own_model_and_classes(nbsvm_run):
    found = explain.explain_run(nbsvm_run, ["superb and moving", "dull"])
    assert [item.label for item in found] == ["pos", "neg"]
    assert all(item.method == "exact" and abs(item.gap) < 1e-5 for item in found)
    with pytest.raises(TextclfError, match="give TEXT arguments"):
        explain.explain_run(nbsvm_run, [])


def test_the_page_is_written_once_and_never_replaced(nbsvm_run, tmp_path):
    found = explain.explain_run(nbsvm_run, ["<i>superb</i>"])
    page = explain.write_page(tmp_path / "why.html", found, nbsvm_run)
    text = page.read_text(encoding="utf-8")
    assert nbsvm_run.name in text and "&lt;i&gt;superb&lt;/i&gt;" in text
    with pytest.raises(TextclfError, match="exists; textclf never replaces a file"):
        explain.write_page(page, found, nbsvm_run)
    with pytest.raises(TextclfError, match="is not a folder"):
        explain.write_page(tmp_path / "missing" / "why.html", found, nbsvm_run)
    assert page.read_text(encoding="utf-8") == text and not list(tmp_path.glob(".why.html.tmp*"))
