"""Lead time for changes and its split, hand-computed (times in hours from T0)."""

from __future__ import annotations

from pulse_common.analytics import dora
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraLevel
from tests.dora.conftest import Scenario, h


def _three_prs(sc: Scenario) -> dict[str, int]:
    api = sc.repo("api")
    pr1 = sc.pr(api, first_commit=h(-10), opened=h(-8), reviews=(("bob", h(-6)),), merged=h(1))
    pr2 = sc.pr(
        api,
        first_commit=h(-2),
        opened=h(0),
        # the author's own comment is not a review; bob's at +1 h is the first
        reviews=(("ada", h(0.5)), ("bob", h(1)), ("cy", h(2))),
        merged=h(5),
    )
    pr3 = sc.pr(api, first_commit=h(20), opened=h(22), merged=h(30))
    sc.deploy(api, sc.sha_of(pr2), h(6), env="staging")  # not production
    d1 = sc.deploy(api, sc.sha_of(pr1), h(2))  # first deployment: its head only
    d2 = sc.deploy(api, sc.sha_of(pr3), h(32))  # ships pr2 and pr3
    sc.link()
    return {"api": api, "pr1": pr1, "pr2": pr2, "pr3": pr3, "d1": d1, "d2": d2}


def test_lead_time_median_and_split(sc: Scenario) -> None:
    ids = _three_prs(sc)
    lt = dora.lead_time(sc.conn, sc.scope(), sc.rules, sc.bench)
    by_pr = {p.id: p for p in lt.drilldown}
    # cycles: pr1 2-(-10)=12, pr2 32-(-2)=34, pr3 32-20=12 → lower median 12
    assert [by_pr[ids[k]].cycle_hours for k in ("pr1", "pr2", "pr3")] == [12, 34, 12]
    assert (lt.value, lt.sample_size, lt.drilldown_total) == (12, 3, 3)
    assert lt.level is DoraLevel.elite and lt.report_year == 2024
    assert by_pr[ids["pr2"]].deployment_id == ids["d2"]
    assert (by_pr[ids["pr2"]].pickup_hours, by_pr[ids["pr2"]].review_hours) == (1, 4)
    # coding [2,2,2]; pickup [2,1] (pr3 unreviewed); review [7,4]; deploy [1,27,2]
    assert (lt.coding.median_hours, lt.coding.sample_size) == (2, 3)
    assert (lt.pickup.median_hours, lt.pickup.sample_size) == (1, 2)
    assert (lt.review.median_hours, lt.review.sample_size) == (4, 2)
    assert (lt.deploy.median_hours, lt.deploy.sample_size) == (2, 3)


def test_prs_count_in_the_range_their_deployment_finished_in(sc: Scenario) -> None:
    _three_prs(sc)
    before = dora.lead_time(sc.conn, sc.scope(days=1 + 3 / 24), sc.rules, sc.bench)
    assert [p.cycle_hours for p in before.drilldown] == [12]  # only d1 (at +2 h) in range
    empty = dora.lead_time(sc.conn, sc.scope(start=h(100)), sc.rules, sc.bench)
    assert (empty.value, empty.level, empty.sample_size, empty.drilldown) == (None, None, 0, ())


def test_a_pr_in_two_deployments_ranges_counts_once_from_the_first(sc: Scenario) -> None:
    web = sc.repo("web")
    a = sc.pr(web, first_commit=h(0), opened=h(0.5), merged=h(1))
    b = sc.pr(web, first_commit=h(1), opened=h(2), merged=h(3))
    c = sc.pr(web, first_commit=h(8), opened=h(9), merged=h(10))
    d1 = sc.deploy(web, sc.sha_of(a), h(2))
    d2 = sc.deploy(web, sc.sha_of(b), h(4))
    d3 = sc.deploy(web, sc.sha_of(a), h(5), rollback=True)  # rolls back to a's commit
    d4 = sc.deploy(web, sc.sha_of(c), h(11))  # re-ships b (after the rollback) and c
    sc.link()
    assert sorted(sc.rows("SELECT deployment_id, pr_id FROM deployments_prs")) == sorted(
        [(d1, a), (d2, b), (d3, a), (d4, b), (d4, c)]
    )
    lt = dora.lead_time(sc.conn, sc.scope(), sc.rules, sc.bench)
    by_pr = {p.id: p for p in lt.drilldown}
    assert lt.sample_size == 3
    assert by_pr[b].deployment_id == d2 and by_pr[b].cycle_hours == 3  # 4 - 1, not 11 - 1
    assert by_pr[c].deployment_id == d4


