"""Anomaly detection on seeded weekly series: the engine's weekly lead time
of a team shipping one PR a week, with hand-computed robust z-scores."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from pulse_common.ml import anomaly
from pulse_common.ml.monitor import run_monitoring
from pulse_common.ml.robust import Severity, robust_z, severity
from pulse_common.ml.series import Point
from tests.dora.conftest import Scenario
from tests.ml.conftest import STEADY, WEEK, ship_weekly


def alerts(sc: Scenario) -> list[tuple[str, str, bool]]:
    return [
        (r[0], r[1], r[2])
        for r in sc.rows(
            "SELECT severity, dedup_key, acknowledged FROM ml_anomaly_alert ORDER BY id"
        )
    ]


def test_a_lead_time_spike_is_critical_with_the_data_behind_it(sc: Scenario) -> None:
    monday = ship_weekly(sc, [*STEADY, 60])
    report = run_monitoring(sc.conn, sc.tenant_id, monday + dt.timedelta(hours=1))
    spike_week = (monday - WEEK).date()
    assert [(a.severity, a.alert_data["series"]) for a in report.alerts] == [
        ("critical", "lead_time_for_changes")
    ]
    data = report.alerts[0].alert_data
    assert data["week_start"] == spike_week.isoformat()
    assert (data["value"], data["median"], data["mad"]) == (60, 20, 2)
    assert data["z"] == pytest.approx(40 / 2.9652)  # 13.5
    assert (data["direction"], data["worse"], data["threshold"]) == ("up", True, 3.5)
    assert [v["value"] for v in data["window"]["values"]] == STEADY
    assert alerts(sc) == [("critical", f"lead_time_for_changes:{spike_week}", False)]


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(46, ["high"]), (40, ["medium"]), (32, ["low"]), (30, [])],  # z = 8.8, 6.7, 4.05, 3.4
)
def test_smaller_spikes_are_less_severe(sc: Scenario, hours: float, expected: list[str]) -> None:
    monday = ship_weekly(sc, [*STEADY, hours])
    report = run_monitoring(sc.conn, sc.tenant_id, monday + dt.timedelta(hours=1))
    assert [a.severity for a in report.alerts] == expected


def test_a_steady_series_raises_nothing(sc: Scenario) -> None:
    monday = ship_weekly(sc, [*STEADY, 21])
    report = run_monitoring(sc.conn, sc.tenant_id, monday + dt.timedelta(hours=1))
    assert report.alerts == [] and alerts(sc) == []


def test_too_short_a_history_raises_nothing(sc: Scenario) -> None:
    monday = ship_weekly(sc, [20, 22, 18, 20, 24, 20, 18, 400])  # 7 weeks before the spike
    report = run_monitoring(sc.conn, sc.tenant_id, monday + dt.timedelta(hours=1))
    assert report.alerts == [] and alerts(sc) == []


def test_a_rerun_raises_nothing_again_even_after_acknowledgement(sc: Scenario) -> None:
    monday = ship_weekly(sc, [*STEADY, 40])
    now = monday + dt.timedelta(hours=1)
    assert len(run_monitoring(sc.conn, sc.tenant_id, now).alerts) == 1
    sc.conn.execute(text("UPDATE ml_anomaly_alert SET acknowledged = true"))
    assert run_monitoring(sc.conn, sc.tenant_id, now).alerts == []
    # a week later the spike is still among the evaluated weeks: still once
    assert run_monitoring(sc.conn, sc.tenant_id, now + WEEK).alerts == []
    assert len(alerts(sc)) == 1


def test_the_running_week_is_never_evaluated(sc: Scenario) -> None:
    monday = ship_weekly(sc, [*STEADY, 40])
    report = run_monitoring(sc.conn, sc.tenant_id, monday - dt.timedelta(hours=1))
    assert report.alerts == []
    assert report.evaluated_to == (monday - 2 * WEEK).date()


def _points(values: list[float | None]) -> list[Point]:
    start = dt.date(2026, 1, 5)
    return [
        Point(week_start=start + i * WEEK, value=v, sample_size=1) for i, v in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (3.49, None),
        (3.5, Severity.low),
        (-4.99, Severity.low),
        (5.0, Severity.medium),
        (8.0, Severity.high),
        (-12.0, Severity.critical),
    ],
)
def test_severity_boundaries(z: float, expected: Severity | None) -> None:
    assert severity(z) is expected


def test_a_better_move_is_only_low_and_nulls_are_no_history() -> None:
    series = {"throughput": _points([10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 9, 30])}
    found = anomaly.detect(series, dt.date(2026, 3, 30), anomaly.AnomalyConfig())
    # MAD 1, z = 20 / 1.4826 = 13.5: critical if it were worse
    assert [(a.severity, a.data["worse"], round(a.data["z"], 2)) for a in found] == [
        (Severity.low, False, 13.49)
    ]
    gaps = {"throughput": _points([10, None, None, None, None, 10, 11, 9, 10, 12, 10, 30])}
    assert anomaly.detect(gaps, dt.date(2026, 3, 23), anomaly.AnomalyConfig()) == []


def test_a_flat_window_falls_back_to_the_mean_deviation_then_the_floor() -> None:
    score = robust_z(5.0, [2, 2, 2, 2, 2, 2, 2, 2, 2, 8], floor=0.1)
    assert score.mad == 0 and score.scale == pytest.approx(1.2533 * 0.6)
    assert robust_z(3.0, [2] * 10, floor=1.0).z == 1.0
