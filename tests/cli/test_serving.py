"""The commands explain and serve at the command line: explain's lines, JSON, an HTML page that never replaces a
file, --global; serve's options checked before anything loads."""

import json

from helpers import assert_user_error, invoke


def test_explain_prints_each_texts_label_its_strongest_terms_and_the_marked_text(nbsvm_run):
    result = invoke("explain", nbsvm_run, "a wonderful and moving film", "awful and boring")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 8
    assert lines[0].startswith("pos  ") and "(exact: score " in lines[0]
    assert lines[1].startswith("  for pos:") and "wonderful +" in lines[1]
    assert "[wonderful]+" in lines[3]
    assert lines[4].startswith("neg  ") and "boring +" in lines[5]


def test_json_lines_add_up_and_the_page_is_a_new_file(nbsvm_run, tmp_path):
    page = tmp_path / "why.html"
    result = invoke("explain", nbsvm_run, "--json", "--html", page, "superb", "--label", "neg")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["label"] == "neg" and record["method"] == "exact"
    total = record["baseline"] + sum(item["contribution"] for item in record["terms"])
    assert abs(total - record["score"]) < 1e-5
    assert "superb" in page.read_text(encoding="utf-8")
    again = invoke("explain", nbsvm_run, "--html", page, "dull")
    assert_user_error(again, "--html:", "exists")
    assert "dull" not in page.read_text(encoding="utf-8")


def test_global_lists_each_class_strongest_ngrams_for_bag_models_only(nbsvm_run, trained_run):
    result = invoke("explain", nbsvm_run, "--global", "--top", "3", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert set(found) == {"neg", "pos"} and len(found["pos"]["for"]) == 3
    positive = {term for term, _ in found["pos"]["for"]}
    assert positive & set("great wonderful superb loved brilliant moving excellent charming delightful".split())
    assert_user_error(invoke("explain", trained_run, "--global"), "--global: only for the models linear")


def test_integrated_gradients_explain_a_sequence_model(trained_run):
    result = invoke("explain", trained_run, "--json", "--steps", "64", "great wonderful film")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["method"] == "integrated gradients, 64 steps"
    difference = record["score"] - record["baseline"]
    gap = difference - sum(item["contribution"] for item in record["terms"])
    assert abs(difference) > 0.1 and abs(gap) <= 0.05 * abs(difference)  # completeness, as the paper states it


def test_explain_refuses_no_texts_an_unknown_label_and_a_folder_that_is_not_a_run(nbsvm_run, tmp_path):
    assert_user_error(invoke("explain", nbsvm_run), "explain: give TEXT arguments")
    assert_user_error(invoke("explain", nbsvm_run, "x", "--label", "maybe"), "--label: 'maybe'")
    assert_user_error(invoke("explain", tmp_path, "good"), "not a run folder")


def test_serve_checks_its_options_before_loading_anything(nbsvm_run):
    for option, value in (("--port", "70000"), ("--workers", "0"), ("--batch-size", "0"), ("--max-texts", "0")):
        result = invoke("serve", nbsvm_run, option, value)
        assert result.exit_code == 2 and option in result.output and "Traceback" not in result.output
