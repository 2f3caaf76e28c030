"""Roles and permissions. A permission is ``"resource:action"``.

Roles: ``admin`` (everything), ``member`` (dashboards, search, agent),
``viewer`` (dashboards only). ``users_permissions`` rows grant a user extra
``resource:action`` pairs on top of the role. The database stores the member
role as ``user`` (``pulse_common.models.enums.UserRole``); the API says
``member`` and this module is the one place that translates.

Every ``/api/v1`` route declares its permission with ``context.require(...)`` (or is
listed in ``PUBLIC_ROUTES``); tests/backend/test_rbac.py walks the app to
prove it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from pulse_common.models.enums import UserRole


class Role(enum.StrEnum):
    admin = "admin"
    member = "member"
    viewer = "viewer"

    @classmethod
    def from_db(cls, value: str) -> Role:
        return cls.member if value == UserRole.user.value else cls(value)

    def to_db(self) -> UserRole:
        return UserRole.user if self is Role.member else UserRole(self.value)


# The catalogue: routes may only require permissions listed here, so that a
# typo fails at import time instead of silently locking everybody out.
PERMISSIONS: dict[str, str] = {
    "profile:read": "read one's own profile and preferences",
    "profile:write": "change one's own profile, preferences and password",
    "session:write": "end one's own session",
    "dashboards:read": "DORA and analytics dashboards",
    "analytics:read": "DORA, engineering and work-item analytics (/api/v1/analytics)",
    "analytics:write": "store generated DORA insights",
    "search:read": "semantic search",
    "agent:use": "the AI agent",
    "settings:read": "tenant settings and branding",
    "settings:write": "change tenant settings and branding",
    "users:read": "list users",
    "users:write": "invite, change and deactivate users",
    "integrations:read": "data integrations and their sync status",
    "integrations:write": "AI and embedding provider configuration",
    "jobs:read": "ETL jobs",
    "jobs:write": "start and stop ETL jobs",
    "ml:read": "ML monitoring",
    "ml:write": "acknowledge alerts, give feedback",
    "logs:read": "the tenant's log events",
}

_VIEWER = {
    "profile:read",
    "profile:write",
    "session:write",
    "dashboards:read",
    "analytics:read",
    "settings:read",
}
_MEMBER = _VIEWER | {"search:read", "agent:use", "ml:read", "ml:write", "jobs:read"}
ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.viewer: frozenset(_VIEWER),
    Role.member: frozenset(_MEMBER),
    Role.admin: frozenset(PERMISSIONS),
}

# Routes under /api/v1 that need no token (the credential is in the body or cookie).
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/refresh"),
        ("POST", "/api/v1/auth/set-password"),
        ("GET", "/api/v1/.well-known/jwks.json"),
    }
)

# Routes a user whose password must change may still call.
PASSWORD_CHANGE_ALLOWED = frozenset({"profile:read", "profile:write", "session:write"})


def allowed(role: Role, grants: frozenset[str], permission: str) -> bool:
    return permission in ROLE_PERMISSIONS[role] or permission in grants


def route_permission(dependency: Callable[..., Any]) -> str | None:
    return getattr(dependency, "pulse_permission", None)
