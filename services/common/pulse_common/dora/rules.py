"""The linking rules as pure functions over plain rows (no database), so that
they are tested exhaustively and the ETL and tests share one definition.

Commit range of a deployment (DevLake's ``commits_diffs`` between a
deployment and the previous successful one of the same repository and
environment): Pulse has no git object graph, so history is the repository's
default-branch commits in ``committed_at`` order. The range of a successful
deployment D is its head commit plus the default-branch commits committed
after the previous successful deployment's head and up to D's head. The first
successful deployment of a (repository, environment) has only its head (there
is no earlier point to diff from: DevLake computes no diff either). A
rollback, whose head is older than the previous head, gets only its head; the
next deployment then re-covers the rolled-back commits, so a PR can lie in
two deployments' ranges: its deployment is the first to finish.

Incident link (DevLake's ``connect_incident_to_deployment``): the latest
successful production deployment that finished strictly before the incident
was detected, among the deployments of the incident's scope: its project's
repositories; else its repository's; else the tenant's. With a window of N
hours, only deployments finished within N hours before detection qualify. A
cause declared by the source wins over the rule.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pulse_common.models.enums import IncidentLinkMethod


@dataclass(frozen=True)
class DeploymentRow:
    id: int
    repository_id: int
    environment: str
    commit_sha: str
    finished_at: dt.datetime
    # Real deployments and a fallback's stand-ins are separate chains.
    source: str = "deployment"


@dataclass(frozen=True)
class CommitRow:
    id: int
    repository_id: int
    sha: str
    committed_at: dt.datetime
    on_default_branch: bool = True


@dataclass(frozen=True)
class MergedPr:
    id: int
    repository_id: int
    merge_commit_sha: str


@dataclass(frozen=True)
class IncidentRow:
    id: int
    detected_at: dt.datetime
    project_id: int | None = None
    repository_id: int | None = None
    declared_deployment_id: int | None = None


def commit_ranges(
    successful: Iterable[DeploymentRow], commits: Iterable[CommitRow]
) -> dict[int, list[int]]:
    """Deployment id → ids of the commits it shipped (see the module doc).
    ``successful`` are the successful deployments of every environment."""
    by_sha: dict[tuple[int, str], CommitRow] = {}
    history: dict[int, list[CommitRow]] = defaultdict(list)
    for c in commits:
        by_sha[(c.repository_id, c.sha)] = c
        if c.on_default_branch:
            history[c.repository_id].append(c)
    times: dict[int, list[dt.datetime]] = {}
    for repo, cs in history.items():
        cs.sort(key=lambda c: (c.committed_at, c.id))
        times[repo] = [c.committed_at for c in cs]

    chains: dict[tuple[int, str, str], list[DeploymentRow]] = defaultdict(list)
    for d in successful:
        chains[(d.repository_id, d.environment, d.source)].append(d)
    out: dict[int, list[int]] = {}
    for (repo, _env, _source), chain in chains.items():
        chain.sort(key=lambda d: (d.finished_at, d.id))
        prev_head: CommitRow | None = None
        for d in chain:
            head = by_sha.get((repo, d.commit_sha))
            if head is None:  # commit not loaded: nothing can be placed
                out[d.id] = []
                continue
            ids = [head.id]
            if prev_head is not None and head.committed_at > prev_head.committed_at:
                ts, cs = times.get(repo, []), history.get(repo, [])
                lo = bisect.bisect_right(ts, prev_head.committed_at)
                hi = bisect.bisect_right(ts, head.committed_at)
                ids += [c.id for c in cs[lo:hi] if c.id != head.id]
            out[d.id] = ids
            prev_head = head
    return out


def pr_links(
    ranges: Mapping[int, Sequence[int]],
    commits: Iterable[CommitRow],
    prs: Iterable[MergedPr],
) -> list[tuple[int, int]]:
    """(deployment id, PR id) for each PR whose merge commit is in a range."""
    sha_of = {c.id: (c.repository_id, c.sha) for c in commits}
    pr_of: dict[tuple[int, str], list[int]] = defaultdict(list)
    for p in prs:
        pr_of[(p.repository_id, p.merge_commit_sha)].append(p.id)
    links: set[tuple[int, int]] = set()
    for dep_id, commit_ids in ranges.items():
        for cid in commit_ids:
            key = sha_of.get(cid)
            if key is not None:
                links.update((dep_id, pr_id) for pr_id in pr_of.get(key, ()))
    return sorted(links)


def first_deployment_of_prs(
    links: Iterable[tuple[int, int]], finished: Mapping[int, dt.datetime]
) -> dict[int, int]:
    """PR id → the deployment (among ``finished``, e.g. production successes)
    that finished first; ties go to the lower id."""
    best: dict[int, tuple[dt.datetime, int]] = {}
    for dep_id, pr_id in links:
        at = finished.get(dep_id)
        if at is not None and (pr_id not in best or (at, dep_id) < best[pr_id]):
            best[pr_id] = (at, dep_id)
    return {pr: dep for pr, (_, dep) in best.items()}


def incident_links(
    incidents: Iterable[IncidentRow],
    production: Iterable[DeploymentRow],
    project_repositories: Mapping[int, Iterable[int]],
    window_hours: int | None = None,
) -> list[tuple[int, int, IncidentLinkMethod]]:
    """(incident id, deployment id, method); ``production`` are the
    successful production deployments. Incidents with no candidate get none."""
    deps = sorted(production, key=lambda d: (d.finished_at, d.id))
    repos_of = {p: set(rs) for p, rs in project_repositories.items()}
    scopes: dict[tuple[str, int], tuple[list[dt.datetime], list[DeploymentRow]]] = {}

    def scope(kind: str, key: int) -> tuple[list[dt.datetime], list[DeploymentRow]]:
        if (kind, key) not in scopes:
            if kind == "project":
                wanted = repos_of.get(key, set())
                ds = [d for d in deps if d.repository_id in wanted]
            elif kind == "repository":
                ds = [d for d in deps if d.repository_id == key]
            else:
                ds = deps
            scopes[(kind, key)] = ([d.finished_at for d in ds], ds)
        return scopes[(kind, key)]

    out: list[tuple[int, int, IncidentLinkMethod]] = []
    for inc in incidents:
        if inc.declared_deployment_id is not None:
            out.append((inc.id, inc.declared_deployment_id, IncidentLinkMethod.declared))
            continue
        if inc.project_id is not None:
            ts, ds = scope("project", inc.project_id)
        elif inc.repository_id is not None:
            ts, ds = scope("repository", inc.repository_id)
        else:
            ts, ds = scope("tenant", 0)
        i = bisect.bisect_left(ts, inc.detected_at) - 1  # strictly before
        if i < 0:
            continue
        d = ds[i]
        if window_hours is not None and inc.detected_at - d.finished_at > dt.timedelta(
            hours=window_hours
        ):
            continue
        out.append((inc.id, d.id, IncidentLinkMethod.last_production_deployment))
    return sorted(out)
