"""The HTTP API: in this process (FastAPI's TestClient, the app's lifespan run) its answers, shapes, limits and
errors; through a real server, its web page in the system's headless Chromium (Selenium), and the whole API
fuzzed from its own OpenAPI document by schemathesis, valid and invalid requests alike: no 5xx, nothing outside
the document. The operations are walked here rather than through schemathesis' pytest plugin, whose lazy
fixture loading does not run under pytest 9."""

import csv
import json

import numpy as np
import pytest
import schemathesis
import yaml
from fastapi.testclient import TestClient
from helpers import headless_chromium, post_json, start_server, stop_server, topic_rows
from hypothesis import HealthCheck, given, settings

from textclf.results.loading import load_model
from textclf.results.predict import predict_texts
from textclf.serving.app import create_app
from textclf.serving.served_model import ServedModel
from textclf.serving.settings import Settings

TEXTS = ["a wonderful and moving film", "awful, boring and dull", "the plot"]


@pytest.fixture(scope="module")
def client(nbsvm_run):
    with TestClient(create_app(ServedModel(nbsvm_run), Settings(max_texts=4, max_chars=200))) as client:
        yield client


def _trained(tmp_path, config: dict):
    from textclf.config import load_config
    from textclf.runs import rundir
    from textclf.training import train

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"output_dir": str(tmp_path / "outputs"), "seed": 1, **config}), encoding="utf-8")
    cfg = load_config(path)
    run = rundir.create_run_dir(cfg.output_dir, cfg.name)
    train.run(cfg, run)
    return run


def test_predict_gives_the_models_labels_and_probabilities_by_class(client, nbsvm_run):
    response = client.post("/v1/predict", json={"texts": TEXTS, "top_k": 2})
    assert response.status_code == 200
    body = response.json()
    expected = predict_texts(load_model(nbsvm_run), TEXTS)
    assert body["model"] == nbsvm_run.name
    for row, probabilities in zip(body["predictions"], expected, strict=True):
        assert [row["probabilities"]["neg"], row["probabilities"]["pos"]] == pytest.approx(probabilities, abs=1e-6)
        assert row["label"] == ["neg", "pos"][int(np.argmax(probabilities))]
        assert [item["label"] for item in row["top"]][0] == row["label"] and len(row["top"]) == 2
    assert [row["label"] for row in body["predictions"][:2]] == ["pos", "neg"]


def test_a_whole_number_written_as_a_float_is_a_number_as_json_schema_says(client):
    body = client.post("/v1/predict", json={"texts": ["superb"], "top_k": 2.0}).json()
    assert len(body["predictions"][0]["top"]) == 2


def test_explanations_come_with_the_labels_and_add_up(client):
    body = client.post("/v1/predict", json={"texts": TEXTS[:2], "explain": True}).json()
    for row in body["predictions"]:
        explanation = row["explanation"]
        assert explanation["label"] == row["label"] and explanation["method"] == "exact"
        assert "".join(word["text"] for word in explanation["words"]) == explanation["text"]
    first = body["predictions"][0]["explanation"]
    assert max(first["words"], key=lambda w: w["contribution"] or 0)["text"] in ("wonderful", "moving")


def test_tf_serving_shape_answers_for_the_run_name_and_the_alias(client, nbsvm_run):
    expected = client.post("/v1/predict", json={"texts": TEXTS[:2]}).json()["predictions"]
    for name in (nbsvm_run.name, "textclf"):
        body = client.post(f"/v1/models/{name}:predict", json={"instances": [TEXTS[0], {"text": TEXTS[1]}]}).json()
        assert [row["label"] for row in body["predictions"]] == [row["label"] for row in expected]
        assert body["predictions"][0]["class_names"] == ["neg", "pos"]
        assert body["predictions"][0]["probabilities"][1] == pytest.approx(expected[0]["probabilities"]["pos"])
    missing = client.post("/v1/models/other:predict", json={"instances": ["x"]})
    assert missing.status_code == 404 and "model 'other' not found" in missing.json()["error"]


def test_a_body_without_a_json_content_type_is_read_as_json(client):
    response = client.post("/v1/models/textclf:predict", content=json.dumps({"instances": ["fine"]}),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200 and len(response.json()["predictions"]) == 1


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"texts": ["a"] * 5}, 413, "texts: 5 texts; at most 4 per request"),
    ({"texts": ["ok", "x" * 201]}, 413, "texts.1: 201 characters; at most 200"),
    ({"texts": [1]}, 422, "texts.0: Input should be a valid string"),
    ({"texts": "one text"}, 422, "texts: Input should be a valid list"),
    ({"texts": ["a"], "top_k": 0}, 422, "top_k: Input should be greater than or equal to 1"),
    ({"texts": ["a"], "top_k": "2"}, 422, "top_k: Input should be a valid integer"),
    ({"texts": ["a"], "top_k": 2.5}, 422, "top_k: Input should be a valid integer"),
    ({"texts": ["a"], "top-k": 2}, 422, "top-k: Extra inputs are not permitted"),
    ({}, 422, "texts: Field required"),
    (["a"], 422, "body: Input should be a valid dictionary"),
    ("{\"texts\": [", 422, "body: not valid JSON (at character"),
])
def test_bad_requests_get_a_json_error_of_one_line(client, body, status, message):
    sent = {"content": body} if isinstance(body, str) else {"json": body}
    response = client.post("/v1/predict", **sent)
    assert response.status_code == status
    assert response.json()["error"].startswith(message) and "\n" not in response.json()["error"]


