"""Which work items are incidents, re-derived from the stored rows, so that
changing the tenant's ``incident_types`` takes effect on what is already
loaded (``relink`` runs it first), not only on the issues the next sync
loads.

An incident made from a Jira issue is wholly derived from it: same key,
summary, priority, creation and resolution. So the rows managed here are
the incidents of a Jira integration tied to a work item of that same
integration; other incidents (another source, the demo seed, hand-made
ones) are never touched. A managed incident is removed when its item's type
is no longer an incident type (its links go with it, manual ones included:
the row is no longer an incident), and created when an item's type becomes
one. The type is the item's stored type, after the tenant's type mapping:
the only type a stored row still knows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert

from pulse_common.dora.settings import DoraRules
from pulse_common.models.base import table_of
from pulse_common.models.enums import IncidentSeverity, IncidentStatus
from pulse_common.models.tenant_delivery import Incident
from pulse_common.models.tenant_settings import Integration
from pulse_common.models.tenant_work import Wit, WorkItem

# A Jira integration's default (pulse_etl.integrations.Integration).
DEFAULT_TYPES = ("Incident",)
_SEVERITY = {
    "Highest": IncidentSeverity.sev1,
    "Blocker": IncidentSeverity.sev1,
    "High": IncidentSeverity.sev2,
    "Critical": IncidentSeverity.sev2,
}
_LOW = frozenset({"Low", "Lowest", "Minor", "Trivial"})
_BATCH = 5000


class IncidentSync(BaseModel):
    added: int = 0
    removed: int = 0


def severity(priority: str | None) -> IncidentSeverity:
    """A Jira priority's incident severity (unknown or none: sev3)."""
    if priority in _LOW:
        return IncidentSeverity.sev4
    return _SEVERITY.get(priority or "", IncidentSeverity.sev3)


def status(resolved_at: dt.datetime | None) -> IncidentStatus:
    return IncidentStatus.resolved if resolved_at is not None else IncidentStatus.open


def incident_types(rules: DoraRules, integration_settings: Mapping[str, Any]) -> frozenset[str]:
    """The tenant's setting when made, else the integration's own
    ``incidentTypes`` option (as the ETL stored it), else the default."""
    if rules.incident_types is not None:
        return frozenset(rules.incident_types)
    own = integration_settings.get("incidentTypes")
    if isinstance(own, list) and all(isinstance(t, str) for t in own):
        return frozenset(own)
    return frozenset(DEFAULT_TYPES)


def sync_incidents(conn: Connection, tenant_id: int, rules: DoraRules) -> IncidentSync:
    jira = {
        id_: incident_types(rules, settings or {})
        for id_, settings in conn.execute(
            select(Integration.id, Integration.settings).where(Integration.provider == "jira")
        )
    }
    if not jira:
        return IncidentSync()
    item, wit = WorkItem, Wit
    # (Result has keys(): dict() would take it for a mapping.)
    managed: dict[int | None, int] = {
        w: i
        for w, i in conn.execute(
            select(Incident.work_item_id, Incident.id)
            .join(item, item.id == Incident.work_item_id)
            .where(
                Incident.integration_id == item.integration_id,
                item.integration_id.in_(list(jira)),
            )
        )
    }
    wanted: list[Any] = []
    for integration_id, types in sorted(jira.items()):
        wanted += conn.execute(
            select(
                item.id,
                item.key,
                item.summary,
                item.priority,
                item.project_id,
                item.created,
                item.resolved_at,
                item.integration_id,
            )
            .join(wit, wit.id == item.wit_id)
            .where(
                item.integration_id == integration_id,
                item.active,
                wit.name.in_(sorted(types)),
            )
        ).all()
    keep = {w.id for w in wanted}
    stale = sorted(i for w, i in managed.items() if w not in keep)
    incidents = table_of(Incident)
    for i in range(0, len(stale), _BATCH):
        conn.execute(delete(incidents).where(incidents.c.id.in_(stale[i : i + _BATCH])))
    rows = [_row(tenant_id, w) for w in wanted if w.id not in managed]
    added = 0
    for i in range(0, len(rows), _BATCH):
        # The key may already name an incident this sync does not manage
        # (another source's): that row wins.
        stmt = (
            insert(incidents)
            .values(rows[i : i + _BATCH])
            .on_conflict_do_nothing(index_elements=["external_id"])
            .returning(incidents.c.id)
        )
        added += len(conn.execute(stmt).all())
    return IncidentSync(added=added, removed=len(stale))


def _row(tenant_id: int, w: Any) -> dict[str, Any]:
    """The incident of a work item, as the ETL's Jira load makes it."""
    return {
        "tenant_id": tenant_id,
        "integration_id": w.integration_id,
        "external_id": w.key,
        "title": w.summary[:500],
        "severity": severity(w.priority),
        "work_item_id": w.id,
        "project_id": w.project_id,
        "started_at": w.created,
        # raised = detected (DevLake's created_date)
        "detected_at": w.created,
        "resolved_at": w.resolved_at,
        "status": status(w.resolved_at),
    }
