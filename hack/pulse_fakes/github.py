"""GitHub REST, the part the ETL uses (see README.md for the docs each route
follows): Link pagination, ETags, rate-limit headers, and the redirects of a
renamed or transferred repository (``GithubOrg.rename``): any path under
``/repos/<old owner>/<old name>`` answers 301 (GET, HEAD) or 307 (other
methods) to ``/repositories/<id>`` plus the rest of the path and the query,
with ``{"message": "Moved Permanently", "url", "documentation_url"}``;
``/repositories/<id>/...`` serves what ``/repos/<owner>/<name>/...`` does
("Best practices for using the REST API: follow redirects")."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request

from pulse_fakes.app import FakeApi, Reply, int_param, page_of, route
from pulse_fakes.data import GithubOrg, gh_time
from pulse_fakes.faults import FaultPlan

DOCS = "https://docs.github.com/rest"
REDIRECTS = DOCS + "/guides/best-practices-for-using-the-rest-api#follow-redirects"
REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
ANY_REPO_PATH = re.compile(REPO + r"(?P<rest>/.*)?")


def _error(status: int, message: str) -> dict[str, Any]:
    return {"message": message, "documentation_url": DOCS, "status": str(status)}


def _paged(request: Request, items: list[Any]) -> Reply:
    """``per_page`` (max 100) and ``page``, with a ``Link`` header as GitHub sends it."""
    per_page = int_param(request, "per_page", 30, 1, 100)
    page = int_param(request, "page", 1, 1, 10**6)
    last = max(1, -(-len(items) // per_page))
    links = []

    def url(n: int) -> str:
        return str(request.url.include_query_params(page=n, per_page=per_page))

    if page < last:
        links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if page > 1:
        links += [f'<{url(1)}>; rel="first"', f'<{url(page - 1)}>; rel="prev"']
    headers = {"link": ", ".join(links)} if links else {}
    return Reply(page_of(items, (page - 1) * per_page, per_page), headers=headers)


def build(org: GithubOrg, *, token: str, plan: FaultPlan) -> FakeApi:
    def accepts(header: str | None) -> bool:
        return header in (f"Bearer {token}", f"token {token}")

    def repo_of(m: re.Match[str]) -> str | None:
        full = f"{m['owner']}/{m['repo']}"
        return full if full in org.pulls else None

    def missing() -> Reply:
        return Reply(_error(404, "Not Found"), 404)

    @route("GET", "/orgs/(?P<org>[^/]+)/repos")
    async def org_repos(request: Request, m: re.Match[str]) -> Reply:
        if m["org"] != org.spec.org:
            return missing()
        return _paged(request, org.repos)

    @route("GET", REPO)
    async def repo(request: Request, m: re.Match[str]) -> Reply:
        full = repo_of(m)
        found = [r for r in org.repos if r["full_name"] == full]
        return Reply(found[0]) if found else missing()

    @route("GET", REPO + "/pulls")
    async def pulls(request: Request, m: re.Match[str]) -> Reply:
        full = repo_of(m)
        if full is None:
            return missing()
        state = request.query_params.get("state", "open")
        items = [p for p in org.pulls[full] if state == "all" or p.data["state"] == state]
        key = "updated_at" if request.query_params.get("sort") == "updated" else "created_at"
        desc = request.query_params.get("direction", "desc") == "desc"
        items.sort(key=lambda p: (p.data[key], p.data["number"]), reverse=desc)
        return _paged(request, [p.data for p in items])

    def pull_part(part: str) -> Any:
        @route("GET", REPO + rf"/pulls/(?P<number>\d+)/{part}")
        async def handler(request: Request, m: re.Match[str]) -> Reply:
            full = repo_of(m)
            try:
                pr = org.pull(full or "", int(m["number"]))
            except KeyError:
                return missing()
            return _paged(request, getattr(pr, part))

        return handler

    @route("GET", REPO + "/deployments")
    async def deployments(request: Request, m: re.Match[str]) -> Reply:
        full = repo_of(m)
        if full is None:
            return missing()
        env = request.query_params.get("environment")
        items = [d for d in org.deployments[full] if env in (None, d["environment"])]
        return _paged(request, items)

    @route("GET", REPO + r"/deployments/(?P<id>\d+)/statuses")
    async def statuses(request: Request, m: re.Match[str]) -> Reply:
        found = org.statuses.get(int(m["id"]))
        return _paged(request, found) if found is not None and repo_of(m) else missing()

    @route("GET", REPO + "/releases")
    async def releases(request: Request, m: re.Match[str]) -> Reply:
        full = repo_of(m)
        return _paged(request, org.releases[full]) if full else missing()

    @route("GET", REPO + r"/compare/(?P<base>[0-9a-f]+)\.\.\.(?P<head>[0-9a-f]+)")
    async def compare(request: Request, m: re.Match[str]) -> Reply:
        full = repo_of(m)
        history = org.history.get(full or "", [])
        if m["base"] not in history or m["head"] not in history:
            return missing()
        lo, hi = history.index(m["base"]), history.index(m["head"])
        shas = history[lo + 1 : hi + 1] if hi >= lo else []
        status = "ahead" if hi > lo else ("identical" if hi == lo else "behind")
        commits = [_commit(org, s) for s in shas]
        body = {"status": status, "ahead_by": len(shas), "behind_by": 0, "total_commits": len(shas)}
        return Reply(body | {"commits": commits})

    @route("GET", REPO + r"/commits/(?P<ref>[^/]+)")
    async def commit(request: Request, m: re.Match[str]) -> Reply:
        history = org.history.get(repo_of(m) or "", [])
        found = [s for s in history if s == m["ref"]]
        found = found or (history[-1:] if m["ref"] == "main" else [])
        return Reply(_commit(org, found[0])) if found else missing()

    @route("GET", r"/repositories/(?P<id>\d+)(?P<rest>/.*)?")
    async def by_id(request: Request, m: re.Match[str]) -> Reply:
        full = org.by_id(int(m["id"]))
        if full is None:
            return missing()
        return await api.route(request, request.method, f"/repos/{full}{m['rest'] or ''}")

    routes = [org_repos, repo, pulls, pull_part("commits"), pull_part("reviews")]
    routes += [pull_part("comments"), deployments, statuses, releases, compare, commit, by_id]
    api = FakeApi(routes, accepts, _error, plan, etags=True, moved=lambda r: _moved(org, r))
    return api


def _moved(org: GithubOrg, request: Request) -> Reply | None:
    """A redirect for a path under a repository's old name."""
    m = ANY_REPO_PATH.fullmatch(request.url.path)
    old = f"{m['owner']}/{m['repo']}" if m else ""
    # Until a new repository takes the old name: GitHub's redirect ends then.
    repo_id = org.moved.get(old) if old not in org.pulls else None
    if m is None or repo_id is None or org.by_id(repo_id) is None:
        return None
    to = f"{str(request.base_url).rstrip('/')}/repositories/{repo_id}{m['rest'] or ''}"
    if request.url.query:
        to += "?" + request.url.query
    get = request.method in ("GET", "HEAD")
    status, message = (301, "Moved Permanently") if get else (307, "Temporary Redirect")
    body = {"message": message, "url": to, "documentation_url": REDIRECTS}
    return Reply(body, status, {"location": to})


def _commit(org: GithubOrg, sha: str) -> dict[str, Any]:
    """A default-branch commit as the commits and compare APIs show it."""
    at = gh_time(org.commit_times[sha])
    person = {"name": "merge-bot", "email": "merge-bot@x", "date": at}
    return {
        "sha": sha,
        "commit": {"author": person, "committer": person, "message": f"merge {sha[:7]}"},
        "author": {"login": "merge-bot"},
    }
