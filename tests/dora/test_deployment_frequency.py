"""Deployment frequency: deployment days per week and month, medians,
levels, time zones and environments."""

from __future__ import annotations

import datetime as dt

import pytest

from pulse_common.analytics import dora
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraLevel
from tests.dora.conftest import T0, Scenario

JUNE = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # Monday; four full weeks follow


def _at(day: int, hour: float) -> dt.datetime:
    return dt.datetime(2026, 6, day, tzinfo=dt.UTC) + dt.timedelta(hours=hour)


def _month(sc: Scenario) -> int:
    api = sc.repo("api")
    for day, hour in [(1, 10), (1, 15), (2, 10), (3, 10), (7, 23.5), (17, 10)]:
        sc.deploy(api, f"s{day}-{hour}", _at(day, hour))
    for day in range(22, 29):
        sc.deploy(api, f"w4-{day}", _at(day, 10))
    sc.deploy(api, "stg", _at(10, 10), env="staging")
    sc.deploy(api, "bad", _at(11, 10), status="failure")
    sc.link()
    return api


def test_weekly_and_monthly_deployment_days_in_utc(sc: Scenario) -> None:
    _month(sc)
    df = dora.deployment_frequency(
        sc.conn, Scope(start=JUNE, end=JUNE + dt.timedelta(days=28)), sc.rules, sc.bench
    )
    assert [(b.start.day, b.deployment_days, b.deployments) for b in df.weeks] == [
        (1, 4, 5),
        (8, 0, 0),
        (15, 1, 1),
        (22, 7, 7),
    ]
    # weeks [0, 1, 4, 7] → lower median 1 → 1/7 per day → high
    assert (df.median_days_per_week, df.median_days_per_month) == (1, 12)
    assert df.value == pytest.approx(1 / 7)
    assert df.level is DoraLevel.high
    assert df.sample_size == 13 and len(df.drilldown) == 13
    assert df.per_day[0].deployments == 2 and not df.uses_fallback


def test_days_and_weeks_follow_the_scopes_time_zone(sc: Scenario) -> None:
    _month(sc)
    berlin = dt.timezone(dt.timedelta(hours=2))  # CEST in June
    start = dt.datetime(2026, 6, 1, tzinfo=berlin)
    scope = Scope(start=start, end=start + dt.timedelta(days=28), timezone="Europe/Berlin")
    df = dora.deployment_frequency(sc.conn, scope, sc.rules, sc.bench)
    # 23:30 UTC on Sunday the 7th is 01:30 on Monday the 8th in Berlin
    assert [b.deployment_days for b in df.weeks] == [3, 1, 1, 7]
    assert df.median_days_per_week == 1


def test_levels_from_weekly_then_monthly_medians(sc: Scenario) -> None:
    api = sc.repo("api")
    for day in range(1, 29):
        sc.deploy(api, f"e{day}", _at(day, 12))
    sc.link()
    four_weeks = Scope(start=JUNE, end=JUNE + dt.timedelta(days=28))
    elite = dora.deployment_frequency(sc.conn, four_weeks, sc.rules, sc.bench)
    assert (elite.median_days_per_week, elite.level) == (7, DoraLevel.elite)

    # one deployment day in May and one in April: weekly median 0, monthly 1 → medium
    spring = Scope(
        start=dt.datetime(2026, 4, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    )
    sc.deploy(api, "apr", dt.datetime(2026, 4, 14, tzinfo=dt.UTC))
    sc.deploy(api, "may", dt.datetime(2026, 5, 14, tzinfo=dt.UTC))
    medium = dora.deployment_frequency(sc.conn, spring, sc.rules, sc.bench)
    assert (medium.median_days_per_week, medium.median_days_per_month) == (0, 1)
    assert medium.value == pytest.approx(1 / 30) and medium.level is DoraLevel.medium

    # nothing in range but deployments elsewhere: measured, and low
    winter = Scope(
        start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    low = dora.deployment_frequency(sc.conn, winter, sc.rules, sc.bench)
    assert (low.value, low.level, low.sample_size) == (0, DoraLevel.low, 0)


def test_no_deployments_at_all_is_no_data(sc: Scenario) -> None:
    df = dora.deployment_frequency(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert (df.value, df.level, df.sample_size) == (None, None, 0)
    assert all(b.deployment_days == 0 for b in df.weeks)


def test_environment_pattern_and_environment_filter(sc: Scenario) -> None:
    api = sc.repo("api")
    sc.deploy(api, "a", T0, env="Production")
    sc.deploy(api, "b", T0, env="prod-eu")
    sc.deploy(api, "c", T0, env="staging")
    sc.link()
    default = dora.deployment_frequency(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert {d.environment for d in default.drilldown} == {"Production"}
    wide = DoraRules(production_pattern="^prod")
    assert dora.deployment_frequency(sc.conn, sc.scope(), wide, sc.bench).sample_size == 2
    staging = dora.deployment_frequency(
        sc.conn, sc.scope(environment="STAGING"), sc.rules, sc.bench
    )
    assert [d.environment for d in staging.drilldown] == ["staging"]


def test_fallback_counts_only_for_repositories_without_deployments(sc: Scenario) -> None:
    api, lib = sc.repo("api"), sc.repo("lib")
    sc.deploy(api, "a", T0)
    sc.deploy(api, "rel-api", T0, source="release")  # api has real deployments: ignored
    sc.deploy(lib, "rel-lib", T0, source="release")
    pr = sc.pr(lib, first_commit=T0, opened=T0, merged=T0 + dt.timedelta(hours=1))
    sc.link()
    plain = dora.deployment_frequency(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert plain.sample_size == 1 and not plain.uses_fallback
    releases = DoraRules(deployment_fallback="releases")
    rel = dora.deployment_frequency(sc.conn, sc.scope(), releases, sc.bench)
    assert sorted(d.commit_sha for d in rel.drilldown) == ["a", "rel-lib"]
    assert rel.uses_fallback and rel.fallback_repository_ids == (lib,)
    merges = DoraRules(deployment_fallback="default_branch_merges")
    report = sc.link(merges)
    assert report.fallback_deployments == 1
    merged = dora.deployment_frequency(sc.conn, sc.scope(), merges, sc.bench)
    assert sorted(d.source.value for d in merged.drilldown) == [
        "default_branch_merge",
        "deployment",
    ]
    lt = dora.lead_time(sc.conn, sc.scope(), merges, sc.bench)
    assert [p.id for p in lt.drilldown] == [pr]
