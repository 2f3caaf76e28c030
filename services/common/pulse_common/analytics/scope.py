"""What a metric is computed over: a time range in a time zone, filters, and
the DORA report year whose bands classify it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from pulse_common.analytics.zones import canonical_zone, zone_names
from pulse_common.dora.settings import REPORT_YEARS

MAX_RANGE = dt.timedelta(days=800)
T = TypeVar("T")


def check_zone(v: str) -> str:
    """An IANA time zone name, given back as its zone's one name
    (``zones.canonical_zone``: Asia/Calcutta is Asia/Kolkata, Zulu is UTC),
    so every key built from it is one per zone (a pydantic validator,
    shared with the API's query)."""
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {v!r} (an IANA name, e.g. Europe/Berlin)") from None
    return canonical_zone(v)


def check_year(v: int | None) -> int | None:
    """A DORA report year with bands (a pydantic validator)."""
    if v is not None and v not in REPORT_YEARS:
        raise ValueError(f"must be one of {', '.join(map(str, REPORT_YEARS))}")
    return v


Zone = Annotated[str, AfterValidator(check_zone)]
ReportYear = Annotated[int | None, AfterValidator(check_year)]


class Scope(BaseModel):
    """``start`` inclusive, ``end`` exclusive, both with a UTC offset.
    ``timezone`` (IANA, its zone's one name: ``check_zone``) decides which
    calendar day, week (Monday first) and month a deployment falls in.
    ``authors`` is a team: PR authors. ``environment`` replaces the
    tenant's production pattern by one name."""

    model_config = ConfigDict(frozen=True)

    start: dt.datetime
    end: dt.datetime
    timezone: Zone = "UTC"
    project_ids: tuple[int, ...] = ()
    repository_ids: tuple[int, ...] = ()
    environment: str | None = Field(None, min_length=1, max_length=50)
    authors: tuple[str, ...] = ()
    report_year: ReportYear = None
    drilldown_limit: int = Field(100, ge=0, le=1000)
    drilldown_offset: int = Field(0, ge=0, le=10_000_000)

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("must carry a UTC offset (e.g. 2026-06-01T00:00:00Z)")
        return v.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _range(self) -> Scope:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.end - self.start > MAX_RANGE:
            raise ValueError(f"the range may span at most {MAX_RANGE.days} days")
        return self

    def page(self, rows: Sequence[T]) -> list[T]:
        """The drill-down page: ``drilldown_limit`` rows from ``drilldown_offset``."""
        return list(rows[self.drilldown_offset : self.drilldown_offset + self.drilldown_limit])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def shifted(self, start: dt.datetime, end: dt.datetime) -> Scope:
        """The same filters over another range (trend points, previous period)."""
        return self.model_copy(update={"start": start, "end": end})

    def previous(self) -> Scope:
        length = self.end - self.start
        return self.shifted(self.start - length, self.start)

    def filters(self) -> dict[str, Any]:
        """What the figures were computed for besides the range, canonical:
        filters are sets (``IN``), so their lists are sorted without
        duplicates; ``report_year`` as asked (None: the tenant's own)."""
        return {
            "project_ids": sorted(set(self.project_ids)),
            "repository_ids": sorted(set(self.repository_ids)),
            "environment": self.environment,
            "authors": sorted(set(self.authors)),
            "timezone": self.timezone,
            "report_year": self.report_year,
        }

    def key(self) -> str:
        """A stable digest of ``filters()``: equal for the same filters
        however the request ordered or repeated them."""
        return filters_key(self.filters())

    def keys(self) -> frozenset[str]:
        """``key()`` under every name of the zone: insights stored before
        names were canonical (under Asia/Calcutta, Zulu...) are the scope's
        too, found and replaced with those stored under its one name."""
        filters = self.filters()
        return frozenset(
            filters_key({**filters, "timezone": name}) for name in zone_names(self.timezone)
        )


def filters_key(filters: dict[str, Any]) -> str:
    """sha256 (hex) of the filters' JSON with sorted keys and no spaces.
    Stored in ``dora_metric_insights.scope_key``: changing it orphans the
    rows stored under the old digests."""
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