def test_team_filter_keeps_the_teams_prs(sc: Scenario) -> None:
    api = sc.repo("api")
    mine = sc.pr(api, first_commit=h(0), opened=h(1), merged=h(2), author="ada")
    theirs = sc.pr(api, first_commit=h(0), opened=h(1), merged=h(3), author="zed")
    sc.deploy(api, sc.sha_of(mine), h(2.5))
    sc.deploy(api, sc.sha_of(theirs), h(10))
    sc.link()
    team = dora.lead_time(sc.conn, sc.scope(authors=("ada",)), sc.rules, sc.bench)
    assert [p.id for p in team.drilldown] == [mine]
    other = dora.lead_time(sc.conn, sc.scope(authors=("zed",)), sc.rules, sc.bench)
    assert [p.id for p in other.drilldown] == [theirs]


def test_relink_stores_each_prs_first_production_deployment(sc: Scenario) -> None:
    """deployments_prs.is_first, which lead time reads: the first production
    deployment under the tenant's rules, moved when the rules change; a scope
    naming another environment ranks that environment's deployments."""
    ids = _three_prs(sc)
    first = "SELECT pr_id, deployment_id FROM deployments_prs WHERE is_first ORDER BY pr_id"
    assert sc.rows(first) == [
        (ids["pr1"], ids["d1"]),
        (ids["pr2"], ids["d2"]),
        (ids["pr3"], ids["d2"]),
    ]
    staging = sc.rows("SELECT id FROM deployments WHERE environment = 'staging'")[0][0]
    in_staging = dora.lead_time(sc.conn, sc.scope(environment="staging"), sc.rules, sc.bench)
    assert [(p.id, p.deployment_id) for p in in_staging.drilldown] == [(ids["pr2"], staging)]

    sc.link(DoraRules(production_pattern="^(staging|production)$"))
    assert sc.rows(first) == [
        (ids["pr1"], ids["d1"]),
        (ids["pr2"], staging),
        (ids["pr3"], ids["d2"]),
    ]
    lt = dora.lead_time(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert {p.id: p.deployment_id for p in lt.drilldown}[ids["pr2"]] == staging
    # a relink over unchanged data writes nothing
    before = sc.rows("SELECT id, is_first FROM deployments_prs ORDER BY id")
    sc.link()
    assert sc.rows("SELECT id, is_first FROM deployments_prs ORDER BY id") == before


def test_the_drilldown_pages_through_the_prs_in_deployment_order(sc: Scenario) -> None:
    ids = _three_prs(sc)
    whole = dora.lead_time(sc.conn, sc.scope(), sc.rules, sc.bench)
    # d1 (+2 h) ships pr1; d2 (+32 h) pr2 then pr3 (ties by deployment time: by PR id)
    assert [p.id for p in whole.drilldown] == [ids["pr1"], ids["pr2"], ids["pr3"]]
    for limit, offset in ((1, 0), (1, 1), (2, 1), (5, 2), (2, 3), (0, 0)):
        page = dora.lead_time(
            sc.conn,
            sc.scope().model_copy(update={"drilldown_limit": limit, "drilldown_offset": offset}),
            sc.rules,
            sc.bench,
        )
        assert page.drilldown == whole.drilldown[offset : offset + limit], (limit, offset)
        assert (page.value, page.sample_size, page.drilldown_total) == (12, 3, 3)
