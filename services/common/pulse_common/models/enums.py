"""Value sets stored as checked strings (not native PG enums: adding a value
then needs no ``ALTER TYPE`` outside a transaction)."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def checked(enum_cls: type[enum.StrEnum], name: str, length: int = 30) -> Enum:
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class UserRole(enum.StrEnum):
    admin = "admin"
    user = "user"
    viewer = "viewer"


class CorrectionReview(enum.StrEnum):
    """Whom a correction given to the assistant applies to: ``accepted``
    (by someone holding the assistant's settings, or given by one) to every
    user of the tenant, ``pending`` to its author's own questions only,
    ``rejected`` to nobody."""

    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


class ThemeMode(enum.StrEnum):
    light = "light"
    dark = "dark"
    system = "system"


class IntegrationType(enum.StrEnum):
    data = "data"
    ai = "ai"
    embedding = "embedding"


class StatusCategory(enum.StrEnum):
    to_do = "to_do"
    in_progress = "in_progress"
    done = "done"


class PrState(enum.StrEnum):
    open = "open"
    closed = "closed"
    merged = "merged"


class ReviewState(enum.StrEnum):
    approved = "approved"
    changes_requested = "changes_requested"
    commented = "commented"
    dismissed = "dismissed"


class DeploymentStatus(enum.StrEnum):
    success = "success"
    failure = "failure"
    rolled_back = "rolled_back"
    in_progress = "in_progress"


class IncidentSeverity(enum.StrEnum):
    sev1 = "sev1"
    sev2 = "sev2"
    sev3 = "sev3"
    sev4 = "sev4"


class EtlJobStatus(enum.StrEnum):
    """An integration's ETL job (its transitions are in pulse_etl.jobs.store)."""

    queued = "queued"
    running = "running"
    paused = "paused"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class ColorMode(enum.StrEnum):
    light = "light"
    dark = "dark"


class IncidentStatus(enum.StrEnum):
    open = "open"
    mitigated = "mitigated"
    resolved = "resolved"


class DeploymentSource(enum.StrEnum):
    """Where a deployment row came from: a real deployment, or a stand-in for
    repositories that have none (the per-tenant fallback)."""

    deployment = "deployment"
    release = "release"
    default_branch_merge = "default_branch_merge"


class IncidentLinkMethod(enum.StrEnum):
    """How an incident was tied to a deployment (shown next to the link)."""

    last_production_deployment = "last_production_deployment"
    declared = "declared"
    manual = "manual"


class WorkItemLinkMethod(enum.StrEnum):
    pr_title = "pr_title"
    branch_name = "branch_name"
    pr_body = "pr_body"
    manual = "manual"


class DeploymentFallback(enum.StrEnum):
    none = "none"
    releases = "releases"
    default_branch_merges = "default_branch_merges"
