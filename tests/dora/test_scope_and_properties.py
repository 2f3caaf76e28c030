"""Filters, scope validation, invariance to row order and additivity."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from pydantic import ValidationError

from pulse_common.analytics import dora
from pulse_common.analytics.scope import Scope
from tests.dora.conftest import T0, Scenario, h


def test_scope_validation_names_the_field() -> None:
    with pytest.raises(ValidationError, match="start"):
        Scope(start=dt.datetime(2026, 1, 1), end=T0)
    with pytest.raises(ValidationError, match="end must be after start"):
        Scope(start=T0, end=T0)
    with pytest.raises(ValidationError, match="timezone"):
        Scope(start=T0, end=h(1), timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="report_year"):
        Scope(start=T0, end=h(1), report_year=2019)
    with pytest.raises(ValidationError, match="drilldown_limit"):
        Scope(start=T0, end=h(1), drilldown_limit=-1)


def _two_repos(sc: Scenario) -> dict[str, int]:
    api, web = sc.repo("api"), sc.repo("web")
    p_api, p_web = sc.project("API", api), sc.project("WEB", web)
    a = sc.pr(api, first_commit=h(0), opened=h(1), merged=h(2), author="ada")
    w = sc.pr(web, first_commit=h(0), opened=h(1), merged=h(5), author="zed")
    da = sc.deploy(api, sc.sha_of(a), h(3))
    dw = sc.deploy(web, sc.sha_of(w), h(6))
    sc.incident(h(4), h(5), project=p_api)
    sc.link()
    return {"api": api, "web": web, "p_api": p_api, "p_web": p_web, "da": da, "dw": dw}


FILTERS = [
    ({}, {"da", "dw"}),
    ({"repository_ids": "api"}, {"da"}),
    ({"project_ids": "p_web"}, {"dw"}),
    ({"authors": ("ada",)}, {"da"}),
    ({"authors": ("nobody",)}, set()),
]


def _filter_kw(ids: dict[str, int], filters: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if k == "authors" else (ids[v],)) for k, v in filters.items()}


@pytest.mark.parametrize(("filters", "expected"), FILTERS)
def test_filters_select_deployments(
    sc: Scenario, filters: dict[str, Any], expected: set[str]
) -> None:
    ids = _two_repos(sc)
    kw = _filter_kw(ids, filters)
    cfr = dora.change_failure_rate(sc.conn, sc.scope(**kw), sc.rules, sc.bench)
    assert {d.id for d in cfr.drilldown} == {ids[e] for e in expected}
    mttr = dora.mttr(sc.conn, sc.scope(**kw), sc.rules, sc.bench)
    assert mttr.sample_size == (1 if "da" in expected else 0)


@pytest.mark.parametrize(("filters", "expected"), FILTERS)
def test_filters_reach_every_figure(
    sc: Scenario, filters: dict[str, Any], expected: set[str]
) -> None:
    # The same filters on the other figures (docs/metrics.md, "Filters"):
    # deployment frequency and rework rate keep the scoped deployments, lead
    # time the PRs of the scoped repositories or team (a = api's, by ada;
    # w = web's, by zed), recovery time the incidents linked to a scoped
    # deployment (the only incident is API's, linked to da).
    ids = _two_repos(sc)
    scope = sc.scope(**_filter_kw(ids, filters))
    prs = dict(sc.rows("SELECT repository_id, id FROM prs"))
    df = dora.deployment_frequency(sc.conn, scope, sc.rules, sc.bench)
    assert {d.id for d in df.drilldown} == {ids[e] for e in expected}
    rr = dora.rework_rate(sc.conn, scope, sc.rules, sc.bench)
    assert {d.id for d in rr.drilldown} == {ids[e] for e in expected}
    lt = dora.lead_time(sc.conn, scope, sc.rules, sc.bench)
    shipped_by = {"da": prs[ids["api"]], "dw": prs[ids["web"]]}
    assert {p.id for p in lt.drilldown} == {shipped_by[e] for e in expected}
    rt = dora.recovery_time(sc.conn, scope, sc.rules, sc.bench)
    assert (rt.sample_size, rt.value) == ((1, 2) if "da" in expected else (0, None))


def test_figures_are_additive_over_disjoint_repositories(sc: Scenario) -> None:
    ids = _two_repos(sc)
    total = dora.change_failure_rate(sc.conn, sc.scope(), sc.rules, sc.bench)
    parts = [
        dora.change_failure_rate(sc.conn, sc.scope(repository_ids=(ids[r],)), sc.rules, sc.bench)
        for r in ("api", "web")
    ]
    assert total.sample_size == sum(p.sample_size for p in parts)
    assert total.failed_deployments == sum(p.failed_deployments for p in parts)
    df = dora.deployment_frequency(sc.conn, sc.scope(), sc.rules, sc.bench)
    assert df.sample_size == sum(
        dora.deployment_frequency(
            sc.conn, sc.scope(repository_ids=(ids[r],)), sc.rules, sc.bench
        ).sample_size
        for r in ("api", "web")
    )


def _random_world(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    prs, deps, incidents = [], [], []
    for i in range(12):
        merged = rng.uniform(0, 120)
        prs.append(
            {
                "key": i,
                "repo": rng.choice(["api", "web"]),
                "first_commit": merged - rng.uniform(2, 40),
                "opened": merged - rng.uniform(0.5, 2),
                "review": rng.choice([None, merged - 0.25]),
                "merged": merged,
            }
        )
    for i, pr in enumerate(prs):
        if rng.random() < 0.8:
            deps.append(
                {"key": i, "repo": pr["repo"], "pr": i, "at": pr["merged"] + rng.uniform(0.1, 30)}
            )
    for i in range(6):
        at = rng.uniform(0, 160)
        incidents.append(
            {"key": i, "at": at, "resolved": rng.choice([None, at + rng.uniform(0.1, 50)])}
        )
    return {"prs": prs, "deps": deps, "incidents": incidents}


def _load(
    sc: Scenario, world: dict[str, list[dict[str, Any]]], rng: random.Random
) -> dict[str, int]:
    repos = {"api": sc.repo(f"api{rng.random()}"), "web": sc.repo(f"web{rng.random()}")}
    shas: dict[int, str] = {}
    for pr in rng.sample(world["prs"], len(world["prs"])):
        reviews = (("bob", h(pr["review"])),) if pr["review"] is not None else ()
        pid = sc.pr(
            repos[pr["repo"]],
            first_commit=h(pr["first_commit"]),
            opened=h(pr["opened"]),
            merged=h(pr["merged"]),
            reviews=reviews,
        )
        shas[pr["key"]] = sc.sha_of(pid)
    for d in rng.sample(world["deps"], len(world["deps"])):
        sc.deploy(repos[d["repo"]], shas[d["pr"]], h(d["at"]), rollback=d.get("rollback", False))
    for i in rng.sample(world["incidents"], len(world["incidents"])):
        sc.incident(h(i["at"]), h(i["resolved"]) if i["resolved"] is not None else None)
    sc.link()
    return repos


def _figures(sc: Scenario) -> list[tuple[Any, ...]]:
    scope = sc.scope(days=10)
    out = []
    for fn in (
        dora.deployment_frequency,
        dora.lead_time,
        dora.change_failure_rate,
        dora.recovery_time,
        dora.mttr,
        dora.rework_rate,
    ):
        f = fn(sc.conn, scope, sc.rules, sc.bench)
        out.append((f.metric, f.value, f.level, f.sample_size))
    lt = dora.lead_time(sc.conn, scope, sc.rules, sc.bench)
    out.append(tuple(sorted(p.cycle_hours for p in lt.drilldown)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_metrics_do_not_depend_on_row_order(sc: Scenario, seed: int) -> None:
    world = _random_world(random.Random(seed))
    results = []
    for shuffle in range(3):
        sp = sc.conn.begin_nested()
        _load(sc, world, random.Random(100 * seed + shuffle))
        results.append(_figures(sc))
        sp.rollback()
    assert results[0] == results[1] == results[2]
    assert results[0][1][3] > 0  # lead time had a sample: the comparison means something


def _counts(sc: Scenario, scope: Scope, *, by_repository: bool = False) -> dict[str, int]:
    """The counts behind each figure that partitions of the deployments (or
    of the incidents by detection time) must add up to."""
    out: dict[str, int] = {}
    df = dora.deployment_frequency(sc.conn, scope, sc.rules, sc.bench)
    lt = dora.lead_time(sc.conn, scope, sc.rules, sc.bench)
    cfr = dora.change_failure_rate(sc.conn, scope, sc.rules, sc.bench)
    rt = dora.recovery_time(sc.conn, scope, sc.rules, sc.bench)
    rr = dora.rework_rate(sc.conn, scope, sc.rules, sc.bench)
    out |= {"deployments": df.sample_size, "deployed_prs": lt.sample_size}
    out |= {"cfr_deployments": cfr.sample_size, "failed": cfr.failed_deployments}
    out |= {"recoveries": rt.sample_size, "resolved": rt.resolved, "open": rt.unresolved}
    out |= {"rr_deployments": rr.sample_size, "rework": rr.rework_deployments}
    if not by_repository:
        # An incident matches a repository through its linked deployment
        # only: the unlinked ones (before any deployment) belong to no part.
        mttr = dora.mttr(sc.conn, scope, sc.rules, sc.bench)
        out |= {"incidents": mttr.sample_size, "open_incidents": mttr.unresolved}
    return out


def _sum(parts: list[dict[str, int]]) -> dict[str, int]:
    return {k: sum(p[k] for p in parts) for k in parts[0]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_are_additive_over_adjacent_ranges_and_repositories(sc: Scenario, seed: int) -> None:
    # Every figure counts a deployment (or a PR, by the deployment that
    # shipped it; an incident, by the deployment it is linked to or by its
    # detection) in exactly one of two adjacent half-open ranges, and in
    # exactly one repository. The ranges split exactly at a deployment's
    # finish and at an incident's detection, where a closed end would count
    # it twice.
    rng = random.Random(seed)
    world = _random_world(rng)
    for d in world["deps"]:
        d["rollback"] = rng.random() < 0.2  # so that the rework rate counts some
    repos = _load(sc, world, rng)
    whole = sc.scope(days=10)
    at_deployment = h(sorted(d["at"] for d in world["deps"])[len(world["deps"]) // 2])
    at_incident = h(sorted(i["at"] for i in world["incidents"])[len(world["incidents"]) // 2])
    total = _counts(sc, whole)
    assert total["deployments"] > 0 and total["deployed_prs"] > 0 and total["incidents"] > 0
    for cut in (at_deployment, at_incident):
        halves = [
            _counts(sc, Scope(start=whole.start, end=cut)),
            _counts(sc, Scope(start=cut, end=whole.end)),
        ]
        assert _sum(halves) == total, cut
    per_repo = [
        _counts(sc, sc.scope(days=10, repository_ids=(r,)), by_repository=True)
        for r in repos.values()
    ]
    assert _sum(per_repo) == {k: v for k, v in total.items() if k in per_repo[0]}
