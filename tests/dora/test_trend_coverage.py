"""A trend's points say how much of their calendar week or month they cover.

The range's first and last periods are clipped to it: a range starting on a
Saturday has a first "week" of two days, and a range ending today a last
week of the days passed. Each point says so (``partial``, ``days`` of
``period_days``), counted by hand below: weeks and months, UTC and other
time zones, a daylight-saving change inside a period."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pulse_backend.analytics.trends import Granularity, trend
from pulse_common.analytics.results import Trend, TrendPoint
from pulse_common.analytics.scope import Scope
from tests.dora.conftest import T0, Scenario


def _coverage_of(points: tuple[TrendPoint, ...]) -> list[tuple[bool, float, int]]:
    return [(p.partial, p.days, p.period_days) for p in points]


def _coverage(tr: Trend) -> list[tuple[bool, float, int]]:
    return _coverage_of(tr.points)


def test_a_range_from_a_saturday_has_a_partial_first_week_and_whole_middle_weeks(
    sc: Scenario,
) -> None:
    api = sc.repo("api")
    saturday = T0 + dt.timedelta(days=5)  # T0 is Monday 2026-06-01
    for day in (0, 1, 2, 9):  # Sat, Sun; Mon of the 2nd week; Tue of the 3rd
        sc.deploy(api, f"d{day}", saturday + dt.timedelta(days=day, hours=12))
    sc.link()
    # Saturday 6 June to Wednesday 24 June, noon.
    scope = Scope(start=saturday, end=saturday + dt.timedelta(days=18, hours=12))
    tr = trend(sc.conn, scope, sc.rules, sc.bench, "deployment_frequency", Granularity.week)
    assert [p.start.day for p in tr.points] == [6, 8, 15, 22]
    assert _coverage(tr) == [
        (True, 2.0, 7),  # Sat 6 and Sun 7
        (False, 7.0, 7),
        (False, 7.0, 7),
        (True, 2.5, 7),  # Mon 22, Tue 23, half of Wed 24
    ]
    # The values are over the days covered, as before: both days of the
    # first "week" had a deployment.
    assert [p.sample_size for p in tr.points] == [2, 1, 1, 0]
    # The previous period, the 18.5 days before: Monday 18 May at noon to
    # Saturday 6 June.
    assert _coverage_of(tr.previous) == [(True, 6.5, 7), (False, 7.0, 7), (True, 5.0, 7)]


def test_weeks_in_a_time_zone_ahead_of_utc_count_local_days(sc: Scenario) -> None:
    # Wednesday 3 June 00:00 UTC is 05:30 in Kolkata: the first week covers
    # Wednesday from 05:30 to Sunday's end, 4 days and 18.5 hours.
    start = T0 + dt.timedelta(days=2)
    scope = Scope(start=start, end=start + dt.timedelta(days=12), timezone="Asia/Kolkata")
    tr = trend(sc.conn, scope, sc.rules, sc.bench, "lead_time_for_changes", Granularity.week)
    assert _coverage(tr) == [
        (True, round(4 + 18.5 / 24, 4), 7),
        (False, 7.0, 7),  # Monday 8 to Monday 15, local midnights
        (True, round(5.5 / 24, 4), 7),  # Monday 15 until 05:30
    ]


def test_months_over_a_daylight_saving_change_count_wall_clock_days(sc: Scenario) -> None:
    ny = ZoneInfo("America/New_York")
    # 5 March to 10 May 2026 noon, New York; clocks go forward on 8 March.
    scope = Scope(
        start=dt.datetime(2026, 3, 5, tzinfo=ny),
        end=dt.datetime(2026, 5, 10, 12, tzinfo=ny),
        timezone="America/New_York",
    )
    tr = trend(sc.conn, scope, sc.rules, sc.bench, "change_failure_rate", Granularity.month)
    assert [p.start.astimezone(ny).date() for p in tr.points] == [
        dt.date(2026, 3, 5),
        dt.date(2026, 4, 1),
        dt.date(2026, 5, 1),
    ]
    assert _coverage(tr) == [
        (True, 27.0, 31),  # 5 to 31 March: 27 days on the clock, 26 days 23 h elapsed
        (False, 30.0, 30),
        (True, 9.5, 31),
    ]
    weeks = trend(sc.conn, scope, sc.rules, sc.bench, "change_failure_rate", Granularity.week)
    # Thursday 5 March to Sunday 8, the day of the change: 4 days on the
    # clock although 95 hours long; then whole weeks.
    assert _coverage(weeks)[:2] == [(True, 4.0, 7), (False, 7.0, 7)]
