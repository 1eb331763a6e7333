"""serve's web page in a real browser (the system's headless Chromium through Selenium): type a text, press the
button, read the label; the run's name and metrics shown, words shaded, nothing fetched from outside."""

import pytest
from helpers import headless_chromium, post_json, start_server, stop_server


@pytest.fixture(scope="module")
def server(nbsvm_run):
    process, url = start_server(nbsvm_run)
    yield url
    assert stop_server(process) == 0


def test_the_page_labels_a_typed_text_as_the_api_does(server, nbsvm_run, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    text = "A wonderful, moving film with a <b>superb</b> cast."
    _, expected = post_json(server + "/v1/predict", {"texts": [text]})
    browser = headless_chromium()
    try:
        browser.set_window_size(1000, 760)
        browser.get(server + "/")
        WebDriverWait(browser, 20).until(expected_conditions.text_to_be_present_in_element((By.ID, "about"),
                                                                                           nbsvm_run.name))
        about = browser.find_element(By.ID, "about").text
        assert "nbsvm" in about and "test accuracy" in about and "neg, pos" in about
        browser.find_element(By.ID, "texts").send_keys(text)
        browser.find_element(By.ID, "predict").click()
        label = WebDriverWait(browser, 20).until(expected_conditions.visibility_of_element_located((By.ID, "label-0")))
        assert label.text == expected["predictions"][0]["label"] == "pos"
        shaded = browser.find_elements(By.CSS_SELECTOR, ".text span[title]")
        assert {span.text for span in shaded} >= {"wonderful,", "moving"}
        assert browser.find_element(By.CSS_SELECTOR, ".text").text == text  # markup shown as text, not run
        assert len(browser.find_elements(By.CSS_SELECTOR, ".bar")) == 2
        assert browser.get_screenshot_as_file(str(tmp_path / "page.png"))
        assert not [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    finally:
        browser.quit()
