"""The API fuzzed from its own OpenAPI schema by schemathesis, valid and invalid requests alike: whatever a client
sends, no 5xx, and every answer matches the schema (statuses, bodies, content types).

The operations are walked here rather than through schemathesis' pytest plugin, whose lazy fixture loading does
not run under pytest 9.
"""

import pytest
import schemathesis
from helpers import start_server, stop_server
from hypothesis import HealthCheck, given, settings


@pytest.fixture(scope="module")
def api(nbsvm_run):
    process, url = start_server(nbsvm_run, "--max-texts", "8", "--max-chars", "400")
    yield url
    assert stop_server(process) == 0


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda mode: mode.value)
def test_no_request_makes_a_server_error_or_breaks_the_schema(api, mode):
    # a body over the limits is refused with 413 (documented), which is a refusal of invalid data too
    config = schemathesis.Config.from_dict({"checks": {"negative_data_rejection": {
        "expected-statuses": [400, 404, 413, 422]}}})
    schema = schemathesis.openapi.from_url(api + "/openapi.json", config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} >= {"/v1/predict", "/v1/models/{name}:predict", "/health"}
    for operation in operations:
        if mode == schemathesis.GenerationMode.NEGATIVE and operation.method.upper() != "POST":
            continue  # a GET without parameters has no invalid request to make
        @given(operation.as_strategy(generation_mode=mode))
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(base_url=api)

        check()
