"""Every route the docs name is served, with the method, query parameters
and permission they state, and the README's route table names every route
(the backend's OpenAPI document, built in-process: no test world)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.docs.text import README, docs_text, one_line

# --- routes ------------------------------------------------------------------

METHODS = "GET|POST|PUT|PATCH|DELETE"
# `GET /users`, `GET/POST /users`, `PUT/GET/DELETE /settings/branding/logo`
ROUTE = re.compile(rf"`((?:{METHODS})(?:/(?:{METHODS}))*) (/[^`\s]*)")
# The docs name routes from /api/v1 (the README's table) or from the
# analytics API (docs/metrics.md, "The API").
BASES = ("", "/api/v1", "/api/v1/analytics")


@pytest.fixture(scope="module")
def api() -> tuple[dict[tuple[str, str], str | None], dict[str, Any], set[str]]:
    """(method, path) -> permission, the OpenAPI paths, the WebSocket paths."""
    from starlette.routing import WebSocketRoute

    from pulse_backend.app import create_app
    from pulse_backend.settings import Settings
    from tests.backend.test_rbac import api_routes, leaf_routes

    app = create_app(Settings(environment="dev"))
    sockets = {r.path for r in leaf_routes(app) if isinstance(r, WebSocketRoute)}
    paths = app.openapi()["paths"]
    # api_routes covers /api/v1; the operations routes (/healthz...) are public.
    ops = {(m.upper(), p): None for p, item in paths.items() for m in item} | api_routes(app)
    return ops, paths, sockets


def _matches(template: str, path: str) -> bool:
    """A documented path (``{id}``, a literal value) against a route template."""
    want, have = path.strip("/").split("/"), template.strip("/").split("/")
    return len(want) == len(have) and all(
        h == w or (h.startswith("{") and h.endswith("}")) for w, h in zip(want, have, strict=True)
    )


def _documented_routes() -> Iterator[tuple[str, str, str]]:
    """(method, path, query) of every route the docs name with its method.
    ``GET/POST/PATCH/DELETE /ai-providers[/{id}]`` is each method on one of
    the two paths, given as ``/ai-providers|/ai-providers/{id}``."""
    for methods, raw in ROUTE.findall(docs_text()):
        path, _, query = raw.partition("?")
        path = path.rstrip(".,;:")
        if "*" in path or "…" in path:
            continue
        if "[" in path:
            path = re.sub(r"\[.*?\]", "", path) + "|" + path.replace("[", "").replace("]", "")
        for method in methods.split("/"):
            yield method, path, query


def _find(ops: dict[tuple[str, str], str | None], method: str, path: str) -> str | None:
    """The route template the documented route is, or None."""
    for base in BASES:
        for one in path.split("|"):
            for m, template in ops:
                if m == method and _matches(template, base + one):
                    return template
    return None


def test_every_route_the_docs_name_is_served(api: Any) -> None:
    ops, paths, _ = api
    documented = list(_documented_routes())
    assert len(documented) > 50
    missing = sorted({(m, p) for m, p, _ in documented if _find(ops, m, p) is None})
    assert missing == []
    # Query parameters named (`GET /api/v1/search?q=&types=`) are the route's.
    unknown = []
    for method, path, query in documented:
        template = _find(ops, method, path)
        if not query or template is None:
            continue
        params = {p["name"] for p in paths[template][method.lower()].get("parameters", [])}
        names = {part.split("=")[0] for part in query.replace("\\|", "|").split("&")}
        unknown += [(method, path, n) for n in sorted(names - params)]
    assert unknown == []


def _route_table() -> list[str]:
    text = README.read_text()
    start = text.index("| area | routes |")
    return text[start : text.index("\n\n", start)].splitlines()[2:]


def test_every_path_in_the_readme_route_table_is_served(api: Any) -> None:
    """The table also names routes without their method (`/auth/refresh`,
    WebSocket `/ws`) and siblings by their last part (`/accept` and `/reject`)."""
    ops, _, sockets = api
    served = {p for _, p in ops} | sockets
    missing = []
    for row in _route_table():
        previous = ""
        for span in re.findall(r"`([^`]*)`", row):
            path = span.split(" ")[-1]
            if not path.startswith("/") or "[" in path or "," in span:
                continue
            found = [
                t
                for t in served
                for base in ("", "/api/v1")
                for candidate in (base + path, base + previous.rsplit("/", 1)[0] + path)
                if _matches(t, candidate)
            ]
            if not found:
                missing.append(span)
            previous = path
    assert missing == []


# "`GET /api/v1/search?...` (permission `search:read`)", "`GET /ml/alerts` lists them (`ml:read`)"
STATED_PERMISSION = re.compile(
    rf"`((?:{METHODS})) (/[^`?\s]*)[^`]*`[^`]{{0,40}}?`([a-z_]+:[a-z]+)`"
)


def test_stated_permissions_are_the_routes_own(api: Any) -> None:
    ops, _, _ = api
    stated = STATED_PERMISSION.findall(one_line(docs_text()))
    assert len(stated) >= 5
    wrong = []
    for method, path, permission in stated:
        template = _find(ops, method, path)
        if template is None or ops[(method, template)] != permission:
            wrong.append((method, path, permission, template and ops[(method, template)]))
    assert wrong == []


def test_the_readme_route_table_names_every_route(api: Any) -> None:
    ops, _, _ = api
    named = set()
    for row in _route_table():
        for methods, raw in ROUTE.findall(row):
            raw = raw.rstrip(".,;:")
            paths = {re.sub(r"\[.*?\]", "", raw), raw.replace("[", "").replace("]", "")}
            named |= {
                (method, template)
                for method in methods.split("/")
                for path in paths
                for m, template in ops
                if m == method and _matches(template, "/api/v1" + path)
            }
    missing = sorted(k for k in ops if k[1].startswith("/api/v1") and k not in named)
    assert missing == []
