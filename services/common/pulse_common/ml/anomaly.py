"""Anomalies in a tenant's weekly series: each complete week's value against
the trailing window before it (robust z-score, see ``robust``), stored as
``ml_anomaly_alert`` rows that carry the data behind them.

A week is compared only when its window holds at least ``min_history``
weeks with a value; a week is raised at most once (``dedup_key`` =
series and week, unique per model), so re-runs and concurrent runs add
nothing. A move in the better direction (lead time falling, deployments
rising) is still recorded, but only as ``low``: it needs no one woken up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from pulse_common.ml.robust import (
    ALERT_THRESHOLD,
    SEVERITY_THRESHOLDS,
    Severity,
    robust_z,
    severity,
)
from pulse_common.ml.series import SPECS, WEEK, Point
from pulse_common.models.base import table_of
from pulse_common.models.tenant_ai import MlAnomalyAlert

MODEL_NAME = "weekly_robust_z"
_ALERT = table_of(MlAnomalyAlert)


class AnomalyConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    window_weeks: int = Field(12, ge=4, le=104)
    min_history: int = Field(8, ge=3, le=104)
    # How many of the latest complete weeks each run evaluates: a tenant
    # whose syncs paused for a while still gets those weeks checked.
    evaluate_weeks: int = Field(4, ge=1, le=52)


class Anomaly(BaseModel):
    series: str
    week_start: dt.date
    severity: Severity
    data: dict[str, Any]

    @property
    def dedup_key(self) -> str:
        return f"{self.series}:{self.week_start.isoformat()}"


def _window(points: list[Point], at: dt.date, weeks: int) -> list[Point]:
    since = at - weeks * WEEK
    return [p for p in points if since <= p.week_start < at and p.value is not None]


def detect(
    series: dict[str, list[Point]], evaluate_from: dt.date, config: AnomalyConfig
) -> list[Anomaly]:
    """The anomalous weeks from ``evaluate_from`` on, in each series."""
    found = []
    for name, points in series.items():
        spec = SPECS[name]
        for point in points:
            if point.week_start < evaluate_from or point.value is None:
                continue
            window = _window(points, point.week_start, config.window_weeks)
            if len(window) < config.min_history:
                continue
            values = [p.value for p in window if p.value is not None]
            score = robust_z(point.value, values, spec.floor)
            level = severity(score.z)
            if level is None:
                continue
            worse = (score.z < 0) if spec.higher_is_better else (score.z > 0)
            if not worse:
                level = Severity.low
            found.append(
                Anomaly(
                    series=name,
                    week_start=point.week_start,
                    severity=level,
                    data={
                        "series": name,
                        "unit": spec.unit,
                        "week_start": point.week_start.isoformat(),
                        "week_end": (point.week_start + WEEK).isoformat(),
                        "value": point.value,
                        "sample_size": point.sample_size,
                        "direction": "up" if score.z > 0 else "down",
                        "worse": worse,
                        **score.model_dump(),
                        "threshold": ALERT_THRESHOLD,
                        "severity_thresholds": {s.value: t for t, s in SEVERITY_THRESHOLDS},
                        "window": {
                            "weeks": config.window_weeks,
                            "min_history": config.min_history,
                            "start": (point.week_start - config.window_weeks * WEEK).isoformat(),
                            "end": point.week_start.isoformat(),
                            "values": [
                                {"week_start": p.week_start.isoformat(), "value": p.value}
                                for p in window
                            ],
                        },
                    },
                )
            )
    return found


def store(conn: Connection, tenant_id: int, anomalies: list[Anomaly]) -> list[dict[str, Any]]:
    """Inserts the anomalies not raised before; returns the new rows."""
    if not anomalies:
        return []
    stmt = (
        insert(_ALERT)
        .values(
            [
                {
                    "tenant_id": tenant_id,
                    "model_name": MODEL_NAME,
                    "severity": a.severity.value,
                    "alert_data": a.data,
                    "dedup_key": a.dedup_key,
                }
                for a in anomalies
            ]
        )
        .on_conflict_do_nothing(index_elements=["model_name", "dedup_key"])
        .returning(*_ALERT.c)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]
