"""GitHub: repositories (an organisation and/or a list), then per repository
the pull requests updated since the watermark (``state=all``, newest update
first, stopping at the watermark) with their commits, reviews and review
comments, then deployments with their latest status. Pages follow ``Link``;
the first page of each listing is a conditional request in incremental runs
(a 304 means nothing changed there and costs no quota)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from pulse_etl.integrations import Integration
from pulse_etl.sources import github_models as gm
from pulse_etl.sources.batch import Batch, Row, Visited, resume_index
from pulse_etl.sources.http import Page, SourceClient
from pulse_etl.sources.validate import list_adapter, parse

T = TypeVar("T")
REVIEW_STATES = {
    "APPROVED": "approved",
    "CHANGES_REQUESTED": "changes_requested",
    "COMMENTED": "commented",
    "DISMISSED": "dismissed",
}
DEPLOY_STATES = {
    "success": "success",
    "inactive": "success",
    "failure": "failure",
    "error": "failure",
}
CHILD_CONCURRENCY = 4


class GithubConnector:
    def __init__(
        self, client: SourceClient, integration: Integration, etags: dict[str, str]
    ) -> None:
        self.client, self.integration = client, integration
        self.base = integration.api_url
        self.etags = etags  # from the last successful run
        self._children = asyncio.Semaphore(CHILD_CONCURRENCY)
        self.notices: list[str] = []

    async def all_pages(self, what: str, model: type[T], url: str, **params: Any) -> list[T]:
        out: list[T] = []
        next_url: str | None = url
        query: dict[str, Any] | None = {"per_page": 100, **params}
        adapter = list_adapter(model)
        visited = Visited("github", what)
        while next_url:
            page = await self.client.get(next_url, params=query)
            items: list[T] = parse("github", what, adapter, page.body)
            out.extend(items)
            next_url, query = (
                visited.follow(page.link("next"), len(items)),
                None,
            )  # the link carries the query
        return out

    async def repositories(self) -> list[gm.Repo]:
        """The organisation's and the configured repositories, once each (by
        GitHub id), by their current names: a configured one GitHub renamed
        or transferred answers from its new place (the client follows the
        redirect) and ``notices`` asks the admin to update the name."""
        found: dict[int, gm.Repo] = {}
        org = self.integration.organization
        if org:
            for r in await self.all_pages(
                f"repos of {org}", gm.Repo, f"{self.base}/orgs/{org}/repos"
            ):
                found[r.id] = r
        listed = {r.full_name for r in found.values()}
        for full in self.integration.repositories:
            if full not in listed:
                page = await self.client.get(f"{self.base}/repos/{full}")
                r = parse("github", f"repo {full}", gm.Repo, page.body)
                # Names are case-insensitive: "Acme/API" for "acme/api" is no rename.
                if r.full_name.lower() != full.lower():
                    self.notices.append(
                        f"{full} is now {r.full_name}; update the PulseTenant's repositories"
                    )
                found[r.id] = r
        return sorted(found.values(), key=lambda r: r.full_name)

    async def releases(self, repo: str) -> list[gm.Release]:
        return await self.all_pages(
            f"releases of {repo}", gm.Release, f"{self.base}/repos/{repo}/releases"
        )

    async def compare(self, repo: str, base: str, head: str) -> gm.Compare:
        page = await self.client.get(f"{self.base}/repos/{repo}/compare/{base}...{head}")
        return parse("github", f"compare {repo}", gm.Compare, page.body)

    async def commit(self, repo: str, ref: str) -> gm.Commit:
        page = await self.client.get(f"{self.base}/repos/{repo}/commits/{ref}")
        return parse("github", f"commit {ref} of {repo}", gm.Commit, page.body)

    async def batches(
        self, cursor: dict[str, Any], since: dt.datetime | None
    ) -> AsyncIterator[Batch]:
        if cursor.get("done"):  # killed after the listings: only the ranges remain
            return
        repos = await self.repositories()
        rows = [
            (r.full_name, str(r.id), r.name, r.default_branch, r.language, r.private, r.html_url)
            for r in repos
        ]
        yield Batch("repositories", {"repositories": rows}, {}, len(repos), notices=self.notices)
        names = [r.full_name for r in repos]
        start = resume_index(names, cursor.get("repo"))
        for i in range(start, len(names)):
            here = cursor if names[i] == cursor.get("repo") else {}
            nxt = {"repo": names[i + 1]} if i + 1 < len(names) else {"done": True}
            if here.get("part") != "deployments":
                async for batch in self._pulls(names[i], since, here.get("url")):
                    yield batch
                here = {}
            async for batch in self._deployments(names[i], since, here.get("url")):
                if batch.cursor.get("done"):
                    batch.cursor = nxt
                yield batch
        if start >= len(names):
            yield Batch("pulls", {}, {"done": True}, 0)

    async def _first(
        self, key: str, url: str, params: dict[str, Any], since: dt.datetime | None
    ) -> Page:
        return await self.client.get(
            url, params=params, etag=self.etags.get(key) if since else None
        )

    async def _pulls(
        self, repo: str, since: dt.datetime | None, url: str | None
    ) -> AsyncIterator[Batch]:
        key = f"pulls:{repo}"
        params = {"state": "all", "sort": "updated", "direction": "desc"}
        params["per_page"] = str(self.integration.page_size)
        adapter = list_adapter(gm.Pull)
        visited = Visited("github", f"pulls of {repo}", url)
        while True:
            if url is None:
                page = await self._first(key, f"{self.base}/repos/{repo}/pulls", params, since)
            else:
                page = await self.client.get(url)
            if page.not_modified:
                yield Batch(f"pulls {repo}", {}, {"repo": repo, "part": "deployments"}, 0)
                return
            etags = {key: page.headers["etag"]} if url is None and "etag" in page.headers else {}
            pulls = parse("github", f"pulls of {repo}", adapter, page.body)
            fresh = [p for p in pulls if since is None or p.updated_at >= since]
            children = await asyncio.gather(*(self._pull_children(repo, p) for p in fresh))
            rows = self._pull_rows(repo, fresh, children)
            link = page.link("next")
            last = link is None or len(fresh) < len(pulls)
            url = None if last else visited.follow(link, len(pulls))
            nxt = (
                {"repo": repo, "part": "deployments"}
                if last
                else {"repo": repo, "part": "pulls", "url": url}
            )
            keys = [f"pull:{p.id}" for p in fresh]
            estimate = _estimate(page, len(pulls))
            yield Batch(f"pulls {repo}", rows, nxt, len(fresh), estimate, etags, keys)
            if last:
                return

    async def _pull_children(
        self, repo: str, pr: gm.Pull
    ) -> tuple[list[gm.Commit], list[gm.Review], list[gm.ReviewComment]]:
        base = f"{self.base}/repos/{repo}/pulls/{pr.number}"
        async with self._children:
            commits = await self.all_pages(
                f"commits of {repo}#{pr.number}", gm.Commit, base + "/commits"
            )
            reviews = await self.all_pages(
                f"reviews of {repo}#{pr.number}", gm.Review, base + "/reviews"
            )
            comments = await self.all_pages(
                f"comments of {repo}#{pr.number}", gm.ReviewComment, base + "/comments"
            )
        return commits, reviews, comments

    def _pull_rows(
        self,
        repo: str,
        pulls: list[gm.Pull],
        children: list[tuple[list[gm.Commit], list[gm.Review], list[gm.ReviewComment]]],
    ) -> dict[str, list[Row]]:
        prs: list[Row] = []
        commits: list[Row] = []
        reviews: list[Row] = []
        comments: list[Row] = []
        for pr, (cs, rs, ms) in zip(pulls, children, strict=True):
            author = pr.user.login if pr.user else None
            state = "merged" if pr.merged_at else pr.state
            others = [
                r.submitted_at for r in rs if r.submitted_at and (r.user and r.user.login) != author
            ]
            others += [m.created_at for m in ms if (m.user and m.user.login) != author]
            first_commit = min((c.commit.author.date for c in cs), default=None)
            prs.append(
                (
                    repo,
                    pr.number,
                    str(pr.id),
                    pr.title[:500],
                    pr.body,
                    author,
                    state,
                    pr.head.ref,
                    pr.base.ref,
                    pr.merge_commit_sha,
                    pr.created_at,
                    first_commit,
                    min(others, default=None),
                    pr.merged_at,
                    pr.closed_at,
                )
            )
            for c in cs:
                committed = c.commit.committer.date if c.commit.committer else None
                who = c.author.login if c.author else c.commit.author.name
                commits.append(
                    (repo, pr.number, c.sha, who, c.commit.message, c.commit.author.date, committed)
                )
            for r in rs:
                if r.state in REVIEW_STATES and r.submitted_at is not None:
                    who = r.user.login if r.user else None
                    reviews.append(
                        (repo, pr.number, str(r.id), who, REVIEW_STATES[r.state], r.submitted_at)
                    )
            for m in ms:
                who = m.user.login if m.user else None
                comments.append((repo, pr.number, str(m.id), who, m.body, m.created_at))
        return {
            "prs": prs,
            "prs_commits": commits,
            "prs_reviews": reviews,
            "prs_comments": comments,
        }

    async def _deployments(
        self, repo: str, since: dt.datetime | None, url: str | None
    ) -> AsyncIterator[Batch]:
        key = f"deployments:{repo}"
        params = {"per_page": str(self.integration.page_size)}
        adapter = list_adapter(gm.Deployment)
        visited = Visited("github", f"deployments of {repo}", url)
        while True:
            if url is None:
                page = await self._first(
                    key, f"{self.base}/repos/{repo}/deployments", params, since
                )
            else:
                page = await self.client.get(url)
            if page.not_modified:
                yield Batch(f"deployments {repo}", {}, {"done": True}, 0)
                return
            etags = {key: page.headers["etag"]} if url is None and "etag" in page.headers else {}
            deps = parse("github", f"deployments of {repo}", adapter, page.body)
            fresh = [d for d in deps if since is None or d.updated_at >= since]
            statuses = await asyncio.gather(*(self._latest_status(repo, d) for d in fresh))
            rows: list[Row] = []
            for d, st in zip(fresh, statuses, strict=True):
                state = DEPLOY_STATES.get(st.state, "in_progress") if st else "in_progress"
                finished = st.created_at if st and st.state in DEPLOY_STATES else None
                seconds = int((finished - d.created_at).total_seconds()) if finished else None
                rows.append(
                    (
                        str(d.id),
                        repo,
                        d.environment,
                        d.sha,
                        state,
                        finished or d.created_at,
                        seconds,
                        d.created_at,
                        finished,
                        "deployment",
                    )
                )
            link = page.link("next")
            last = link is None or len(fresh) < len(deps)
            url = None if last else visited.follow(link, len(deps))
            nxt = {"done": True} if last else {"repo": repo, "part": "deployments", "url": url}
            keys = [f"deployment:{d.id}" for d in fresh]
            yield Batch(
                f"deployments {repo}", {"deployments": rows}, nxt, len(fresh), None, etags, keys
            )
            if last:
                return

    async def _latest_status(self, repo: str, d: gm.Deployment) -> gm.DeploymentStatus | None:
        """The status that ended the deployment: the newest one, skipping
        ``inactive`` (a later deployment superseded it; that is not when it
        finished). Statuses come newest first; one page covers any real one."""
        async with self._children:
            page = await self.client.get(
                f"{self.base}/repos/{repo}/deployments/{d.id}/statuses", params={"per_page": 100}
            )
        found = parse(
            "github",
            f"statuses of deployment {d.id}",
            list_adapter(gm.DeploymentStatus),
            page.body,
        )
        ended = [s for s in found if s.state != "inactive"] or found
        return ended[0] if ended else None


def _estimate(page: Page, size: int) -> int | None:
    """Pages times page size, from the ``last`` link (an upper bound)."""
    last = page.link("last")
    if last is None:
        return None
    try:
        n = int(dict(p.split("=", 1) for p in last.split("?", 1)[1].split("&") if "=" in p)["page"])
    except (KeyError, ValueError, IndexError):
        return None
    return n * max(size, 1)
