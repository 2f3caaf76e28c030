"""Predictions the platform makes about a tenant, stored in
``ai_predictions`` and scored by later runs when the actual value arrives.

- ``pr_merge_time``: for each open PR, the expected hours from opening to
  merge: the median of the merged PRs of the same repository and size
  bucket (engineering's XS..XL by lines changed), or of the whole repository
  when fewer than ``MIN_SIMILAR`` share its size. Scored when the PR merges
  (``actual_outcome.actual_hours``); a PR closed unmerged is recorded as
  such and never scored.
- ``deployment_frequency``: deployment days in each of the next
  ``HORIZON_WEEKS`` weeks, from a Theil-Sen trend over the trailing weeks,
  clamped to 0..7. Scored once the week is over.

``accuracy_score`` is ``robust.accuracy(predicted, actual, floor)`` (1 =
exact, 0 = off by at least the larger value) with a floor of one hour or
one deployment day. ``confidence_score`` is ``n / (n + 10)`` for a basis of
n observations: a sample-size heuristic, not a probability.

Each subject (a PR, a week) is predicted once (``subject_key``, unique per
model): the score then measures the forecast made before the outcome.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, text, update
from sqlalchemy.dialects.postgresql import insert

from pulse_common.analytics import dora
from pulse_common.analytics.engineering import SIZES
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.ml.robust import accuracy, theil_sen
from pulse_common.ml.series import NO_BANDS, WEEK, Point
from pulse_common.models.base import table_of
from pulse_common.models.tenant_ai import AiPrediction

MERGE_MODEL = "pr_merge_time_median"
FREQUENCY_MODEL = "deployment_days_theil_sen"
MODEL_VERSION = "1"
MIN_SIMILAR = 5
HISTORY = dt.timedelta(days=180)
HORIZON_WEEKS = 2
MIN_WEEKS = 8
TREND_WEEKS = 12
_PRED = table_of(AiPrediction)

OPEN_PRS = """
SELECT id, repository_id, number, created, additions + deletions AS lines
FROM prs WHERE state = 'open' AND created <= :now
"""
MERGED_PRS = """
SELECT repository_id, additions + deletions AS lines,
       extract(epoch FROM merged_at - created)::float8 / 3600 AS hours
