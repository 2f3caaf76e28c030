"""Change failure rate, failed deployment recovery time and MTTR,
hand-computed (times in hours from T0)."""

from __future__ import annotations

import pytest

from pulse_common.analytics import dora
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraLevel
from pulse_common.models.enums import IncidentLinkMethod
from tests.dora.conftest import Scenario, h


def _story(sc: Scenario) -> dict[str, int]:
    api = sc.repo("api")
    proj = sc.project("API", api)
    ids = {"api": api, "proj": proj}
    for name, at in (("d1", 2), ("d2", 32), ("d3", 50)):
        ids[name] = sc.deploy(api, f"{name}-sha", h(at))
    ids["failed"] = sc.deploy(api, "f-sha", h(40), status="failure")  # never live
    ids["i0"] = sc.incident(h(-5), h(-4), project=proj)  # before any deployment
    ids["i1"] = sc.incident(h(3), h(5), project=proj)  # → d1
    ids["i2"] = sc.incident(h(41), None, project=proj)  # open → d2 (the failure is no deployment)
    ids["i3"] = sc.incident(h(33), h(36), project=proj)  # → d2
    sc.link()
    return ids


def test_change_failure_rate(sc: Scenario) -> None:
    ids = _story(sc)
    links = sc.rows("SELECT incident_id, deployment_id, link_method FROM incidents_deployments")
    m = IncidentLinkMethod.last_production_deployment.value
    assert sorted(links) == sorted(
        [(ids["i1"], ids["d1"], m), (ids["i2"], ids["d2"], m), (ids["i3"], ids["d2"], m)]
    )
    cfr = dora.change_failure_rate(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert (cfr.sample_size, cfr.failed_deployments) == (3, 2)
    assert cfr.value == pytest.approx(200 / 3)
    assert cfr.level is DoraLevel.low
    assert [d.failed for d in cfr.drilldown] == [True, True, False]
    # Each incident's recovery (deployment → resolution) as on the recovery
    # page: the drill-down shows "unresolved" only for the open one.
    assert sorted((i.id, i.hours) for i in cfr.incidents) == sorted(
        [(ids["i1"], 3), (ids["i3"], 4), (ids["i2"], None)]
    )


def test_failed_deployment_recovery_time_counts_open_incidents_as_unresolved(
    sc: Scenario,
) -> None:
    ids = _story(sc)
    rt = dora.recovery_time(sc.conn, sc.scope(), sc.rules, sc.bench)
    # i1: 5 - 2 = 3 h; i3: 36 - 32 = 4 h; i2 open → [3, 4, open] → 4 h
    assert sorted((i.id, i.hours) for i in rt.drilldown) == sorted(
        [(ids["i1"], 3), (ids["i3"], 4), (ids["i2"], None)]
    )
    assert (rt.value, rt.sample_size, rt.resolved, rt.unresolved) == (4, 3, 2, 1)
    assert rt.level is DoraLevel.high
    # Were the open incident counted as zero, the median would be 3 h.


def test_the_summary_words_one_open_incident_in_the_singular(sc: Scenario) -> None:
    from pulse_backend.analytics.summary import executive_summary

    _story(sc)  # one incident caused by a deployment is still open
    summary = executive_summary(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert "1 incident caused by deployments in this period is still open." in summary.insights


def test_mttr_measures_detection_to_resolution_of_incidents_detected_in_range(
    sc: Scenario,
) -> None:
    _story(sc)
    mttr = dora.mttr(sc.conn, sc.scope(), sc.rules, sc.bench)
    # i0 1 h, i1 2 h, i3 3 h, i2 open → [1, 2, 3, open] → 2 h
    assert (mttr.value, mttr.sample_size, mttr.unresolved) == (2, 4, 1)
    assert mttr.level is DoraLevel.high


def test_mostly_open_incidents_give_no_median_and_the_lowest_level(sc: Scenario) -> None:
    api = sc.repo("api")
    sc.deploy(api, "x", h(1))
    sc.incident(h(2), h(3), repo=api)
    sc.incident(h(4), None, repo=api)
    sc.link()
    rt = dora.recovery_time(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert (rt.value, rt.level, rt.unresolved) == (2, DoraLevel.high, 1)  # [2 h, open]: half
    sc.incident(h(5), None, repo=api)
    sc.link()
    rt = dora.recovery_time(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert (rt.value, rt.level, rt.unresolved) == (None, DoraLevel.low, 2)  # more than half


def test_no_deployments_and_no_incidents(sc: Scenario) -> None:
    cfr = dora.change_failure_rate(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert (cfr.value, cfr.level, cfr.sample_size) == (None, None, 0)
    api = sc.repo("api")
    sc.deploy(api, "x", h(1))
    sc.link()
    cfr = dora.change_failure_rate(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert (cfr.value, cfr.level, cfr.sample_size) == (0, DoraLevel.elite, 1)
    rt = dora.recovery_time(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert (rt.value, rt.level, rt.sample_size) == (None, None, 0)


def test_relink_is_idempotent_and_keeps_manual_links(sc: Scenario) -> None:
    ids = _story(sc)
    sc.conn.exec_driver_sql(
        "DELETE FROM incidents_deployments WHERE incident_id = %(i)s", {"i": ids["i3"]}
    )
    sc.conn.exec_driver_sql(
        "INSERT INTO incidents_deployments (tenant_id, incident_id, deployment_id, link_method) "
        "VALUES (%(t)s, %(i)s, %(d)s, 'manual')",
        {"t": sc.tenant_id, "i": ids["i3"], "d": ids["d3"]},
    )
    first = sc.link()
    rows = "SELECT id, incident_id, deployment_id FROM incidents_deployments ORDER BY id"
    before = sc.rows(rows)
    second = sc.link()
    assert first == second
    assert sc.rows(rows) == before  # unchanged data: nothing rewritten
    assert sc.rows(
        f"SELECT deployment_id, link_method FROM incidents_deployments WHERE incident_id = {ids['i3']}"
    ) == [(ids["d3"], "manual")]


def test_incidents_link_to_production_deployments_across_environments(sc: Scenario) -> None:
    # Several environments: a later staging deployment never takes the
    # incident; with a pattern naming two production environments, the latest
    # deployment to either does.
    api = sc.repo("api")
    proj = sc.project("API", api)
    prod = sc.deploy(api, "p-sha", h(2))
    eu = sc.deploy(api, "eu-sha", h(3), env="prod-eu")
    sc.deploy(api, "s-sha", h(4), env="staging")
    inc = sc.incident(h(5), h(7), project=proj)
    sc.link()
    links = "SELECT incident_id, deployment_id FROM incidents_deployments"
    assert sc.rows(links) == [(inc, prod)]
    cfr = dora.change_failure_rate(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert (cfr.sample_size, cfr.failed_deployments) == (1, 1)
    rt = dora.recovery_time(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert (rt.value, rt.sample_size) == (5, 1)  # 7 - 2

    both = DoraRules(production_pattern="^prod")
    sc.link(both)
    assert sc.rows(links) == [(inc, eu)]
    cfr = dora.change_failure_rate(sc.conn, sc.scope(), both, sc.bench)
    assert (cfr.sample_size, cfr.failed_deployments) == (2, 1)
    assert {d.id: d.failed for d in cfr.drilldown} == {prod: False, eu: True}
    rt = dora.recovery_time(sc.conn, sc.scope(), both, sc.bench)
    assert (rt.value, rt.sample_size) == (4, 1)  # 7 - 3


def test_mttr_for_a_team_counts_the_incidents_of_its_deployments(sc: Scenario) -> None:
    # docs/metrics.md, "Filters": an incident is a team's through its linked
    # deployment; one detected before any deployment has none, so no team's.
    api = sc.repo("api")
    proj = sc.project("API", api)
    pr = sc.pr(api, first_commit=h(0), opened=h(0.5), merged=h(1), author="ada")
    sc.deploy(api, sc.sha_of(pr), h(2))
    sc.incident(h(-5), h(-4), project=proj)  # before any deployment: unlinked
    linked = sc.incident(h(3), h(4), project=proj)
    sc.link()
    everyone = dora.mttr(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert everyone.sample_size == 2
    ada = dora.mttr(sc.conn, sc.scope(authors=("ada",)), sc.rules, sc.bench)
    assert [(i.id, i.hours) for i in ada.drilldown] == [(linked, 1)]
    zed = dora.mttr(sc.conn, sc.scope(authors=("zed",)), sc.rules, sc.bench)
    assert zed.sample_size == 0
