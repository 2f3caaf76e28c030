"""The DORA figures computed straight from the local servers' generated
organisation (the rules of docs/metrics.md, default settings, no project
mapped to a repository), never from Pulse's database: what the overview must
show after a sync."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pulse_fakes import GithubOrg, JiraOrg
from tests.etl.test_dora import expected_first_deployments

ISO = dt.datetime.fromisoformat


@dataclass(frozen=True)
class Expected:
    deployments: int
    lead_time_hours: float | None
    lead_time_sample: int
    change_failure_rate: float | None


def counted_deployments(org: GithubOrg) -> list[tuple[dt.datetime, int]]:
    """(finished, id) of successful production deployments, oldest first.
    A deployment's end is its last status other than ``inactive`` (which
    only says a later one superseded it)."""
    out = []
    for deps in org.deployments.values():
        for d in deps:
            final = next(s for s in org.statuses[d["id"]] if s["state"] != "inactive")
            if d["environment"] == "production" and final["state"] == "success":
                out.append((ISO(final["created_at"]), d["id"]))
    return sorted(out)


def expected(github: GithubOrg, jira: JiraOrg, incident_types: tuple[str, ...]) -> Expected:
    deps = counted_deployments(github)
    shipped = expected_first_deployments(github)

    def first_commit(repo: str, number: int) -> dt.datetime:
        pr = github.pull(repo, number)
        return min(ISO(c["commit"]["author"]["date"]) for c in pr.commits)

    hours = [
        (finished - first_commit(repo, n)).total_seconds() / 3600
        for (repo, n), (_, finished) in shipped.items()
    ]
    # An incident is raised when its issue is created, and caused by the last
    # production deployment that finished strictly before (tenant-wide).
    failed = set()
    for issue in jira.issues:
        if issue.fields["issuetype"]["name"] in incident_types:
            before = [d for d in deps if d[0] < issue.created]
            if before:
                failed.add(before[-1][1])
    return Expected(
        deployments=len(deps),
        lead_time_hours=sorted(hours)[(len(hours) - 1) // 2] if hours else None,  # lower median
        lead_time_sample=len(hours),
        change_failure_rate=100.0 * len(failed) / len(deps) if deps else None,
    )


def format_hours(h: float) -> str:
    """The web app's formatHours (services/frontend/src/analytics/metrics.ts)."""
    if h < 1:
        return f"{round(h * 60)} min"
    if h < 48:
        return f"{h:.1f} h" if h < 10 else f"{round(h)} h"
    d = h / 24
    return f"{d:.1f} days" if d < 10 else f"{round(d)} days"


def overview_tiles(want: Expected) -> dict[str, dict[str, str | None]]:
    """What the overview's tiles must show, as the web app formats it."""
    assert want.lead_time_hours is not None and want.change_failure_rate is not None
    return {
        "lead_time_for_changes": {
            "value": format_hours(want.lead_time_hours),
            "sample": f"Sample: {want.lead_time_sample}",
        },
        "change_failure_rate": {
            "value": f"{want.change_failure_rate:.1f} %",
            "sample": f"Sample: {want.deployments}",
        },
    }
