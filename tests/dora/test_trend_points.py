"""Trend points against each point's full figure.

``reference_points`` is the former ``trends._points``, kept as the oracle:
every point is the metric's whole figure over that period (drill-down page
empty). The trend computes its points more cheaply and must give the same
``Trend``, byte for byte, for every metric, both granularities, several time
zones and filters, on sparse data (empty periods, weeks with less than one
deployment day, open incidents) and busy data.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import event

from pulse_backend.analytics.trends import METRICS, Granularity, coverage, periods, trend
from pulse_common.analytics import queries as q
from pulse_common.analytics.common import analytics_transaction, first_deployed
from pulse_common.analytics.results import Trend, TrendPoint
from pulse_common.analytics.scope import Scope
from tests.dora.conftest import T0, Scenario


def reference_points(
    sc: Scenario, scope: Scope, metric: str, g: Granularity
) -> tuple[tuple[TrendPoint, ...], str]:
    """The per-point figures as ``trends._points`` computed them (e1e7e66)."""
    fn = METRICS[metric]
    points, unit = [], ""
    for lo, hi in periods(scope, g):
        fig = fn(
            sc.conn,
            scope.shifted(lo, hi).model_copy(update={"drilldown_limit": 0}),
            sc.rules,
            sc.bench,
        )
        unit = fig.unit
        # Coverage is checked by hand in test_trend_coverage.py; here, the values.
        partial, days, whole = coverage(lo, hi, scope.zone, g)
        points.append(
            TrendPoint(
                start=lo,
                end=hi,
                value=fig.value,
                level=fig.level,
                sample_size=fig.sample_size,
                partial=partial,
                days=days,
                period_days=whole,
            )
        )
    return tuple(points), unit


def reference(sc: Scenario, scope: Scope, metric: str, g: Granularity) -> Trend:
    points, unit = reference_points(sc, scope, metric, g)
    previous, _ = reference_points(sc, scope.previous(), metric, g)
    # A previous point without a sample, before the scope's first deployment,
    # is no comparison (test_earlier_data.py): no value, whatever the figure.
    first = first_deployed(sc.conn, scope, sc.rules)
    previous = tuple(
        p.model_copy(update={"value": None, "level": None})
        if p.sample_size == 0 and (first is None or first >= p.end)
        else p
        for p in previous
    )
    return Trend(metric=metric, granularity=g.value, unit=unit, points=points, previous=previous)


def _world(sc: Scenario) -> tuple[int, int, int]:
    """Deployments, PRs and incidents over ~five months before T0 + 70 days:
    dense at first, then sparse (weeks without a deployment, weeks with one
    deployment day), and a gap of several weeks."""
    rnd = random.Random(7)
    api, web = sc.repo("api"), sc.repo("web")
    proj = sc.project("TR", api)
    day0 = T0 - dt.timedelta(days=80)
    busy = [d for d in range(0, 60) if rnd.random() < 0.7]
    sparse = [d for d in range(60, 150) if rnd.random() < 0.12 and not 95 <= d < 125]
    for i, d in enumerate(busy + sparse):
        repo = api if i % 3 else web
        at = day0 + dt.timedelta(days=d, hours=rnd.randrange(24), minutes=rnd.randrange(60))
        pr = sc.pr(
            repo,
            first_commit=at - dt.timedelta(hours=rnd.randrange(1, 200)),
            opened=at - dt.timedelta(hours=rnd.randrange(1, 50)),
            reviews=(("bob", at - dt.timedelta(minutes=rnd.randrange(1, 600))),),
            merged=at - dt.timedelta(minutes=30),
            author=rnd.choice(["ada", "cy"]),
            title="Hotfix: x" if rnd.random() < 0.1 else None,
        )
        sc.deploy(repo, sc.sha_of(pr), at + dt.timedelta(minutes=rnd.randrange(5, 300)))
        if rnd.random() < 0.2:
            resolved = (
                None if rnd.random() < 0.2 else at + dt.timedelta(hours=rnd.randrange(1, 100))
            )
            sc.incident(at + dt.timedelta(hours=1), resolved, repo=repo)
        if rnd.random() < 0.05:
            sc.deploy(repo, sc.sha_of(pr), at + dt.timedelta(hours=6), rollback=True)
    sc.link()
    return api, web, proj


@pytest.mark.parametrize("g", [Granularity.week, Granularity.month])
def test_trend_points_match_each_point_s_full_figure(sc: Scenario, g: Granularity) -> None:
    api, _web, proj = _world(sc)
    end = T0 + dt.timedelta(days=70, hours=5)
    scopes = [
        Scope(start=end - dt.timedelta(days=90), end=end),
        Scope(start=end - dt.timedelta(days=75), end=end, timezone="America/Los_Angeles"),
        Scope(start=end - dt.timedelta(days=60), end=end, timezone="Asia/Kolkata"),
        Scope(start=end - dt.timedelta(days=90), end=end, repository_ids=(api,)),
        Scope(start=end - dt.timedelta(days=90), end=end, authors=("cy",), project_ids=(proj,)),
        Scope(start=end - dt.timedelta(days=90), end=end, environment="Production"),
        Scope(start=end - dt.timedelta(days=90), end=end, report_year=2023),
        Scope(start=T0 - dt.timedelta(days=400), end=T0 - dt.timedelta(days=330)),  # nothing
    ]
    levels, values = set(), set()
    for scope in scopes:
        for metric in METRICS:
            got = trend(sc.conn, scope, sc.rules, sc.bench, metric, g)
            want = reference(sc, scope, metric, g)
            assert got.model_dump_json() == want.model_dump_json(), (metric, scope)
            assert got == want
            levels |= {p.level for p in got.points + got.previous}
            values |= {p.value is None for p in got.points + got.previous}
    # The data reaches levels and empty periods (not a vacuous comparison).
    assert len(levels - {None}) >= 2 and values == {True, False}


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_a_trend_sends_its_points_as_one_statement(sc: Scenario, metric: str) -> None:
    """Every point of both periods in one statement (was one per point);
    deployment frequency may add its "ever deployed" check (the scope's
    first deployment, which also dates the previous points), once per trend
    however many of its points have no deployment (here several: the
    sparse weeks and the gap)."""
    _world(sc)
    end = T0 + dt.timedelta(days=70, hours=5)
    scope = Scope(start=end - dt.timedelta(days=90), end=end)
    sent: list[str] = []

    def count(*args: object) -> None:
        sent.append(str(args[2]))

    with analytics_transaction(sc.conn) as rules:
        event.listen(sc.conn, "before_cursor_execute", count)
        try:
            got = trend(sc.conn, scope, rules, sc.bench, metric, Granularity.week)
        finally:
            event.remove(sc.conn, "before_cursor_execute", count)
    assert len(got.points) >= 13 and len(got.previous) >= 13
    empty = [p for p in got.points + got.previous if not p.sample_size]
    assert empty, "no point without deployments: the once-per-trend check is not exercised"
    checks = [s for s in sent if s.startswith("SELECT min(d.finished_at)")]
    metric_statements = [s for s in sent if s not in checks]
    assert len(metric_statements) == 1 and "CROSS JOIN LATERAL" in metric_statements[0], sent
    if metric == "deployment_frequency":
        assert len(checks) == 1, sent
    else:
        assert checks == [], sent
    assert got == reference(sc, scope, metric, Granularity.week)


def test_lateral_runs_the_statement_over_its_varying_parameters_not_its_casts() -> None:
    sql = "SELECT CAST(:start AS date) AS a, 'x:y'::text AS b, 1::float8 AS c, ARRAY[:envs] AS e"
    got, params = q.lateral(
        [(sql, {"start": 1, "envs": ["p"]}), (sql, {"start": 2, "envs": ["p"]})],
        {"start": "date"},
    )
    assert got == (
        "SELECT _point.point - 1 AS point, s.* FROM unnest(CAST(:_points_start AS date[]))"
        ' WITH ORDINALITY _point("start", point) CROSS JOIN LATERAL (\n'
        "SELECT CAST(_point.\"start\" AS date) AS a, 'x:y'::text AS b, 1::float8 AS c,"
        " ARRAY[:envs] AS e\n) s"
    )
    assert params == {"envs": ["p"], "_points_start": [1, 2]}
    with pytest.raises(ValueError, match="differ"):
        q.lateral([(sql, {"start": 1, "envs": ["p"]}), (sql, {"start": 2, "envs": []})], {})


def test_a_point_statement_that_depends_on_more_than_its_period_is_refused() -> None:
    # The trend builds the first and the last point's statements and derives
    # the others by their period: a statement with another period-dependent
    # parameter would be wrong for the points between, so it is an error.
    from typing import Any

    from pulse_backend.analytics import trends
    from pulse_common.analytics.common import PointMetric

    def statement(_conn: Any, s: Scope, _rules: Any) -> tuple[str, dict[str, Any]]:
        # e.g. a look-back window before the period
        return "SELECT 1 WHERE :since < :start AND :start < :end", {
            "start": s.start,
            "end": s.end,
            "since": s.start - dt.timedelta(days=30),
        }

    metric = PointMetric(statement, trends.POINTS["deployment_frequency"].reading)
    scope = Scope(start=T0, end=T0 + dt.timedelta(days=60))
    with pytest.raises(ValueError, match="differ"):
        trends._points(None, scope, None, None, metric, Granularity.week)  # type: ignore[arg-type]
