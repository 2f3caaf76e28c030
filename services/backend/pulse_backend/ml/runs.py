"""Monitoring on demand for the backend (``POST /ml/monitoring/run``) and
the accuracy the platform measures of its own predictions."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Connection, text

from pulse_backend import events
from pulse_backend.context import Principal
from pulse_backend.db import tenant_write
from pulse_backend.state import AppClients
from pulse_common.ml.monitor import EVENT_TYPE, MonitoringReport, run_monitoring


def run(clients: AppClients, principal: Principal, now: dt.datetime) -> MonitoringReport:
    """Runs in its own transaction and publishes the new alerts only once it
    has committed, so a browser never hears of an alert it cannot read."""
    with tenant_write(clients, principal) as conn:
        report = run_monitoring(conn, principal.tenant_id, now)
    for alert in report.alerts:
        events.publish(
            clients.redis,
            clients.metrics,
            principal.slug,
            EVENT_TYPE,
            alert=alert.model_dump(mode="json"),
        )
    return report


class ModelAccuracy(BaseModel):
    """``accuracy_score`` is 1 - |predicted - actual| / max(|predicted|,
    |actual|, floor), clamped to [0, 1] (pulse_common.ml.robust.accuracy)."""

    model_name: str
    prediction_type: str
    predictions: int
    scored: int
    pending: int
    unscorable: int  # the outcome arrived but cannot be compared (PR closed unmerged)
    mean_accuracy: float | None
    median_accuracy: float | None
    last_scored_at: dt.datetime | None


ACCURACY = """
SELECT model_name, prediction_type, count(*) AS predictions,
       count(accuracy_score) AS scored,
       count(*) FILTER (WHERE actual_outcome IS NULL) AS pending,
       count(*) FILTER (WHERE actual_outcome IS NOT NULL AND accuracy_score IS NULL)
           AS unscorable,
       avg(accuracy_score)::float8 AS mean_accuracy,
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY accuracy_score))::float8 AS median_accuracy,
       max(last_updated_at) FILTER (WHERE accuracy_score IS NOT NULL) AS last_scored_at
FROM ai_predictions
WHERE created_at >= :since
GROUP BY model_name, prediction_type
ORDER BY model_name, prediction_type
"""


def accuracy(conn: Connection, since: dt.datetime) -> list[ModelAccuracy]:
    return [
        ModelAccuracy.model_validate(dict(r))
        for r in conn.execute(text(ACCURACY), {"since": since}).mappings()
    ]
