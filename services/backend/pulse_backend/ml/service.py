"""Queries of the ML monitoring tables, all in the caller's tenant
transaction (the tables are found through its search_path)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, literal_column, select, update

from pulse_backend.ml.models import (
    AlertOut,
    PerformanceBucket,
    PerformanceOut,
    PredictionOut,
    Window,
)
from pulse_common.errors import NotFound
from pulse_common.ml.robust import Severity
from pulse_common.models.base import table_of
from pulse_common.models.tenant_ai import (
    AiPerformanceMetric,
    AiPrediction,
    MlAnomalyAlert,
)
from pulse_common.models.tenant_identity import User

_PRED = table_of(AiPrediction)
_PERF = table_of(AiPerformanceMetric)
_ALERT = table_of(MlAnomalyAlert)
_USERS = table_of(User)


class AlertNotFound(NotFound):
    code = "alert_not_found"


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def predictions(
    conn: Connection,
    *,
    model_name: str | None,
    prediction_type: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
    offset: int,
) -> list[PredictionOut]:
    stmt = select(_PRED).order_by(_PRED.c.created_at.desc(), _PRED.c.id.desc())
    if model_name is not None:
        stmt = stmt.where(_PRED.c.model_name == model_name)
    if prediction_type is not None:
        stmt = stmt.where(_PRED.c.prediction_type == prediction_type)
    if since is not None:
        stmt = stmt.where(_PRED.c.created_at >= since)
    if until is not None:
        stmt = stmt.where(_PRED.c.created_at < until)
    rows = conn.execute(stmt.limit(limit).offset(offset)).mappings()
    return [
        PredictionOut(
            **{
                k: r[k]
                for k in PredictionOut.model_fields
                if k not in {"confidence_score", "accuracy_score"}
            },
            confidence_score=_float(r["confidence_score"]),
            accuracy_score=_float(r["accuracy_score"]),
        )
        for r in rows
    ]


def performance(
    conn: Connection,
    *,
    window: Window,
    since: dt.datetime,
    until: dt.datetime,
    metric_name: str | None,
    service_name: str | None,
) -> PerformanceOut:
    # Buckets start at UTC midnights/hours whatever the session's TimeZone.
    # Literals, not parameters: GROUP BY must repeat the select expression
    # exactly, and two bound parameters would make two different ones.
    bucket = func.date_trunc(
        literal_column(f"'{window.value}'"), _PERF.c.measured_at, literal_column("'UTC'")
    ).label("bucket_start")
    stmt = (
        select(
            bucket,
            _PERF.c.metric_name,
            _PERF.c.service_name,
            func.max(_PERF.c.metric_unit).label("metric_unit"),
            func.count().label("samples"),
            func.avg(_PERF.c.metric_value).label("avg"),
            func.min(_PERF.c.metric_value).label("min"),
            func.max(_PERF.c.metric_value).label("max"),
        )
        .where(_PERF.c.measured_at >= since, _PERF.c.measured_at < until)
        .group_by(bucket, _PERF.c.metric_name, _PERF.c.service_name)
        .order_by(bucket, _PERF.c.metric_name, _PERF.c.service_name)
    )
    if metric_name is not None:
        stmt = stmt.where(_PERF.c.metric_name == metric_name)
    if service_name is not None:
        stmt = stmt.where(_PERF.c.service_name == service_name)
    buckets = [
        PerformanceBucket(
            bucket_start=r.bucket_start,
            metric_name=r.metric_name,
            service_name=r.service_name,
            metric_unit=r.metric_unit,
            samples=r.samples,
            avg=float(r.avg),
            min=float(r.min),
            max=float(r.max),
        )
        for r in conn.execute(stmt)
    ]
    return PerformanceOut(window=window, since=since, until=until, buckets=buckets)


def _alert(row: Any) -> AlertOut:
    return AlertOut.model_validate({k: row[k] for k in AlertOut.model_fields})


def alerts(
    conn: Connection,
    *,
    severity: list[Severity] | None,
    acknowledged: bool | None,
    model_name: str | None,
    limit: int,
    offset: int,
) -> list[AlertOut]:
    stmt = select(_ALERT).order_by(_ALERT.c.created_at.desc(), _ALERT.c.id.desc())
    if severity:
        stmt = stmt.where(_ALERT.c.severity.in_([s.value for s in severity]))
    if acknowledged is not None:
        stmt = stmt.where(_ALERT.c.acknowledged.is_(acknowledged))
    if model_name is not None:
        stmt = stmt.where(_ALERT.c.model_name == model_name)
    return [_alert(r) for r in conn.execute(stmt.limit(limit).offset(offset)).mappings()]


def acknowledge(conn: Connection, alert_id: int, user_id: int) -> AlertOut:
    """Idempotent: the first acknowledgement (who and when) is kept."""
    email = conn.execute(select(_USERS.c.email).where(_USERS.c.id == user_id)).scalar_one()
    row = (
        conn.execute(
            update(_ALERT)
            .where(_ALERT.c.id == alert_id, _ALERT.c.acknowledged.is_(False))
            .values(acknowledged=True, acknowledged_by=email, acknowledged_at=func.now())
            .returning(*_ALERT.c)
        )
        .mappings()
        .first()
    )
    if row is None:
        row = conn.execute(select(_ALERT).where(_ALERT.c.id == alert_id)).mappings().first()
    if row is None:
        raise AlertNotFound(f"no alert with id {alert_id}")
    return _alert(row)
