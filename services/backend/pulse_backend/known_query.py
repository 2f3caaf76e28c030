"""Query parameters a route does not declare are refused, as is a
single-valued one given more than once: FastAPI ignores the first and keeps
the last of the second, so a typo (``granulrity=week``) or a doubled
``start`` would be answered for a request the client did not make, with no
hint (a chart by the default granularity).

What a route declares is read from the app's OpenAPI document, the one
definition the web app's client is generated from (a pydantic model of
query parameters is spelled out there, aliases included), once per app. The
check is a dependency of the /api/v1 router (``app.create_app``), so no route
repeats it; it adds nothing to the document. The analytics fast path leaves
any such request to the route (``routes.analytics_fast._fields``), so a
cached figure is refused the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection

from pulse_backend.errors import FieldError, QueryRefused
from pulse_backend.middleware import operation_id

F = TypeVar("F", bound=Callable[..., Any])


def version_tag(name: str) -> Callable[[F], F]:
    """Marks a route whose URLs, as the API hands them out, carry ``name``
    only to change with the content (``logo_url``'s ``?v=<etag>``): taken and
    ignored, yet not in the document, whose generated client never sends it."""

    def mark(endpoint: F) -> F:
        endpoint.pulse_version_tag = name  # type: ignore[attr-defined]
        return endpoint

    return mark


@dataclass(frozen=True)
class Declared:
    """A route's query parameters, and those that may repeat (arrays)."""

    names: frozenset[str]
    repeatable: frozenset[str]


def _is_array(schema: dict[str, Any]) -> bool:
    # ``list[X] | None`` is an anyOf of the array and null.
    return schema.get("type") == "array" or any(
        _is_array(option) for option in schema.get("anyOf", [])
    )


def declared_of(document: dict[str, Any]) -> dict[str, Declared]:
    """operationId -> its declared query parameters, from an OpenAPI document."""
    out: dict[str, Declared] = {}
    for item in document["paths"].values():
        for op in item.values():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            query = [p for p in op.get("parameters", []) if p.get("in") == "query"]
            out[op["operationId"]] = Declared(
                frozenset(p["name"] for p in query),
                frozenset(p["name"] for p in query if _is_array(p.get("schema", {}))),
            )
    return out


def _declared(app: FastAPI) -> dict[str, Declared]:
    cached: dict[str, Declared] | None = getattr(app.state, "declared_query", None)
    if cached is None:
        cached = app.state.declared_query = declared_of(app.openapi())
    return cached


def _unknown(name: str, declared: Declared) -> FieldError:
    # A name far longer than any declared one is close to none of them.
    close = get_close_matches(name[: NAME_SHOWN * 2], sorted(declared.names), n=1, cutoff=0.6)
    if close:
        hint = f'; did you mean "{close[0]}"?'
    elif declared.names:
        hint = f" (it takes {', '.join(sorted(declared.names))})"
    else:
        hint = " (it takes none)"
    return FieldError(field=_shown(name), message=f"not a query parameter of this route{hint}")


# The refusals a 422 names, at most, and the characters of a name it echoes:
# the check runs before authentication, and a query string of 10 000 unknown
# names (uvicorn takes about 60 KB) made anyone's request cost 0.2 s of
# difflib and a 1.6 MB answer; the client needs the first few to fix it.
LISTED = 20
NAME_SHOWN = 64


def _shown(name: str) -> str:
    return name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN] + "…"


def refusals(items: list[tuple[str, str]], declared: Declared) -> list[FieldError]:
    """What is wrong with a query string's ``(name, value)`` pairs, by name:
    the first ``LISTED``, then how many more (the last entry, field "query")."""
    errors: list[FieldError] = []
    more = 0
    for name, count in Counter(name for name, _ in items).items():
        wrong = name not in declared.names or (count > 1 and name not in declared.repeatable)
        if wrong and len(errors) >= LISTED:
            more += 1
        elif name not in declared.names:
            errors.append(_unknown(name, declared))
        elif wrong:
            message = f"given {count} times; it takes one value"
            errors.append(FieldError(field=name, message=message))
    if more:
        message = f"and {more} more parameters this route does not take or takes once"
        errors.append(FieldError(field="query", message=message))
    return errors


async def refuse_unknown_query(conn: HTTPConnection) -> None:
    """The /api/v1 router's dependency. A route absent from the document (the
    WebSocket) is not checked here: it declares nothing there."""
    route = conn.scope.get("route")
    if conn.scope["type"] != "http" or not isinstance(route, APIRoute):
        return
    declared = _declared(conn.app).get(operation_id(route))
    if declared is None:
        return
    tag = getattr(route.endpoint, "pulse_version_tag", None)
    if tag is not None:
        declared = Declared(declared.names | {tag}, declared.repeatable)
    errors = refusals(conn.query_params.multi_items(), declared)
    if errors:
        raise QueryRefused(errors)
