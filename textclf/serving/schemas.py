"""The request and response bodies: checked by FastAPI, and published as the OpenAPI document at /docs.

Strict: a number is not a text and "3" is not a number; unknown fields are refused (a misspelt
``top-k`` would otherwise be ignored in silence).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


def _integral(value):
    """JSON Schema's integers include 2.0: accepted as 2, while "2" and 2.5 are still refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class PredictBody(Strict):
    texts: list[str] = Field(description="Raw texts to label.", examples=[["A moving, beautifully shot film."]])
    top_k: Annotated[int, BeforeValidator(_integral)] = Field(
        1, ge=1, le=1000, description="Classes listed per text, most probable first.")
    explain: bool = Field(False, description="Add each word's contribution to the label's score.")


class ClassProbability(BaseModel):
    label: str
    probability: float


class Term(BaseModel):
    term: str
    contribution: float


class Word(BaseModel):
    text: str
    contribution: float | None = Field(description="The word's share of the score; null between words.")


class ExplanationBody(BaseModel):
    label: str
    probability: float
    method: str
    score: float = Field(description="The label's logit: baseline plus the terms' contributions.")
    baseline: float
    terms: list[Term]
    words: list[Word]
    text: str


class TextPrediction(BaseModel):
    label: str
    probability: float
    probabilities: dict[str, float]
    top: list[ClassProbability]
    labels: list[ClassProbability] | None = Field(None, description="Multi-label: every label that applies.")
    explanation: ExplanationBody | None = None


class PredictResponse(BaseModel):
    model: str
    predictions: list[TextPrediction]


class TextInstance(Strict):
    text: str


class InstancesBody(Strict):
    instances: list[str | TextInstance] = Field(description="TF Serving's row format: texts, or {'text': ...}.")


class RowPrediction(BaseModel):
    probabilities: list[float]
    class_names: list[str]
    label: str | None = None
    labels_applied: list[int] | None = None
    thresholds: list[float] | None = None


class RowsResponse(BaseModel):
    predictions: list[RowPrediction]


class ErrorBody(BaseModel):
    error: str = Field(description="What was wrong, in one line.")


class Health(BaseModel):
    status: str
    model: str


ERRORS = {413: {"model": ErrorBody, "description": "Too many texts, or a text too long"},
          422: {"model": ErrorBody, "description": "Not JSON, or not the fields and types the body needs"}}


def with_limits(max_texts: int, max_chars: int) -> tuple[type[PredictBody], type[InstancesBody]]:
    """The two request bodies with the server's limits written into the OpenAPI document (maxItems, maxLength),
    so that clients and fuzzers know them; the routes enforce them with 413, not 422 (``app``)."""
    text = {"type": "string", "maxLength": max_chars}
    instance = {"type": "object", "properties": {"text": text}, "required": ["text"], "additionalProperties": False}

    class LimitedPredictBody(PredictBody):
        texts: list[str] = Field(description=PredictBody.model_fields["texts"].description,
                                 examples=PredictBody.model_fields["texts"].examples,
                                 json_schema_extra={"maxItems": max_texts, "items": text})

    class LimitedInstancesBody(InstancesBody):
        instances: list[str | TextInstance] = Field(
            description=InstancesBody.model_fields["instances"].description,
            json_schema_extra={"maxItems": max_texts, "items": {"anyOf": [text, instance]}})

    return LimitedPredictBody, LimitedInstancesBody
