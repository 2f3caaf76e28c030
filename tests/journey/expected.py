"""The five DORA figures computed straight from the local servers' generated
organisation (the rules of docs/metrics.md, default settings, UTC, no
project mapped to a repository), never from Pulse's database: what the API
and the overview must show after a sync, over the overview's default period
(the 90 days up to the next UTC midnight)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass

from pulse_backend.analytics.wording import fmt_count, fmt_value
from pulse_fakes import GithubOrg, JiraOrg
from tests.etl.test_dora import expected_first_deployments

ISO = dt.datetime.fromisoformat
DAYS = 90  # the web app's DEFAULT_DAYS and the API's default span
# docs/metrics.md's default markers (dora_settings.hotfix_pattern, revert_pattern).
HOTFIX = re.compile(r"(^|[^a-z])hot-?fix([^a-z]|$)")
REVERT = re.compile(r"^revert([^a-z]|$)")


@dataclass(frozen=True)
class Expected:
    deployments: int
    deployment_frequency: float | None  # per day
    lead_time_hours: float | None
    lead_time_sample: int
    change_failure_rate: float | None
    recovery_hours: float | None
    recovery_sample: int
    rework_rate: float | None


def period(today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end): ``DAYS`` days up to the next UTC midnight."""
    today = today or dt.datetime.now(dt.UTC).date()
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
    return end - dt.timedelta(days=DAYS), end


