"""ML monitoring of one tenant: ``run_monitoring(conn, tenant_id, now)``.

Runs after each ETL sync (``pulse_etl.jobs.monitor``) and on demand
(``POST /api/v1/ml/monitoring/run``, admins). One pass, in the caller's
tenant transaction on the primary:

1. the weekly series (``series``) over the trailing window and the weeks to
   evaluate, all complete weeks before the week of ``now``;
2. anomalies in the latest weeks, stored once each (``anomaly``);
3. scores for the predictions whose actual value has arrived, then new
   predictions (``predict``).

Everything is idempotent: a second run with the same data adds nothing. The
caller publishes the returned new alerts (``event``) after its commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection

from pulse_common.dora.settings import load_rules
from pulse_common.ml import anomaly, predict
from pulse_common.ml.series import WEEK, week_start, weekly_series

EVENT_TYPE = "ml.alert"


class NewAlert(BaseModel):
    id: int
    model_name: str
    severity: str
    alert_data: dict[str, Any]
    created_at: dt.datetime


class MonitoringReport(BaseModel):
    evaluated_from: dt.date
    evaluated_to: dt.date
    alerts: list[NewAlert]
    predictions_made: int
    predictions_scored: int

    @property
    def wrote(self) -> bool:
        """Whether this run stored anything a cached answer could be missing."""
        return bool(self.alerts or self.predictions_made or self.predictions_scored)


def run_monitoring(
    conn: Connection,
    tenant_id: int,
    now: dt.datetime,
    config: anomaly.AnomalyConfig | None = None,
) -> MonitoringReport:
    config = config or anomaly.AnomalyConfig()
    rules = load_rules(conn)
    current = week_start(now)
    evaluate_from = current - config.evaluate_weeks * WEEK
    start = evaluate_from - config.window_weeks * WEEK
    series = weekly_series(conn, rules, start, current)
    found = anomaly.detect(series, evaluate_from.date(), config)
    rows = anomaly.store(conn, tenant_id, found)
    scored = predict.score_merge_times(conn, now) + predict.score_deployment_days(conn, now, rules)
    made = predict.predict_merge_times(conn, tenant_id, now) + predict.predict_deployment_days(
        conn, tenant_id, now, series["deployment_frequency"], current.date()
    )
    return MonitoringReport(
        evaluated_from=evaluate_from.date(),
        evaluated_to=(current - WEEK).date(),
        alerts=[NewAlert.model_validate({k: r[k] for k in NewAlert.model_fields}) for r in rows],
        predictions_made=made,
        predictions_scored=scored,
    )


def event(alert: NewAlert) -> dict[str, Any]:
    """The message each new alert publishes on the tenant's event channel."""
    return {"type": EVENT_TYPE, "alert": alert.model_dump(mode="json")}
