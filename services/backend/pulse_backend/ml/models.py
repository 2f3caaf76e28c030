"""The ML monitoring API's nouns."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pulse_backend.params import JsonObject, Text
from pulse_common.models.enums import CorrectionReview
from pulse_common.patterns import worded

_KIND = worded(
    r"^[a-z][a-z0-9_]*$", "use lowercase letters, digits and underscores, starting with a letter"
)


class Window(enum.StrEnum):
    hour = "hour"
    day = "day"
    week = "week"


class PredictionOut(BaseModel):
    id: int
    model_name: str
    model_version: str | None
    prediction_type: str
    input_data: dict[str, Any]
    prediction_result: dict[str, Any]
    confidence_score: float | None
    actual_outcome: dict[str, Any] | None
    accuracy_score: float | None
    created_at: dt.datetime


class PerformanceBucket(BaseModel):
    bucket_start: dt.datetime
    metric_name: str
    service_name: str | None
    metric_unit: str | None
    samples: int
    avg: float
    min: float
    max: float


class PerformanceOut(BaseModel):
    window: Window
    since: dt.datetime
    until: dt.datetime
    buckets: list[PerformanceBucket]


class AlertOut(BaseModel):
    id: int
    model_name: str
    severity: str
    alert_data: dict[str, Any]
    acknowledged: bool
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    created_at: dt.datetime


class FeedbackIn(BaseModel):
    """What a user tells the agent about one of its answers."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=50, pattern=_KIND)
    user_intent: Text = Field(min_length=1, max_length=4000)
    original_answer: Text | None = Field(default=None, max_length=20000)
    user_feedback: Text | None = Field(default=None, max_length=4000)
    corrected_answer: Text | None = Field(default=None, max_length=20000)
    context: JsonObject = Field(default_factory=dict)


class MemoryOut(BaseModel):
    """One entry of the learning memory; ``review`` says whom its correction
    applies to (``pending``: its author only, ``accepted``: everyone,
    ``rejected``: nobody)."""

    id: int
    user_id: int | None
    kind: str
    user_intent: str
    original_answer: str | None
    user_feedback: str | None
    corrected_answer: str | None
    context: dict[str, Any]
    active: bool
    review: CorrectionReview
    reviewed_by: int | None
    reviewed_at: dt.datetime | None
    created_at: dt.datetime
