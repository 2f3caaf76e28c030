"""GitHub's last phase: what the DORA links are cut from.

- Releases, loaded as deployments marked ``release``, when the tenant's DORA
  settings ask for them as the fallback (``dora_settings.deployment_fallback``).
- The default-branch commits each successful deployment shipped: GitHub's
  compare between consecutive successful deployments of a repository, all
  environments together (and the head commit alone for the first one). Each
  environment's range (what the linking rules cut) is then a union of these,
  so every commit it needs is loaded, with fewer requests than per
  environment.

Which ranges to fetch is read from the database, not from the run: a range is
fetched while one of its ends is not loaded yet, so an incremental run
fetches only the new deployments' ranges and a resumed run picks up where the
killed one stopped (each fetch is committed as its own batch)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from psycopg import AsyncConnection

from pulse_etl.sources import github_models as gm
from pulse_etl.sources.batch import Batch, Row
from pulse_etl.sources.github import GithubConnector

DONE = {"done": True}
SHA = re.compile(r"^[0-9a-f]{40}$")

_DEPLOYMENTS = """
SELECT r.full_name, d.source, d.commit_sha
FROM deployments d JOIN repositories r ON r.id = d.repository_id
WHERE r.integration_id = %s AND d.status = 'success' AND d.finished_at IS NOT NULL
ORDER BY r.full_name, d.source, d.finished_at, d.id
"""
_LOADED = """
SELECT r.full_name, c.sha FROM commits c JOIN repositories r ON r.id = c.repository_id
WHERE r.integration_id = %s AND c.on_default_branch
"""


def commit_row(repo: str, c: gm.Commit) -> Row:
    who = c.author.login if c.author else c.commit.author.name
    committed = c.commit.committer.date if c.commit.committer else c.commit.author.date
    return (repo, c.sha, who, c.commit.message, c.commit.author.date, committed)


async def _fallback(conn: AsyncConnection[Any]) -> str:
    cur = await conn.execute("SELECT deployment_fallback FROM dora_settings LIMIT 1")
    row = await cur.fetchone()
    return str(row[0]) if row else "none"


async def _repos(conn: AsyncConnection[Any], integration_id: int) -> list[str]:
    cur = await conn.execute(
        "SELECT full_name FROM repositories WHERE integration_id = %s ORDER BY full_name",
        (integration_id,),
    )
    return [str(r[0]) for r in await cur.fetchall()]


async def release_batches(
    conn: AsyncConnection[Any], gh: GithubConnector, integration_id: int
) -> AsyncIterator[Batch]:
    """Releases as production deployments (finished when published); a tag
    that targets a branch is resolved to its commit."""
    if await _fallback(conn) != "releases":
        return
    for repo in await _repos(conn, integration_id):
        rows: list[Row] = []
        for rel in await gh.releases(repo):
            sha = rel.target_commitish
            if not SHA.match(sha):
                sha = (await gh.commit(repo, sha)).sha
            at = rel.published_at or rel.created_at
            rows.append(
                (f"release:{rel.id}", repo, "production", sha, "success", at, 0, at, at, "release")
            )
        yield Batch(f"releases {repo}", {"deployments": rows}, DONE, len(rows))


async def range_batches(
    conn: AsyncConnection[Any], gh: GithubConnector, integration_id: int
) -> AsyncIterator[Batch]:
    cur = await conn.execute(_LOADED, (integration_id,))
    loaded = {(str(repo), str(sha)) for repo, sha in await cur.fetchall()}
    cur = await conn.execute(_DEPLOYMENTS, (integration_id,))
    chains: dict[tuple[str, str], list[str]] = defaultdict(list)
    for repo, source, sha in await cur.fetchall():
        chains[(str(repo), str(source))].append(str(sha))
    for (repo, _source), heads in chains.items():
        previous: str | None = None
        for head in heads:
            if previous is None:
                wanted = (repo, head) not in loaded
                commits = [await gh.commit(repo, head)] if wanted else []
            elif head != previous and not {(repo, head), (repo, previous)} <= loaded:
                commits = (await gh.compare(repo, previous, head)).commits
            else:
                commits = []
            previous = head
            if not commits:
                continue
            rows = [commit_row(repo, c) for c in commits]
            loaded |= {(repo, c.sha) for c in commits}
            yield Batch(f"commits {repo}", {"commits": rows}, DONE, len(rows))
