"""/api/v1/ml: ML monitoring (predictions and their accuracy, performance,
anomaly alerts, on-demand monitoring runs, learning memory and the review
of its corrections)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from pulse_backend import response_cache
from pulse_backend.context import Principal, require
from pulse_backend.db import ReadConn, WriteConn
from pulse_backend.errors import FieldInvalid
from pulse_backend.ml import learning, runs, service
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
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.state import Clients
from pulse_common.ml.monitor import MonitoringReport
from pulse_common.ml.robust import Severity
from pulse_common.models.enums import CorrectionReview
from pulse_common.patterns import worded

router = APIRouter(prefix="/ml", tags=["ml"], route_class=RetriedOnPrimary)
Reader = Annotated[Principal, require("ml:read")]
Writer = Annotated[Principal, require("ml:write")]
# Monitoring writes alerts and predictions for the whole tenant: admins only,
# as for the other generated analytics (POST /analytics/insights).
Runner = Annotated[Principal, require("analytics:write")]
# Corrections steer every user's answers: reviewed by whoever holds the
# assistant's settings (see learning.REVIEWER).
Reviewer = Annotated[Principal, require(learning.REVIEWER)]
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
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
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
def acknowledge_alert(alert_id: RowId, conn: WriteConn, principal: Writer) -> AlertOut:
    """Records who acknowledged and when; acknowledging again changes nothing."""
    return service.acknowledge(conn, alert_id, principal.user_id)


@router.get("/learning-memory")
def list_learning_memory(
    conn: ReadConn,
    principal: Reader,
    kind: Text = None,
    review: Annotated[list[CorrectionReview] | None, Query()] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[MemoryOut]:
    """Feedback on the assistant's answers, newest first. A member sees only
    their own entries (the questions they asked and the answers they got are
    private, as their conversations are); holders of `integrations:write`
    (admins) see every user's. `review` (repeatable) lists only the
    corrections in those review states, e.g. `review=accepted&review=rejected`
    for the decided ones."""
    return learning.entries(conn, principal, kind=kind, review=review, limit=limit, offset=offset)


@router.post("/learning-memory", status_code=201)
def add_feedback(body: FeedbackIn, conn: WriteConn, principal: Writer) -> MemoryOut:
    """Feedback on an agent answer, kept for the agent to learn from. Its
    correction shapes its author's later answers at once and everyone's once
    a holder of `integrations:write` (an admin) accepts it; theirs are
    accepted as given."""
    return learning.add(conn, principal, body)


@router.get("/learning-memory/pending")
def list_pending_corrections(
    conn: ReadConn,
    _: Reviewer,
    kind: Text = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[MemoryOut]:
    """Corrections waiting for review (they apply to their author only), newest first."""
    return learning.pending(conn, kind=kind, limit=limit, offset=offset)


@router.post("/learning-memory/{memory_id}/accept")
def accept_correction(memory_id: RowId, conn: WriteConn, principal: Reviewer) -> MemoryOut:
    """The correction applies to every user's questions from now on."""
    return learning.decide(conn, memory_id, principal, CorrectionReview.accepted)


@router.post("/learning-memory/{memory_id}/reject")
def reject_correction(memory_id: RowId, conn: WriteConn, principal: Reviewer) -> MemoryOut:
    """The correction applies to nobody's questions, its author's included."""
    return learning.decide(conn, memory_id, principal, CorrectionReview.rejected)
