"""The report page in a real browser: the system's headless Chromium, driven by Selenium (``.ci/run`` installs
both), renders it without errors, every picture decoded."""

import random

import pytest
from helpers import headless_chromium, invoke, synthetic_review, write_table


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("page")
    rng = random.Random(0)
    rows = [(synthetic_review(rng, i % 2 == 0), "pos" if i % 2 == 0 else "neg") for i in range(60)]
    rows += [(rows[3][0], "neg"), ("<script>alert(1)</script> & more", "pos"),
             ("<script>alert(1)</script> & more", "neg")]  # a conflict: its text is on the page
    out = tmp_path / "report"
    result = invoke("inspect", write_table(tmp_path / "data.csv", rows), "--folds", "2", "--set", "train.epochs=2",
                    "--out", out)
    assert result.exit_code == 0, result.output
    return out / "report.html"


def test_the_report_renders_in_headless_chromium_without_errors(report):
    from selenium.webdriver.common.by import By

    browser = headless_chromium()
    try:
        browser.get(report.as_uri())
        assert browser.find_element(By.TAG_NAME, "h1").text.startswith("textclf inspect:")
        images = browser.find_elements(By.TAG_NAME, "img")
        assert len(images) >= 2
        assert all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image)
                   for image in images)
        assert "conflict" in browser.find_element(By.TAG_NAME, "body").text
        assert "<script>alert(1)</script>" in browser.find_element(By.TAG_NAME, "body").text  # shown, not run
        severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == []
    finally:
        browser.quit()
