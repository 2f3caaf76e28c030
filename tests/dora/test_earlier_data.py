"""A previous period before any data loaded is no comparison; a real zero is.

The demo seed's 90 days, a tenant's first sync: the previous period of equal
length holds no row because none was loaded, and deployment frequency read
"0 / week" there, so the overview said "improved from 0.0 / week" and the
insights "moved up from low". Hand-computed on one week of deployments."""

from __future__ import annotations

import datetime as dt

import pytest

from pulse_backend.analytics.summary import summarize
from pulse_backend.analytics.trends import Granularity, trend
from pulse_common.analytics.scope import Scope
from tests.dora.conftest import T0, Scenario, h

WEEK = Scope(start=T0, end=T0 + dt.timedelta(days=7))
TWO_WEEKS = Scope(start=T0, end=T0 + dt.timedelta(days=14))


def _this_week(sc: Scenario) -> int:
    """Three deployment days this week (days 0-2), each with a 2 h PR."""
    api = sc.repo("api")
    for day in (0, 1, 2):
        p = sc.pr(api, first_commit=h(24 * day), opened=h(24 * day + 0.5), merged=h(24 * day + 1))
        sc.deploy(api, sc.sha_of(p), h(24 * day + 2))
    return api


def test_a_previous_period_before_the_first_deployment_is_no_comparison(sc: Scenario) -> None:
    _this_week(sc)
    sc.link()
    found = summarize(sc.conn, WEEK, sc.rules, sc.bench)
    lines = {ln.metric: ln for ln in found.summary.lines}
    freq, lead = lines["deployment_frequency"], lines["lead_time_for_changes"]
    assert (freq.value, freq.previous_value, freq.previous_level, freq.change) == (
        pytest.approx(3 / 7),
        None,
        None,
        "no_comparison",
    )
    assert (lead.value, lead.previous_value, lead.change) == (2, None, "no_comparison")
    # No incident either period: nothing now, so no verdict at all.
    assert lines["failed_deployment_recovery_time"].change == "no_data"
    # No "moved up from low to high", no "improved: 0 / week → ...".
    assert not [t for t in found.summary.insights if t.startswith("Deployment frequency")]
    tr = trend(sc.conn, TWO_WEEKS, sc.rules, sc.bench, "deployment_frequency", Granularity.week)
    assert [(p.value, p.level, p.sample_size) for p in tr.previous] == [(None, None, 0)] * 2


def test_a_real_zero_before_the_period_still_compares(sc: Scenario) -> None:
    api = _this_week(sc)
    sc.deploy(api, "early", T0 - dt.timedelta(days=10))  # before the previous week
    sc.link()
    found = summarize(sc.conn, WEEK, sc.rules, sc.bench)
    freq = next(ln for ln in found.summary.lines if ln.metric == "deployment_frequency")
    # Previous week [T0-7d, T0): no deployment, after one: a real 0 / day.
    assert (freq.previous_value, freq.change) == (0, "improved")
    assert freq.previous_level is not None
    tr = trend(sc.conn, TWO_WEEKS, sc.rules, sc.bench, "deployment_frequency", Granularity.week)
    # [T0-14d, T0-7d) holds the early one (1 day of 7), [T0-7d, T0) none: 0.
    assert [(p.value, p.sample_size) for p in tr.previous] == [(pytest.approx(1 / 7), 1), (0, 0)]
