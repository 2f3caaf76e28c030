"""What every tenant starts with: statuses, work-item types, the default
workflow and mappings, system settings and the first admin user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.dialects.postgresql import insert

from pulse_common.models.base import table_of
from pulse_common.models.enums import StatusCategory, UserRole
from pulse_common.models.tenant_identity import User
from pulse_common.models.tenant_settings import SystemSetting
from pulse_common.models.tenant_work import Status, StatusMapping, Wit, WitMapping, Workflow
from pulse_common.provisioning.models import SeedProfile
from pulse_common.security import generate_password, hash_issued_secret

TODO, DOING, DONE = StatusCategory.to_do, StatusCategory.in_progress, StatusCategory.done

STATUSES: list[tuple[str, StatusCategory]] = [
    ("Backlog", TODO),
    ("To Do", TODO),
    ("In Progress", DOING),
    ("In Review", DOING),
    ("Testing", DOING),
    ("Done", DONE),
    ("Won't Do", DONE),
]
WITS: list[tuple[str, int]] = [
    ("Epic", 1),
    ("Story", 0),
    ("Task", 0),
    ("Bug", 0),
    ("Incident", 0),
    ("Sub-task", -1),
]
# Source status name -> (canonical step, category) in the default workflow.
STATUS_MAPPINGS: dict[str, tuple[str, StatusCategory]] = {
    "Backlog": ("Backlog", TODO),
    "Open": ("To Do", TODO),
    "To Do": ("To Do", TODO),
    "Selected for Development": ("To Do", TODO),
    "In Progress": ("In Progress", DOING),
    "In Development": ("In Progress", DOING),
    "In Review": ("Review", DOING),
    "Code Review": ("Review", DOING),
    "Testing": ("Testing", DOING),
    "QA": ("Testing", DOING),
    "Done": ("Done", DONE),
    "Closed": ("Done", DONE),
    "Resolved": ("Done", DONE),
    "Won't Do": ("Discarded", DONE),
}
WIT_MAPPINGS: dict[str, str] = {
    "Story": "Story",
    "User Story": "Story",
    "Task": "Task",
    "Sub-task": "Task",
    "Bug": "Bug",
    "Defect": "Bug",
    "Epic": "Epic",
    "Incident": "Incident",
}
SYSTEM_SETTINGS: dict[str, tuple[Any, str]] = {
    "etl.default_lookback_days": (90, "How far back the first sync reaches"),
    "data.retention_days": (730, "How long extracted data is kept"),
    "ui.default_theme_mode": ("system", "Theme for users who chose none"),
    "ai.enabled": (False, "Whether the AI features are on"),
}


def _insert_missing(
    conn: Connection, table: Table, rows: list[dict[str, Any]], key: list[str]
) -> None:
    if rows:
        conn.execute(insert(table).on_conflict_do_nothing(index_elements=key), rows)


def seed_defaults(conn: Connection, tenant_id: int, profile: SeedProfile) -> None:
    t = tenant_id
    _insert_missing(
        conn,
        table_of(Status),
        [{"tenant_id": t, "name": n, "category": c} for n, c in STATUSES],
        ["name"],
    )
    _insert_missing(
        conn,
        table_of(Wit),
        [{"tenant_id": t, "name": n, "hierarchy_level": lvl} for n, lvl in WITS],
        ["name"],
    )
    _insert_missing(
        conn,
        table_of(Workflow),
        [
            {
                "tenant_id": t,
                "name": "Default",
                "is_default": True,
                "description": "Backlog → To Do → In Progress → Review → Testing → Done",
            }
        ],
        ["name"],
    )
    workflow_id = conn.execute(select(Workflow.id).where(Workflow.name == "Default")).scalar_one()
    _insert_missing(
        conn,
        table_of(StatusMapping),
        [
            {
                "tenant_id": t,
                "status_from": src,
                "status_to": to,
                "status_category": cat,
                "workflow_id": workflow_id,
            }
            for src, (to, cat) in STATUS_MAPPINGS.items()
        ],
        ["status_from", "workflow_id"],
    )
    _insert_missing(
        conn,
        table_of(WitMapping),
        [{"tenant_id": t, "wit_from": src, "wit_to": to} for src, to in WIT_MAPPINGS.items()],
        ["wit_from"],
    )
    settings = {**SYSTEM_SETTINGS, "seed.profile": (profile.value, "Seed profile at provisioning")}
    _insert_missing(
        conn,
        table_of(SystemSetting),
        [
            {"tenant_id": t, "key": k, "value": v, "description": d}
            for k, (v, d) in settings.items()
        ],
        ["key"],
    )


def seed_admin(conn: Connection, tenant_id: int, email: str, password: str | None) -> str | None:
    """Creates the first admin unless a user with that email exists. With
    ``password``, also resets an existing admin who still must change it (the
    caller lost or rotated the initial one). Returns the initial password this
    call set, or None (generated when ``password`` is None). ``password`` is
    an issued secret (``generate_password``), never one a person chose: it is
    hashed with ``hash_issued_secret``, and must be changed at first sign-in."""
    users = table_of(User)
    exists = conn.execute(select(users.c.id).where(users.c.email == email.lower())).first()
    if exists is not None:
        # Looked up first so that re-runs write nothing, unless a reset was
        # asked for.
        return password if password and reset_initial_password(conn, email, password) else None
    chosen = password or generate_password(18)
    created = conn.execute(
        insert(users)
        .values(
            tenant_id=tenant_id,
            email=email.lower(),
            role=UserRole.admin,
            password_hash=hash_issued_secret(chosen),
            must_change_password=True,
            first_name="Admin",
        )
        .on_conflict_do_nothing(index_elements=["email"])
        .returning(users.c.id)
    ).first()
    return chosen if created is not None else None


def reset_initial_password(conn: Connection, email: str, password: str) -> bool:
    """Sets a new initial password for a user who has not changed theirs yet;
    False (nothing changed) once they have, or when there is no such user."""
    users = table_of(User)
    done = conn.execute(
        update(users)
        .where(users.c.email == email.lower(), users.c.must_change_password.is_(True))
        .values(password_hash=hash_issued_secret(password))
        .returning(users.c.id)
    ).first()
    return done is not None
