"""Pydantic models shared by several route modules (the API's nouns)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from pulse_backend.rbac import Role
from pulse_common.models.enums import ThemeMode

NAME = Field(default=None, max_length=100)
# One meaning of "last success" wherever a sync's time is shown (the ETL jobs
# page and the integrations page): when the run ended, not when it started.
LAST_SUCCESS_AT = "when the last successful sync of the integration ended"


class UserOut(BaseModel):
    id: int
    email: str
    first_name: str | None
    last_name: str | None
    role: Role
    theme_mode: ThemeMode
    active: bool
    must_change_password: bool
    # No password yet: the invite link has not been used.
    invited: bool
    last_login_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> UserOut:
        m = row._mapping
        return cls(
            id=m["id"],
            email=m["email"],
            first_name=m["first_name"],
            last_name=m["last_name"],
            role=Role.from_db(m["role"]),
            theme_mode=ThemeMode(m["theme_mode"]),
            active=m["active"],
            must_change_password=m["must_change_password"],
            invited=m["invited"],
            last_login_at=m["last_login_at"],
            created_at=m["created_at"],
        )


class Email(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=254)

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        # Stored lower-case (a CHECK constraint), so compare lower-case too.
        return v.lower()