def lower_median(values: list[float | None]) -> float | None:
    """Unresolved (None) ranks above every value; None when it is the median."""
    ordered = sorted(math.inf if v is None else v for v in values)
    if not ordered:
        return None
    m = ordered[(len(ordered) - 1) // 2]
    return None if math.isinf(m) else m


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


def deployment_frequency(
    finished: list[dt.datetime], start: dt.datetime, end: dt.datetime
) -> float:
    """Deployment days per calendar week (Monday first) and month of the
    period, empty and partial ones included: the weekly lower median ÷ 7
    when it is at least 1, else the monthly one ÷ 30."""
    deployed = {f.date() for f in finished}
    first, last = start.date(), (end - dt.timedelta(microseconds=1)).date()
    weeks: dict[dt.date, int] = defaultdict(int)
    months: dict[dt.date, int] = defaultdict(int)
    for i in range((last - first).days + 1):
        day = first + dt.timedelta(days=i)
        weeks[day - dt.timedelta(days=day.weekday())] += day in deployed
        months[day.replace(day=1)] += day in deployed
    weekly = lower_median(list(weeks.values()))
    monthly = lower_median(list(months.values()))
    assert weekly is not None and monthly is not None
    return weekly / 7 if weekly >= 1 else monthly / 30


def expected(
    github: GithubOrg,
    jira: JiraOrg,
    incident_types: tuple[str, ...],
    today: dt.date | None = None,
) -> Expected:
    start, end = period(today)
    deps = [(f, i) for f, i in counted_deployments(github) if start <= f < end]
    in_range = {i for _, i in deps}
    shipped = {
        pr: dep for pr, dep in expected_first_deployments(github).items() if dep[0] in in_range
    }

    def first_commit(repo: str, number: int) -> dt.datetime:
        pr = github.pull(repo, number)
        return min(ISO(c["commit"]["author"]["date"]) for c in pr.commits)

    hours: list[float | None] = [
        (finished - first_commit(repo, n)).total_seconds() / 3600
        for (repo, n), (_, finished) in shipped.items()
    ]
    # An incident is raised when its issue is created, and caused by the last
    # production deployment that finished strictly before (tenant-wide).
    failed: set[int] = set()
    recovery: list[float | None] = []
    for issue in jira.issues:
        if issue.fields["issuetype"]["name"] not in incident_types:
            continue
        before = [d for d in counted_deployments(github) if d[0] < issue.created]
        if not before or before[-1][1] not in in_range:
            continue
        finished, dep_id = before[-1]
        failed.add(dep_id)
        resolved = issue.fields.get("resolutiondate")
        recovery.append(
            None if resolved is None else (ISO(resolved) - finished).total_seconds() / 3600
        )
    # Rework: a deployment that shipped a hotfix or revert PR (title or
    # branch). The other rule, a PR linked to a Bug or Incident work item,
    # never applies here: the ETL stores no PR-work item links.
    rework = {
        dep_id for (repo, n), (dep_id, _) in shipped.items() if is_rework(github.pull(repo, n).data)
    }
    return Expected(
        deployments=len(deps),
        deployment_frequency=deployment_frequency([f for f, _ in deps], start, end),
        lead_time_hours=lower_median(hours),
        lead_time_sample=len(hours),
        change_failure_rate=100.0 * len(failed) / len(deps) if deps else None,
        recovery_hours=lower_median(recovery),
        recovery_sample=len(recovery),
        rework_rate=100.0 * len(rework) / len(deps) if deps else None,
    )


def is_rework(pr: dict[str, object]) -> bool:
    title, branch = str(pr["title"]).lower(), str(pr["head"]["ref"]).lower()  # type: ignore[index]
    return any(p.search(t) for p in (HOTFIX, REVERT) for t in (title, branch))


def mark_rework(github: GithubOrg) -> list[tuple[str, int]]:
    """Before the sync, as developers would: one shipped PR becomes a hotfix
    and another a revert (in two different deployments)."""
    by_deployment: dict[int, tuple[str, int]] = {}
    for pr, (dep_id, _) in sorted(expected_first_deployments(github).items()):
        by_deployment.setdefault(dep_id, pr)
    chosen = list(by_deployment.values())[:2]
    (r1, n1), (r2, n2) = chosen
    github.touch(r1, n1, "Hotfix: billing totals rounded twice")
    github.touch(r2, n2, 'Revert "Faster search index"')
    return chosen


def _tile(value: float | None, unit: str) -> str:
    """The web app's ``formatValue`` through its backend mirror (the one the
    assistant's answers use, pinned to the web app's strings by
    tests/backend/test_figure_wording.py): the tiles rendered by the web app
    must read as it does, so the two cannot drift apart unseen."""
    return "—" if value is None else fmt_value(value, unit)


def format_hours(h: float | None) -> str:
    """The web app's formatHours: rounded first, then the unit chosen."""
    return _tile(h, "hours")


def format_per_day(v: float | None) -> str:
    return _tile(v, "per_day")


def format_percent(v: float | None) -> str:
    return _tile(v, "percent")


def sample(n: int, one: str, many: str) -> str:
    """A tile's sample line: the count (thousands grouped) and what it counts."""
    return f"Sample: {fmt_count(n, one, many)}"


def overview_tiles(want: Expected) -> dict[str, dict[str, str | None]]:
    """What the overview's five tiles must show, as the web app formats it."""
    return {
        "deployment_frequency": {
            "value": format_per_day(want.deployment_frequency),
            "sample": sample(want.deployments, "deployment", "deployments"),
        },
        "lead_time_for_changes": {
            "value": format_hours(want.lead_time_hours),
            "sample": sample(want.lead_time_sample, "deployed PR", "deployed PRs"),
        },
        "change_failure_rate": {
            "value": format_percent(want.change_failure_rate),
            "sample": sample(want.deployments, "deployment", "deployments"),
        },
        "failed_deployment_recovery_time": {
            # No median while most of its incidents are open: the web app's
            # ``figureText`` says so ("Still open"), never a bare "—".
            "value": (
                "Still open"
                if want.recovery_hours is None and want.recovery_sample
                else format_hours(want.recovery_hours)
            ),
            "sample": sample(want.recovery_sample, "incident", "incidents"),
        },
        "rework_rate": {
            "value": format_percent(want.rework_rate),
            "sample": sample(want.deployments, "deployment", "deployments"),
        },
    }