FROM prs
WHERE state = 'merged' AND merged_at >= created AND merged_at <= :now AND merged_at >= :since
"""
PENDING_MERGES = """
SELECT p.id, p.prediction_result, pr.state, pr.created, pr.merged_at
FROM ai_predictions p
LEFT JOIN prs pr ON pr.id = (p.input_data->>'pr_id')::bigint
WHERE p.model_name = :model AND p.actual_outcome IS NULL
"""
PENDING_WEEKS = """
SELECT id, prediction_result, input_data->>'week_start' AS week_start
FROM ai_predictions WHERE model_name = :model AND actual_outcome IS NULL
"""


def size_of(lines: int) -> str:
    return next(name for name, top in SIZES if top is None or lines < top)


def _confidence(n: int) -> float:
    return round(n / (n + 10), 4)


def _insert(conn: Connection, tenant_id: int, model: str, kind: str, rows: list[Any]) -> int:
    if not rows:
        return 0
    stmt = (
        insert(_PRED)
        .values(
            [
                {
                    "tenant_id": tenant_id,
                    "model_name": model,
                    "model_version": MODEL_VERSION,
                    "prediction_type": kind,
                    **row,
                }
                for row in rows
            ]
        )
        .on_conflict_do_nothing(index_elements=["model_name", "subject_key"])
        .returning(_PRED.c.id)
    )
    return len(conn.execute(stmt).all())


def predict_merge_times(conn: Connection, tenant_id: int, now: dt.datetime) -> int:
    history: dict[tuple[int, str | None], list[float]] = defaultdict(list)
    for repo, lines, hours in conn.execute(text(MERGED_PRS), {"now": now, "since": now - HISTORY}):
        history[(repo, size_of(lines))].append(hours)
        history[(repo, None)].append(hours)
    rows = []
    for pr_id, repo, number, created, lines in conn.execute(text(OPEN_PRS), {"now": now}):
        size = size_of(lines)
        basis, sample = "repository_size", history.get((repo, size), [])
        if len(sample) < MIN_SIMILAR:
            basis, sample = "repository", history.get((repo, None), [])
        if len(sample) < MIN_SIMILAR:
            continue
        expected = statistics.median(sample)
        quartiles = statistics.quantiles(sample, n=4)
        rows.append(
            {
                "subject_key": f"pr:{pr_id}",
                "input_data": {
                    "pr_id": pr_id,
                    "repository_id": repo,
                    "number": number,
                    "lines": lines,
                    "size": size,
                    "opened_at": created.isoformat(),
                    "basis": basis,
                    "sample_size": len(sample),
                    "predicted_at": now.isoformat(),
                },
                "prediction_result": {
                    "expected_hours": expected,
                    "expected_merge_at": (created + dt.timedelta(hours=expected)).isoformat(),
                    "p25_hours": quartiles[0],
                    "p75_hours": quartiles[2],
                },
                "confidence_score": _confidence(len(sample)),
            }
        )
    return _insert(conn, tenant_id, MERGE_MODEL, "pr_merge_time", rows)


def predict_deployment_days(
    conn: Connection, tenant_id: int, now: dt.datetime, history: list[Point], current: dt.date
) -> int:
    """``history``: the deployment-days series up to the week before ``current``."""
    points = [p for p in history if p.value is not None and p.week_start < current]
    points = points[-TREND_WEEKS:]
    if len(points) < MIN_WEEKS:
        return 0
    xs = [float((p.week_start - current) / WEEK) for p in points]
    ys = [float(p.value or 0.0) for p in points]
    slope, intercept = theil_sen(xs, ys)
    rows = []
    for ahead in range(1, HORIZON_WEEKS + 1):
        week = current + ahead * WEEK
        expected = min(7.0, max(0.0, intercept + slope * ahead))
        rows.append(
            {
                "subject_key": f"deployment_days:{week.isoformat()}",
                "input_data": {
                    "week_start": week.isoformat(),
                    "weeks_ahead": ahead,
                    "history": [
                        {"week_start": p.week_start.isoformat(), "value": p.value} for p in points
                    ],
                    "predicted_at": now.isoformat(),
                },
                "prediction_result": {
                    "expected_deployment_days": expected,
                    "slope_per_week": slope,
                    "intercept": intercept,
                },
                "confidence_score": _confidence(len(points)),
            }
        )
    return _insert(conn, tenant_id, FREQUENCY_MODEL, "deployment_frequency", rows)


def _score(conn: Connection, pred_id: int, outcome: dict[str, Any], score: float | None) -> None:
    conn.execute(
        update(_PRED)
        .where(_PRED.c.id == pred_id, _PRED.c.actual_outcome.is_(None))
        .values(actual_outcome=outcome, accuracy_score=None if score is None else round(score, 4))
    )


def score_merge_times(conn: Connection, now: dt.datetime) -> int:
    scored = 0
    for pred_id, result, state, created, merged_at in conn.execute(
        text(PENDING_MERGES), {"model": MERGE_MODEL}
    ):
        if state == "merged" and merged_at is not None and merged_at <= now:
            actual = max((merged_at - created).total_seconds() / 3600, 0.0)
            outcome = {
                "outcome": "merged",
                "merged_at": merged_at.isoformat(),
                "actual_hours": actual,
            }
            _score(conn, pred_id, outcome, accuracy(result["expected_hours"], actual, 1.0))
        elif state in (None, "closed"):
            _score(conn, pred_id, {"outcome": "closed_unmerged" if state else "deleted"}, None)
        else:
            continue
        scored += 1
    return scored


def score_deployment_days(conn: Connection, now: dt.datetime, rules: DoraRules) -> int:
    scored = 0
    for pred_id, result, week in conn.execute(text(PENDING_WEEKS), {"model": FREQUENCY_MODEL}):
        start = dt.date.fromisoformat(week)
        if dt.datetime.combine(start + WEEK, dt.time(0), tzinfo=dt.UTC) > now:
            continue
        lo = dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC)
        week_scope = Scope(start=lo, end=lo + WEEK, drilldown_limit=0)
        observed = dora.deployment_frequency(conn, week_scope, rules, NO_BANDS).weeks[0]
        days = float(observed.deployment_days)
        outcome = {
            "outcome": "observed",
            "deployment_days": days,
            "deployments": observed.deployments,
        }
        _score(conn, pred_id, outcome, accuracy(result["expected_deployment_days"], days, 1.0))
        scored += 1
    return scored
