"""What a metric is computed over: a time range in a time zone, filters, and
the DORA report year whose bands classify it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pulse_common.dora.settings import REPORT_YEARS

MAX_RANGE = dt.timedelta(days=800)


class Scope(BaseModel):
    """``start`` inclusive, ``end`` exclusive, both with a UTC offset.
    ``timezone`` (IANA) decides which calendar day, week (Monday first) and
    month a deployment falls in. ``authors`` is a team: PR authors.
    ``environment`` replaces the tenant's production pattern by one name."""

    model_config = ConfigDict(frozen=True)

    start: dt.datetime
    end: dt.datetime
    timezone: str = "UTC"
    project_ids: tuple[int, ...] = ()
    repository_ids: tuple[int, ...] = ()
    environment: str | None = Field(None, min_length=1, max_length=50)
    authors: tuple[str, ...] = ()
    report_year: int | None = None
    drilldown_limit: int = Field(100, ge=0, le=1000)

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("must carry a UTC offset (e.g. 2026-06-01T00:00:00Z)")
        return v.astimezone(dt.UTC)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    @field_validator("report_year")
    @classmethod
    def _year(cls, v: int | None) -> int | None:
        if v is not None and v not in REPORT_YEARS:
            raise ValueError(f"must be one of {REPORT_YEARS}")
        return v

    @model_validator(mode="after")
    def _range(self) -> Scope:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.end - self.start > MAX_RANGE:
            raise ValueError(f"the range may span at most {MAX_RANGE.days} days")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def shifted(self, start: dt.datetime, end: dt.datetime) -> Scope:
        """The same filters over another range (trend points, previous period)."""
        return self.model_copy(update={"start": start, "end": end})

    def previous(self) -> Scope:
        length = self.end - self.start
        return self.shifted(self.start - length, self.start)