def test_a_body_that_is_not_utf8_is_a_422_like_any_bad_body(client):
    response = client.post("/v1/predict", content=b'{"texts": ["\xff\xfe"]}')
    assert response.status_code == 422 and response.json()["error"].startswith("body: not valid JSON")


def test_a_body_larger_than_any_request_can_be_is_refused_before_it_is_read(client):
    huge = b" " * (Settings(max_texts=4, max_chars=200).body_limit() + 1)
    response = client.post("/v1/predict", content=huge)
    assert response.status_code == 413 and "request body of" in response.json()["error"]


def test_texts_json_cannot_carry_through_utf8_are_repaired_not_a_500(client):
    response = client.post("/v1/predict", content='{"texts": ["\\ud800 great", "nul \\u0000 ok", ""]}')
    assert response.status_code == 200 and len(response.json()["predictions"]) == 3


def test_health_metadata_and_page(client, nbsvm_run):
    assert client.get("/health").json() == {"status": "ok", "model": nbsvm_run.name}
    meta = client.get("/v1/metadata").json()
    assert meta["class_names"] == ["neg", "pos"] and meta["model_type"] == "nbsvm"
    assert meta["test_metrics"]["test_accuracy"] == json.loads((nbsvm_run / "metrics.json").read_text())[
        "test_accuracy"]
    assert set(meta["versions"]) == {"textclf", "tensorflow", "keras", "python"}
    page = client.get("/").text
    assert "<textarea" in page and "http://" not in page and "https://" not in page  # nothing from a CDN
    assert client.get("/docs").status_code == 200 and "/v1/predict" in client.get("/openapi.json").json()["paths"]


def test_a_multi_label_run_decides_with_its_stored_thresholds(tmp_path):
    with open(tmp_path / "topics.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("text", "label"), *topic_rows(200, seed=0)])
    run = _trained(tmp_path, {"name": "topics", "model": {"type": "nbsvm"},
                              "data": {"source": "csv", "path": str(tmp_path / "topics.csv"), "task": "multi_label",
                                       "label_separator": "|", "vocab_size": 100},
                              "train": {"epochs": 3, "batch_size": 16, "learning_rate": 0.05}})
    served = ServedModel(run)
    with TestClient(create_app(served, Settings())) as client:
        row = client.post("/v1/predict", json={"texts": ["goal match rain storm"]}).json()["predictions"][0]
        assert sorted(item["label"] for item in row["labels"]) == ["sports", "weather"]
        shaped = client.post("/v1/models/textclf:predict", json={"instances": ["goal match"]}).json()
        assert shaped["predictions"][0]["thresholds"] == pytest.approx(served.thresholds)
        applied = shaped["predictions"][0]["labels_applied"]
        assert [name for name, on in zip(served.names, applied, strict=True) if on] == ["sports"]
        explained = client.post("/v1/predict", json={"texts": ["goal match"], "explain": True}).json()
        assert explained["predictions"][0]["explanation"]["label"] == "sports"


def test_an_ensemble_is_served_and_its_explanation_refused_in_one_line(tmp_path, imdb_dir):
    run = _trained(tmp_path, {"name": "pair", "model": {"type": "nbsvm"},
                              "data": {"source": "imdb", "path": str(imdb_dir), "vocab_size": 200},
                              "train": {"ensemble": 2, "epochs": 1, "learning_rate": 0.05}})
    with TestClient(create_app(ServedModel(run), Settings())) as client:
        assert client.post("/v1/predict", json={"texts": TEXTS}).status_code == 200
        refused = client.post("/v1/predict", json={"texts": TEXTS, "explain": True})
        assert refused.status_code == 422 and refused.json()["error"].startswith("explain: this run is an ensemble")


@pytest.fixture(scope="module")
def server(nbsvm_run):
    """A real server of the NBSVM run, with small limits: the page and the fuzzing use it."""
    process, url = start_server(nbsvm_run, "--max-texts", "8", "--max-chars", "400")
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


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda mode: mode.value)
def test_no_request_makes_a_server_error_or_breaks_the_schema(server, mode):
    # a body over the limits is refused with 413 (documented), which is a refusal of invalid data too
    config = schemathesis.Config.from_dict({"checks": {"negative_data_rejection": {
        "expected-statuses": [400, 404, 413, 422]}}})
    schema = schemathesis.openapi.from_url(server + "/openapi.json", config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} >= {"/v1/predict", "/v1/models/{name}:predict", "/health"}
    for operation in operations:
        if mode == schemathesis.GenerationMode.NEGATIVE and operation.method.upper() != "POST":
            continue  # a GET without parameters has no invalid request to make
        @given(operation.as_strategy(generation_mode=mode))
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(base_url=server)

        check()
