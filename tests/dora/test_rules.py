"""The linking rules and the median, without a database."""

from __future__ import annotations

import random

from pulse_common.analytics.median import lower_median
from pulse_common.dora.markers import pr_markers
from pulse_common.dora.rules import (
    CommitRow,
    DeploymentRow,
    IncidentRow,
    MergedPr,
    commit_ranges,
    first_deployment_of_prs,
    incident_links,
    pr_links,
)
from pulse_common.dora.settings import DoraRules
from pulse_common.models.enums import IncidentLinkMethod
from tests.dora.conftest import h


def test_lower_median_matches_devlakes_percent_rank_rule() -> None:
    def devlake(values: list[float]) -> float:
        # percent_rank() = (rank - 1) / (n - 1), ties share the lowest rank; max where <= 0.5
        s = sorted(values)
        n = len(s)
        ranks = [(s.index(v)) / (n - 1) if n > 1 else 0.0 for v in s]
        return max(v for v, r in zip(s, ranks, strict=True) if r <= 0.5)

    assert lower_median([]) is None
    assert lower_median([5]) == 5
    assert lower_median([4, 1]) == 1  # the lower of the two middle values, no averaging
    assert lower_median([3, 1, 2, 10]) == 2
    rng = random.Random(7)
    for _ in range(300):
        values = [float(rng.randint(0, 6)) for _ in range(rng.randint(1, 9))]
        assert lower_median(values) == devlake(values)


def test_unresolved_values_rank_above_every_number() -> None:
    assert lower_median([1, 2, None]) == 2
    assert lower_median([1, None]) == 1
    assert lower_median([1, None, None]) is None


def _c(i: int, repo: int, hours: float, default: bool = True) -> CommitRow:
    return CommitRow(i, repo, f"s{i}", h(hours), default)


def test_commit_ranges_chain_per_repository_and_environment() -> None:
    commits = [_c(1, 1, 1), _c(2, 1, 2), _c(3, 1, 3), _c(4, 1, 4), _c(5, 1, 3.5, default=False)]
    deps = [
        DeploymentRow(10, 1, "production", "s1", h(1.5)),  # first: only its head
        DeploymentRow(11, 1, "staging", "s3", h(3.2)),  # another chain
        DeploymentRow(12, 1, "production", "s3", h(3.5)),  # (s1, s3] = s2, s3
        DeploymentRow(13, 1, "production", "s2", h(3.6)),  # rollback: only its head
        DeploymentRow(14, 1, "production", "s4", h(5)),  # (s2, s4] = s3, s4 again
        DeploymentRow(15, 1, "production", "unknown", h(6)),
    ]
    ranges = commit_ranges(reversed(deps), reversed(commits))
    assert {k: sorted(v) for k, v in ranges.items()} == {
        10: [1],
        11: [3],
        12: [2, 3],
        13: [2],
        14: [3, 4],
        15: [],
    }
    prs = [MergedPr(100, 1, "s3"), MergedPr(101, 1, "s2"), MergedPr(102, 2, "s3")]
    links = pr_links(ranges, commits, prs)
    assert links == [(11, 100), (12, 100), (12, 101), (13, 101), (14, 100)]
    production = {d.id: d.finished_at for d in deps if d.environment == "production"}
    assert first_deployment_of_prs(links, production) == {100: 12, 101: 12}


def test_incident_links_scope_window_and_declared_cause() -> None:
    deps = [
        DeploymentRow(1, 10, "production", "a", h(1)),
        DeploymentRow(2, 20, "production", "b", h(2)),
        DeploymentRow(3, 10, "production", "c", h(5)),
    ]
    incidents = [
        IncidentRow(100, h(0.5)),  # before any deployment: no link
        IncidentRow(101, h(3), project_id=7),  # project 7 = repo 10 → deployment 1
        IncidentRow(102, h(3)),  # tenant-wide → deployment 2
        IncidentRow(103, h(5)),  # strictly before: deployment 3 finished at the same instant
        IncidentRow(104, h(9), repository_id=20),
        IncidentRow(105, h(9), declared_deployment_id=1),
        IncidentRow(106, h(9), project_id=8),  # project without repositories
    ]
    got = incident_links(incidents, deps, {7: [10], 8: []})
    m = IncidentLinkMethod
    assert got == [
        (101, 1, m.last_production_deployment),
        (102, 2, m.last_production_deployment),
        (103, 2, m.last_production_deployment),
        (104, 2, m.last_production_deployment),
        (105, 1, m.declared),
    ]
    windowed = incident_links(incidents, deps, {7: [10]}, window_hours=2)
    assert (104, 2, m.last_production_deployment) not in windowed
    assert (101, 1, m.last_production_deployment) in windowed


def test_markers_follow_the_tenant_patterns() -> None:
    rules = DoraRules()
    assert pr_markers(rules, 'Revert "Add login"', "revert-12-login") == (False, True)
    assert pr_markers(rules, "HOTFIX: null deref", None) == (True, False)
    assert pr_markers(rules, "Fix hotfixes doc", "docs") == (False, False)
    assert pr_markers(rules, "Nothing", "hot-fix/42") == (True, False)
    custom = DoraRules(hotfix_pattern="^urgent")
    assert pr_markers(custom, "urgent: pager", None) == (True, False)
