"""Rework rate, trends with the previous period, and the executive summary."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from pulse_backend.analytics.insights import store_insights
from pulse_backend.analytics.summary import executive_summary, summarize
from pulse_backend.analytics.trends import Granularity, periods, trend
from pulse_common.analytics import dora
from pulse_common.analytics.scope import Scope
from pulse_common.errors import InvalidInput
from pulse_common.models.control import DoraLevel
from tests.dora.conftest import T0, Scenario, h


def test_rework_rate_reasons(sc: Scenario) -> None:
    api = sc.repo("api")
    proj = sc.project("API", api)
    bug, story, inc_item = (sc.work_item(proj, w) for w in ("Bug", "Story", "Task"))
    sc.incident(h(-30), h(-29), project=proj, work_item=inc_item)
    prs = {
        "plain": sc.pr(api, first_commit=h(0), opened=h(0), merged=h(1), work_item=story),
        "hotfix": sc.pr(api, first_commit=h(0), opened=h(0), merged=h(3), title="Hotfix: crash"),
        "revert": sc.pr(api, first_commit=h(0), opened=h(0), merged=h(5), title='Revert "x"'),
        "bug": sc.pr(api, first_commit=h(0), opened=h(0), merged=h(7), work_item=bug),
        "incident": sc.pr(api, first_commit=h(0), opened=h(0), merged=h(9), work_item=inc_item),
    }
    deps = {k: sc.deploy(api, sc.sha_of(p), h(2 * i + 1.5)) for i, (k, p) in enumerate(prs.items())}
    deps["rollback"] = sc.deploy(api, sc.sha_of(prs["plain"]), h(20), rollback=True)
    sc.link()
    rr = dora.rework_rate(sc.conn, sc.scope(), sc.rules, sc.bench)
    reasons = {d.id: d.rework_reasons for d in rr.drilldown}
    assert reasons == {
        deps["plain"]: (),
        deps["hotfix"]: ("hotfix_pr",),
        deps["revert"]: ("revert_pr",),
        deps["bug"]: ("fixes_bug",),
        deps["incident"]: ("fixes_incident",),
        deps["rollback"]: ("rollback",),
    }
    assert (rr.rework_deployments, rr.sample_size) == (5, 6)
    assert rr.value == pytest.approx(500 / 6) and rr.level is None


def test_periods_are_calendar_weeks_and_months_in_the_time_zone() -> None:
    scope = Scope(
        start=dt.datetime(2026, 6, 3, tzinfo=dt.UTC), end=dt.datetime(2026, 8, 2, tzinfo=dt.UTC)
    )
    weeks = periods(scope, Granularity.week)
    assert weeks[0] == (scope.start, dt.datetime(2026, 6, 8, tzinfo=dt.UTC))
    assert weeks[-1][1] == scope.end and len(weeks) == 9
    months = periods(scope, Granularity.month)
    assert [(a.month, a.day, b.month, b.day) for a, b in months] == [
        (6, 3, 7, 1),
        (7, 1, 8, 1),
        (8, 1, 8, 2),
    ]


def test_weekly_trend_with_levels_and_previous_period(sc: Scenario) -> None:
    api = sc.repo("api")
    for day in range(0, 7):  # week 1: every day; week 2: twice
        sc.deploy(api, f"a{day}", T0 + dt.timedelta(days=day, hours=12))
    for day in (8, 10):
        sc.deploy(api, f"b{day}", T0 + dt.timedelta(days=day, hours=12))
    sc.deploy(api, "prev", T0 - dt.timedelta(days=3))
    sc.link()
    scope = Scope(start=T0, end=T0 + dt.timedelta(days=14))
    tr = trend(sc.conn, scope, sc.rules, sc.bench, "deployment_frequency", Granularity.week)
    assert [(p.sample_size, p.level) for p in tr.points] == [
        (7, DoraLevel.elite),
        (2, DoraLevel.high),
    ]
    assert [p.sample_size for p in tr.previous] == [0, 1]
    assert tr.previous[1].level is DoraLevel.high
    with pytest.raises(InvalidInput, match="metric"):
        trend(sc.conn, scope, sc.rules, sc.bench, "happiness", Granularity.week)


def test_executive_summary_compares_with_the_previous_period_and_stores_insights(
    sc: Scenario,
) -> None:
    api = sc.repo("api")
    # previous week: one slow PR; this week: three fast ones
    slow = sc.pr(api, first_commit=h(-7 * 24), opened=h(-6 * 24), merged=h(-2 * 24))
    sc.deploy(api, sc.sha_of(slow), h(-24))
    for i in range(3):
        p = sc.pr(api, first_commit=h(10 * i), opened=h(10 * i + 1), merged=h(10 * i + 2))
        sc.deploy(api, sc.sha_of(p), h(10 * i + 3))
    sc.link()
    scope = Scope(start=T0, end=T0 + dt.timedelta(days=7))
    summary = executive_summary(sc.conn, scope, sc.rules, sc.bench)
    lines = {ln.metric: ln for ln in summary.lines}
    assert list(lines) == [
        "deployment_frequency",
        "lead_time_for_changes",
        "change_failure_rate",
        "failed_deployment_recovery_time",
        "rework_rate",
    ]
    lt = lines["lead_time_for_changes"]
    assert (lt.value, lt.previous_value, lt.change) == (3, 6 * 24, "improved")
    assert (lt.level, lt.previous_level) == (DoraLevel.elite, DoraLevel.high)
    assert any("Lead time for changes moved up from high to elite" in s for s in summary.insights)
    stored = store_insights(
        sc.conn, sc.tenant_id, scope, summarize(sc.conn, scope, sc.rules, sc.bench)
    )
    assert stored == len(summary.insights) > 0
    assert (
        sc.conn.execute(
            text("SELECT count(*) FROM dora_metric_insights WHERE metric = 'lead_time_for_changes'")
        ).scalar()
        >= 1
    )


def test_each_stored_insight_names_the_metric_it_was_generated_from(sc: Scenario) -> None:
    # Neither "Lead time: coding is the longest step" nor "1 incident caused
    # by deployments ... is still open" names its metric as the tiles do:
    # matching the text against metric names stored both as "summary".
    api = sc.repo("api")
    proj = sc.project("API", api)
    for i in range(3):
        p = sc.pr(api, first_commit=h(10 * i), opened=h(10 * i + 1), merged=h(10 * i + 2))
        sc.deploy(api, sc.sha_of(p), h(10 * i + 3))
    sc.incident(h(12), None, project=proj)  # open, caused by the second deployment
    sc.link()
    scope = Scope(start=T0, end=T0 + dt.timedelta(days=7))
    found = summarize(sc.conn, scope, sc.rules, sc.bench)
    assert store_insights(sc.conn, sc.tenant_id, scope, found) == len(found.summary.insights)
    stored = dict(
        sc.rows("SELECT insight_text, metric FROM dora_metric_insights ORDER BY id")  # type: ignore[arg-type]
    )
    assert list(stored) == list(found.summary.insights)
    step = "Lead time: coding is the longest step (median 1.0 h over 3 PRs)."
    still_open = "1 incident caused by deployments in this period is still open."
    assert stored.get(step) == "lead_time_for_changes", stored
    assert stored.get(still_open) == "failed_deployment_recovery_time", stored
    assert "summary" not in stored.values(), stored


def test_an_insight_reads_the_unit_in_words(sc: Scenario) -> None:
    # The overview shows insights as they are: "per day", not the unit id "per_day".
    api = sc.repo("api")
    for day in (-5, -4, 1, 2, 3, 4, 5, 6):  # more deployment days this week than last
        p = sc.pr(api, first_commit=h(24 * day - 3), opened=h(24 * day - 2), merged=h(24 * day - 1))
        sc.deploy(api, sc.sha_of(p), h(24 * day))
    sc.link()
    summary = executive_summary(
        sc.conn, Scope(start=T0, end=T0 + dt.timedelta(days=7)), sc.rules, sc.bench
    )
    frequency = [s for s in summary.insights if s.startswith("Deployment frequency")]
    assert frequency, summary.insights
    assert all("per_day" not in s for s in summary.insights), summary.insights
    # As the tile reads it ("6.0 / week"), with what it counted.
    assert frequency == [
        "Deployment frequency improved: 2.0 / week → 6.0 / week (from 6 deployments)."
    ]


def test_engineering_flow(sc: Scenario) -> None:
    from pulse_common.analytics.engineering import engineering

    api = sc.repo("api")
    # merged in week 1 (Mon T0) and week 2; sizes come from additions + deletions
    a = sc.pr(
        api, first_commit=h(-5), opened=h(-4), reviews=(("bob", h(-3)), ("cy", h(-1))), merged=h(1)
    )
    b = sc.pr(
        api, first_commit=h(0), opened=h(2), reviews=(("bob", h(8)),), merged=h(10), author="bob"
    )
    c = sc.pr(api, first_commit=h(170), opened=h(171), merged=h(172))
    sc.pr(api, first_commit=h(0), opened=h(1), merged=None)  # open: not throughput
    for pr, lines in ((a, 5), (b, 150), (c, 5000)):
        sc.conn.exec_driver_sql(
            "UPDATE prs SET additions = %(n)s WHERE id = %(i)s", {"n": lines, "i": pr}
        )
    eng = engineering(sc.conn, sc.scope(start=T0 - dt.timedelta(days=1), days=10))
    assert eng.merged_prs == 3
    assert [(w.week.day, w.merged_prs) for w in eng.throughput] == [(1, 2), (8, 1)]
    # coding [1, 2, 1] → 1; pickup: a 1 h, b's own review is not one → none, c none → [1]
    assert (eng.coding.median_hours, eng.coding.sample_size) == (1, 3)
    assert (eng.pickup.median_hours, eng.pickup.sample_size) == (1, 1)
    assert (eng.review.median_hours, eng.review.sample_size) == (4, 1)
    # bob reviewed a (1 h after opening; his review of his own b does not count), cy reviewed a (3 h)
    assert [(r.reviewer, r.prs_reviewed, r.median_response_hours) for r in eng.reviewers] == [
        ("bob", 1, 1),
        ("cy", 1, 3),
    ]
    assert {s.size: s.prs for s in eng.sizes} == {"XS": 1, "S": 0, "M": 1, "L": 0, "XL": 1}
    team = engineering(
        sc.conn, sc.scope(start=T0 - dt.timedelta(days=1), days=10, authors=("bob",))
    )
    assert team.merged_prs == 1


def test_work_item_flow_from_changelogs(sc: Scenario) -> None:
    from pulse_backend.analytics.work_items import work_item_flow

    proj = sc.project("FLOW")
    status = dict(sc.rows("SELECT name, id FROM statuses"))

    def item(
        created: float, moves: list[tuple[str, float]], resolved: float | None, who: str = "ada"
    ) -> int:
        wid = sc.work_item(proj, "Story")
        sc.conn.exec_driver_sql(
            "UPDATE work_items SET created = %(c)s, resolved_at = %(r)s, assignee = %(a)s WHERE id = %(i)s",
            {
                "c": h(created),
                "r": h(resolved) if resolved is not None else None,
                "a": who,
                "i": wid,
            },
        )
        for n, (name, at) in enumerate(moves):
            sc.conn.exec_driver_sql(
                "INSERT INTO changelogs (tenant_id, work_item_id, external_id, to_status_id, transitioned_at) "
                "VALUES (%(t)s, %(w)s, %(e)s, %(s)s, %(at)s)",
                {"t": sc.tenant_id, "w": wid, "e": f"{wid}-{n}", "s": status[name], "at": h(at)},
            )
        return wid

    item(-10, [("In Progress", -6), ("In Review", 0), ("Done", 2)], 2)  # lead 12, cycle 8
    item(0, [("In Progress", 1), ("Done", 5)], 5)  # lead 5, cycle 4
    item(0, [("Done", 3)], 3, who="zed")  # never in progress: no cycle time
    old = item(-50, [("In Progress", -48)], None)  # in progress at the end
    item(-5, [("In Progress", -4), ("Done", 1000)], None)  # done only after the range
    sc.link()  # as after a load: stores each item's start
    scope = sc.scope(start=h(-24), days=2)  # until +24 h
    flow = work_item_flow(sc.conn, scope)
    assert flow.resolved == 3
    assert (flow.lead_time.median_hours, flow.lead_time.sample_size) == (5, 3)  # [3, 5, 12]
    assert (flow.cycle_time.median_hours, flow.cycle_time.sample_size) == (4, 2)  # [4, 8] → 4
    assert flow.wip == 2 and flow.oldest[0].id == old
    assert flow.oldest[0].age_hours == 72  # started at -48, the range ends at +24
    assert flow.median_wip_age_hours == 28  # [28, 72] → 28
    team = work_item_flow(sc.conn, sc.scope(start=h(-24), days=2, authors=("zed",)))
    assert (team.resolved, team.wip) == (1, 0)


def test_the_summary_says_worsened_unchanged_and_no_data_each_way_round(sc: Scenario) -> None:
    # Each metric's direction: more deployment days is better, a longer lead
    # time and a higher failure rate are worse; an equal value is unchanged,
    # and a period without a value has no comparison.
    api = sc.repo("api")
    proj = sc.project("API", api)
    for day in (-6, -5, -4):  # last week: three deployment days, 2 h cycles
        p = sc.pr(api, first_commit=h(24 * day), opened=h(24 * day + 0.5), merged=h(24 * day + 1))
        sc.deploy(api, sc.sha_of(p), h(24 * day + 2))
    slow = sc.pr(api, first_commit=h(-52), opened=h(-50), merged=h(47))
    sc.deploy(api, sc.sha_of(slow), h(48))  # this week: one, 100 h, and it failed
    sc.incident(h(49), h(51), project=proj)
    sc.link()
    summary = executive_summary(
        sc.conn, Scope(start=T0, end=T0 + dt.timedelta(days=7)), sc.rules, sc.bench
    )
    lines = {ln.metric: (ln.previous_value, ln.value, ln.change) for ln in summary.lines}
    assert lines == {
        "deployment_frequency": (pytest.approx(3 / 7), pytest.approx(1 / 7), "worsened"),
        "lead_time_for_changes": (2, 100, "worsened"),
        "change_failure_rate": (0, 100, "worsened"),
        "failed_deployment_recovery_time": (None, 3, "no_data"),
        "rework_rate": (0, 0, "unchanged"),
    }
