"""The request bodies: strict types, the server's limits in the OpenAPI document, integral floats as numbers."""

import pytest
from pydantic import ValidationError

from textclf.serving import schemas


def test_the_limits_are_written_into_the_document_but_not_enforced_as_422():
    predict, instances = schemas.with_limits(max_texts=3, max_chars=50)
    texts = predict.model_json_schema()["properties"]["texts"]
    assert texts["maxItems"] == 3 and texts["items"] == {"type": "string", "maxLength": 50}
    rows = instances.model_json_schema()["properties"]["instances"]
    assert rows["maxItems"] == 3 and rows["items"]["anyOf"][0]["maxLength"] == 50
    assert len(predict(texts=["x" * 60] * 5).texts) == 5  # the route answers 413, not pydantic 422


def test_bodies_are_strict_about_types_and_fields():
    assert schemas.PredictBody(texts=["a"], top_k=2.0).top_k == 2
    for bad in ({"texts": [1]}, {"texts": ["a"], "top_k": "2"}, {"texts": ["a"], "top_k": 2.5},
                {"texts": ["a"], "topk": 2}, {"texts": ["a"], "explain": "yes"}):
        with pytest.raises(ValidationError):
            schemas.PredictBody.model_validate(bad)
    assert schemas.InstancesBody.model_validate({"instances": ["a", {"text": "b"}]}).instances[1].text == "b"
