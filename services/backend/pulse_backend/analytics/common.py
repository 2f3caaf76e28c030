"""What the metric modules share: hours between instants, the report year,
the fields every figure has, and the counted deployments of a scope.

Rows stay plain SQLAlchemy rows while a metric is computed; pydantic models
are built only for the drill-down slice (the service must stay close to its
bare SQL, see benchmarks/dora.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row

from pulse_backend.analytics import queries as q
from pulse_backend.analytics.results import DeploymentRef
from pulse_backend.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraLevel

HOUR = 3600.0


def hours(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    """b - a in hours, never negative (clock skew between sources)."""
    if a is None or b is None:
        return None
    return max((b - a).total_seconds() / HOUR, 0.0)


def report_year(scope: Scope, rules: DoraRules) -> int:
    return scope.report_year or rules.report_year


def figure(
    metric: str,
    value: float | None,
    unit: str,
    level: DoraLevel | None,
    year: int,
    total: int,
    drilldown: Sequence[Any],
) -> dict[str, Any]:
    """The fields every figure has: its value and level, and the rows behind it."""
    return {
        "metric": metric,
        "value": value,
        "unit": unit,
        "level": level,
        "report_year": year,
        "sample_size": total,
        "drilldown": tuple(drilldown),
        "drilldown_total": total,
    }


def deployment_rows(conn: Connection, scope: Scope, rules: DoraRules) -> list[Row[Any]]:
    """The counted production deployments finished in the scope, in time order."""
    f = q.deployment_filter(conn, scope, rules)
    sql = q.render(q.DEPLOYMENTS, deployments=f.sql)
    return q.rows(conn, sql, {**f.params, "start": scope.start, "end": scope.end})


def deployment_ref(
    r: Row[Any], *, failed: bool = False, reasons: Sequence[str] = ()
) -> DeploymentRef:
    return DeploymentRef(
        id=r.id,
        external_id=r.external_id,
        repository_id=r.repository_id,
        environment=r.environment,
        commit_sha=r.commit_sha,
        finished_at=r.finished_at,
        source=r.source,
        failed=failed,
        rework_reasons=tuple(reasons),
    )


def ever_deployed(conn: Connection, scope: Scope, rules: DoraRules) -> bool:
    f = q.deployment_filter(conn, scope, rules)
    sql = f"SELECT EXISTS (SELECT 1 FROM deployments d WHERE {f.sql})"
    return bool(conn.execute(q.statement(sql), f.params).scalar())
