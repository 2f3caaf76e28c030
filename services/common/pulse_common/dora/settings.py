"""The tenant's DORA rules (``dora_settings``; defaults when it has no row)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection, select

from pulse_common.models.enums import DeploymentFallback
from pulse_common.models.tenant_dora import DoraSettings

REPORT_YEARS = (2023, 2024)
MAX_INCIDENT_TYPES = 50


class DoraRules(BaseModel):
    """Patterns are Python regular expressions, searched case-insensitively."""

    model_config = ConfigDict(frozen=True)

    production_pattern: str = Field("^(prod|production)$", min_length=1, max_length=200)
    deployment_fallback: DeploymentFallback = DeploymentFallback.none
    hotfix_pattern: str = Field("(^|[^a-z])hot-?fix([^a-z]|$)", min_length=1, max_length=200)
    revert_pattern: str = Field("^revert([^a-z]|$)", min_length=1, max_length=200)
    incident_window_hours: int | None = Field(None, ge=1, le=24 * 365)
    report_year: int = 2024
    # Jira issue types loaded as incidents; None: each Jira integration's
    # ``incidentTypes`` option decides (default ["Incident"]).
    incident_types: tuple[str, ...] | None = Field(
        None, min_length=1, max_length=MAX_INCIDENT_TYPES
    )

    @field_validator("production_pattern", "hotfix_pattern", "revert_pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return v

    @field_validator("incident_types")
    @classmethod
    def _type_names(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is None:
            return None
        names = tuple(n.strip() for n in v)
        for n in names:
            if not 1 <= len(n) <= 100:
                raise ValueError("each issue type name has 1 to 100 characters")
            if not n.isprintable():
                raise ValueError(f"issue type name {n!r} has control characters")
        if len({n.casefold() for n in names}) != len(names):
            raise ValueError("issue type names must be unique (ignoring case)")
        return names

    @field_validator("report_year")
    @classmethod
    def _known_year(cls, v: int) -> int:
        if v not in REPORT_YEARS:
            raise ValueError(f"report year must be one of {REPORT_YEARS}")
        return v

    @cached_property
    def _production(self) -> re.Pattern[str]:
        return re.compile(self.production_pattern, re.IGNORECASE)

    def is_production(self, environment: str) -> bool:
        return self._production.search(environment) is not None

    def production_environments(self, environments: Iterable[str]) -> list[str]:
        """The production names among ``environments``: matching in Python
        once, then ``environment = ANY(...)`` keeps the SQL index-friendly."""
        return sorted({e for e in environments if self.is_production(e)})


def load_rules(conn: Connection) -> DoraRules:
    s = DoraSettings
    row = conn.execute(
        select(
            s.production_pattern,
            s.deployment_fallback,
            s.hotfix_pattern,
            s.revert_pattern,
            s.incident_window_hours,
            s.report_year,
            s.incident_types,
        )
    ).first()
    if row is None:
        return DoraRules()
    return DoraRules.model_validate(row._asdict())
