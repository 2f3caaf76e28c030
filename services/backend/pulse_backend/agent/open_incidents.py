"""Incidents still open: detected in the period (the older time to
restore's window, ``pulse_common.analytics.failures.MTTR``: detection, else
the start of impact) and not resolved (no ``resolved_at``, as the recovery
figures count an incident unresolved), oldest first, each with its age, its
severity and status, and the deployment it is linked to (the linking rules'
first link, as MTTR takes it, else the cause the source declared)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

from pulse_backend.agent import links
from pulse_backend.agent.models import ToolOutput
from pulse_backend.analytics.wording import fmt_count, fmt_value

if TYPE_CHECKING:  # tools registers this module's tool
    from pulse_backend.agent.toolkit import Period, ToolContext

# Listed and cited; the answer says how many more are open.
TOP = 10

_OPEN = text(
    "SELECT n.id, n.severity, n.status, "
    "extract(epoch FROM now() - coalesce(n.detected_at, n.started_at))::float8 / 3600 AS age, "
    "coalesce(l.deployment_id, n.deployment_id) AS deployment_id, count(*) OVER () AS total "
    "FROM incidents n "
    "LEFT JOIN LATERAL (SELECT x.deployment_id FROM incidents_deployments x "
    "WHERE x.incident_id = n.id ORDER BY x.deployment_id LIMIT 1) l ON true "
    "WHERE n.resolved_at IS NULL "
    "AND coalesce(n.detected_at, n.started_at) >= :start "
    "AND coalesce(n.detected_at, n.started_at) < :end "
    "ORDER BY coalesce(n.detected_at, n.started_at), n.id LIMIT :limit"
)


def open_incidents_tool(ctx: ToolContext, args: Period) -> ToolOutput:
    scope = args.scope()
    with ctx.read() as conn:
        rows = list(conn.execute(_OPEN, {"start": scope.start, "end": scope.end, "limit": TOP}))
        incidents = {c.id: c for c in links.cite(conn, "incident", [r.id for r in rows])}
        deployed = [r.deployment_id for r in rows if r.deployment_id is not None]
        deployments = {c.id: c for c in links.cite(conn, "deployment", deployed)}
    total = rows[0].total if rows else 0
    data = {
        "total": total,
        "incidents": [
            {
                "incident_id": r.id,
                "incident": incidents[r.id].title,
                "severity": r.severity,
                "status": r.status,
                "age": fmt_value(max(r.age, 0.0), "hours"),
                "deployment": deployments[r.deployment_id].title
                if r.deployment_id in deployments
                else None,
            }
            for r in rows
            if r.id in incidents
        ],
    }
    # Each incident, then the deployment it is linked to, as the answer lists them.
    cites = [
        c
        for r in rows
        for c in (incidents.get(r.id), deployments.get(r.deployment_id))
        if c is not None
    ]
    return ToolOutput(
        summary=f"{fmt_count(total, 'incident', 'incidents')} still open of those detected "
        f"over {args.days} days",
        data=data,
        citations=cites,
    )
