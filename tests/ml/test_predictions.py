"""Predictions stored in ai_predictions and scored when the actual value
arrives: merge time of open PRs, and next weeks' deployment days."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from pulse_common.ml import predict
from pulse_common.ml.monitor import run_monitoring
from pulse_common.ml.robust import accuracy, theil_sen
from tests.dora.conftest import T0, Scenario

WEEK = dt.timedelta(days=7)


def predictions(sc: Scenario, model: str) -> list[tuple[object, ...]]:
    return sc.rows(
        "SELECT subject_key, prediction_result, actual_outcome, accuracy_score, confidence_score "
        f"FROM ai_predictions WHERE model_name = '{model}' ORDER BY subject_key"
    )


def test_an_open_prs_merge_time_is_predicted_then_scored_when_it_merges(sc: Scenario) -> None:
    api, web = sc.repo("api"), sc.repo("web")
    for i, hours in enumerate([10, 12, 14, 16, 18, 20]):  # median 15
        opened = T0 + dt.timedelta(days=i)
        sc.pr(api, first_commit=opened, opened=opened, merged=opened + dt.timedelta(hours=hours))
    for i in range(3):  # too little history in web: no prediction there
        sc.pr(web, first_commit=T0, opened=T0, merged=T0 + dt.timedelta(hours=i + 1))
    opened = T0 + dt.timedelta(days=10)
    open_pr = sc.pr(api, first_commit=opened, opened=opened, merged=None)
    sc.pr(web, first_commit=opened, opened=opened, merged=None)
    now = opened + dt.timedelta(hours=1)

    first = run_monitoring(sc.conn, sc.tenant_id, now)
    (key, result, outcome, score, confidence), *rest = predictions(sc, predict.MERGE_MODEL)
    assert (key, rest, outcome, score) == (f"pr:{open_pr}", [], None, None)
    assert result["expected_hours"] == 15
    assert result["expected_merge_at"] == (opened + dt.timedelta(hours=15)).isoformat()
    assert float(confidence) == pytest.approx(6 / 16, abs=1e-4)
    assert first.predictions_made >= 1 and first.predictions_scored == 0

    # a re-run makes no second prediction for the same PR
    assert run_monitoring(sc.conn, sc.tenant_id, now).predictions_made == 0

    sc.conn.execute(
        text(
            "UPDATE prs SET state = 'merged', merged_at = created + interval '12 hours' "
            "WHERE id = :i"
        ),
        {"i": open_pr},
    )
    later = opened + dt.timedelta(days=1)
    assert run_monitoring(sc.conn, sc.tenant_id, later).predictions_scored == 1
    [(_, _, outcome, score, _)] = predictions(sc, predict.MERGE_MODEL)
    assert outcome["outcome"] == "merged" and outcome["actual_hours"] == 12
    assert float(score) == pytest.approx(1 - 3 / 15)  # 0.8
    # scored once: the score is not recomputed on later runs
    assert run_monitoring(sc.conn, sc.tenant_id, later + WEEK).predictions_scored == 0


def test_a_pr_closed_unmerged_is_recorded_without_a_score(sc: Scenario) -> None:
    api = sc.repo("api")
    for i in range(5):
        sc.pr(api, first_commit=T0, opened=T0, merged=T0 + dt.timedelta(hours=i + 1))
    pr = sc.pr(api, first_commit=T0, opened=T0, merged=None)
    run_monitoring(sc.conn, sc.tenant_id, T0 + dt.timedelta(days=1))
    sc.conn.execute(text("UPDATE prs SET state = 'closed' WHERE id = :i"), {"i": pr})
    run_monitoring(sc.conn, sc.tenant_id, T0 + dt.timedelta(days=2))
    [(_, _, outcome, score, _)] = predictions(sc, predict.MERGE_MODEL)
    assert (outcome, score) == ({"outcome": "closed_unmerged"}, None)


def test_next_weeks_deployment_days_are_forecast_then_scored(sc: Scenario) -> None:
    api = sc.repo("api")
    for week in range(10):  # three deployment days every week
        for day in (0, 2, 4):
            sc.deploy(api, f"w{week}d{day}", T0 + week * WEEK + dt.timedelta(days=day, hours=12))
    sc.link()
    current = T0 + 10 * WEEK
    run_monitoring(sc.conn, sc.tenant_id, current + dt.timedelta(hours=1))
    made = predictions(sc, predict.FREQUENCY_MODEL)
    assert [(k, r["expected_deployment_days"], o) for k, r, o, _, _ in made] == [
        (f"deployment_days:{(current + WEEK).date()}", 3.0, None),
        (f"deployment_days:{(current + 2 * WEEK).date()}", 3.0, None),
    ]
    # the first forecast week: two deployment days (one a day twice on Tuesday)
    for day, hour in ((1, 9), (1, 15), (3, 9)):
        sc.deploy(api, f"n{day}{hour}", current + WEEK + dt.timedelta(days=day, hours=hour))
    sc.link()
    report = run_monitoring(sc.conn, sc.tenant_id, current + 2 * WEEK + dt.timedelta(hours=1))
    assert report.predictions_scored == 1
    (_, _, outcome, score, _), (_, _, pending, _, _), *_ = predictions(sc, predict.FREQUENCY_MODEL)
    assert (outcome["deployment_days"], outcome["deployments"]) == (2, 3)
    assert float(score) == pytest.approx(1 - 1 / 3, abs=1e-4) and pending is None


def test_no_forecast_without_enough_weeks(sc: Scenario) -> None:
    api = sc.repo("api")
    for week in range(5):
        sc.deploy(api, f"w{week}", T0 + week * WEEK + dt.timedelta(hours=12))
    sc.link()
    run_monitoring(sc.conn, sc.tenant_id, T0 + 5 * WEEK + dt.timedelta(hours=1))
    assert predictions(sc, predict.FREQUENCY_MODEL) == []


def test_accuracy_and_the_robust_trend() -> None:
    assert accuracy(15, 12, 1.0) == pytest.approx(0.8)
    assert accuracy(12, 15, 1.0) == pytest.approx(0.8)  # symmetric
    assert accuracy(0, 0, 1.0) == 1.0
    assert accuracy(1, 0, 1.0) == 0.0 and accuracy(0.4, 0, 1.0) == pytest.approx(0.6)
    assert accuracy(100, 1, 1.0) == pytest.approx(0.01)
    # one wild week does not tilt the trend
    slope, intercept = theil_sen([0, 1, 2, 3, 4, 5], [1, 2, 3, 40, 5, 6])
    assert (slope, intercept) == (1.0, 1.0)
