"""/api/v1/ml: ML monitoring (predictions and their accuracy, performance,
anomaly alerts, on-demand monitoring runs, learning memory)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from pulse_backend import response_cache
from pulse_backend.context import Principal, require
from pulse_backend.db import ReadConn, WriteConn
from pulse_backend.errors import FieldInvalid
from pulse_backend.ml import runs, service
from pulse_backend.ml.models import (
    AlertOut,
    FeedbackIn,
    MemoryOut,
    PerformanceOut,
    PredictionOut,
    Window,
)
from pulse_backend.ml.runs import ModelAccuracy
from pulse_backend.params import aware
from pulse_backend.state import Clients
from pulse_common.ml.monitor import MonitoringReport
from pulse_common.ml.robust import Severity
from pulse_common.patterns import worded

router = APIRouter(prefix="/ml", tags=["ml"])
Reader = Annotated[Principal, require("ml:read")]
Writer = Annotated[Principal, require("ml:write")]
# Monitoring writes alerts and predictions for the whole tenant: admins only,
# as for the other generated analytics (POST /analytics/insights).
Runner = Annotated[Principal, require("analytics:write")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Text = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        pattern=worded(r"^[^\x00]+$", "use text without NUL characters"),
    ),
]
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1)]
MAX_BUCKETS = {Window.hour: 24 * 93, Window.day: 3 * 366, Window.week: 10 * 53}


@router.get("/predictions")
def list_predictions(
    conn: ReadConn,
    _: Reader,
    model_name: Text = None,
    prediction_type: Text = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[PredictionOut]:
    return service.predictions(
        conn,
        model_name=model_name,
        prediction_type=prediction_type,
        since=aware("since", since),
        until=aware("until", until),
        limit=limit,
        offset=offset,
    )


@router.get("/accuracy")
def prediction_accuracy(
    conn: ReadConn, _: Reader, since: dt.datetime | None = None
) -> list[ModelAccuracy]:
    """How accurate each model's scored predictions were (default: 90 days)."""
    start = aware("since", since) or dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
    return runs.accuracy(conn, start)


@router.post("/monitoring/run")
def run_monitoring(clients: Clients, principal: Runner) -> MonitoringReport:
    """Anomaly detection, prediction scoring and new predictions now (the ETL
    runs the same after each sync); new alerts go live to the tenant's
    WebSocket."""
    return runs.run(clients, principal, dt.datetime.now(dt.UTC))


@router.get("/performance")
def performance(
    clients: Clients,
    principal: Reader,
    response: Response,
    window: Window = Window.day,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    metric_name: Text = None,
    service_name: Text = None,
) -> PerformanceOut:
    """Aggregates per time bucket; cached until the tenant's data changes."""
    # The default end is the next full hour, not "now": the cache key must
    # stay the same between two dashboard refreshes (new data bumps the
    # data version anyway).
    next_hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    end = aware("until", until) or next_hour + dt.timedelta(hours=1)
    start = aware("since", since) or end - dt.timedelta(days=30)
    if start >= end:
        raise FieldInvalid("since", "must be before until")
    if (end - start) / dt.timedelta(**{f"{window.value}s": 1}) > MAX_BUCKETS[window]:
        raise FieldInvalid("since", f"at most {MAX_BUCKETS[window]} {window.value}s per request")
    params = {
        "window": window.value,
        "since": start.isoformat(),
        "until": end.isoformat(),
        "metric_name": metric_name,
        "service_name": service_name,
    }
    return response_cache.cached(
        clients,
        principal,
        "ml.performance",
        params,
        PerformanceOut,
        lambda conn: service.performance(
            conn,
            window=window,
            since=start,
            until=end,
            metric_name=metric_name,
            service_name=service_name,
        ),
        response=response,
    )


@router.get("/alerts")
def list_alerts(
    conn: ReadConn,
    _: Reader,
    severity: Annotated[list[Severity] | None, Query()] = None,
    acknowledged: bool | None = None,
    model_name: Text = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AlertOut]:
    return service.alerts(
        conn,
        severity=severity,
        acknowledged=acknowledged,
        model_name=model_name,
        limit=limit,
        offset=offset,
    )


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_alert(alert_id: AlertId, conn: WriteConn, principal: Writer) -> AlertOut:
    """Records who acknowledged and when; acknowledging again changes nothing."""
    return service.acknowledge(conn, alert_id, principal.user_id)


@router.get("/learning-memory")
def list_learning_memory(
    conn: ReadConn,
    _: Reader,
    kind: Text = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[MemoryOut]:
    return service.memory(conn, kind=kind, limit=limit, offset=offset)


@router.post("/learning-memory", status_code=201)
def add_feedback(body: FeedbackIn, conn: WriteConn, principal: Writer) -> MemoryOut:
    """Feedback on an agent answer, kept for the agent to learn from."""
    return service.add_feedback(conn, principal.tenant_id, principal.user_id, body)
