"""A query parameter a route does not declare is refused with a 422 naming
it (and the parameter it was likely meant to be), as is a single-valued
one given twice: they used to be ignored, or the last one taken, so
``trends?granulrity=month`` drew a chart by week with no hint. The same
answer whether the analytics fast path holds the figure or not."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.errors import Problem
from tests.backend.conftest import Session
from tests.backend.test_analytics_fast_path import RANGE, fast_count, get, same

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TREND = {**RANGE, "metric": "lead_time_for_changes", "granularity": "month"}


def refused(r: Any) -> dict[str, str]:
    """A 422 in the documented shape: field -> message."""
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = Problem.model_validate(r.json())
    assert body.code == "invalid_input" and body.errors
    return {e.field: e.message for e in body.errors}


def test_every_operation_refuses_a_parameter_it_does_not_declare(client: TestClient) -> None:
    # Before authentication and any other input: no route takes this one.
    spec = client.get("/api/v1/openapi.json").json()
    walked = 0
    for path, item in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue  # the probes (/healthz) are not the API
        for method in item:
            url = re.sub(r"\{[^}]+\}", "1", path) + "?zz_unknown=1"
            r = client.request(method.upper(), url)
            assert "zz_unknown" in refused(r), (method, path)
            walked += 1
    assert walked > 40


def test_a_misspelt_parameter_is_named_with_the_one_meant(
    make_client: Callable[..., TestClient], module_admin: Session
) -> None:
    fast, plain = make_client(), make_client(analytics_fast_path=False)
    headers = module_admin.headers
    assert get(plain, "trends", TREND, headers).status_code == 200  # now cached
    assert get(fast, "trends", TREND, headers).headers["X-Cache"] == "hit"
    hits = fast_count(fast, "hit")
    typo = {**RANGE, "metric": "lead_time_for_changes", "granulrity": "month"}
    for app in (fast, plain):
        errors = refused(get(app, "trends", typo, headers))
        assert errors == {
            "granulrity": 'not a query parameter of this route; did you mean "granularity"?'
        }
    same(get(fast, "trends", typo, headers), get(plain, "trends", typo, headers))
    # Not the trend's parameter on a figure's route either; with no close
    # one, the answer lists what the route takes.
    errors = refused(get(fast, "lead-time", {**RANGE, "metric": "x", "zz": "1"}, headers))
    assert set(errors) == {"metric", "zz"}
    assert "(it takes author, end, environment, limit, offset" in errors["zz"]
    users = refused(plain.get("/api/v1/users?limit=5", headers=headers))
    assert users == {"limit": "not a query parameter of this route (it takes none)"}
    assert fast_count(fast, "hit") == hits


def test_a_single_valued_parameter_given_twice_is_refused(
    make_client: Callable[..., TestClient], module_admin: Session
) -> None:
    fast, plain = make_client(), make_client(analytics_fast_path=False)
    headers = module_admin.headers
    other = "2026-06-15T00:00:00+00:00"
    query = f"start={RANGE['start']}&start={other}&end={RANGE['end']}".replace("+", "%2B")
    get(plain, "lead-time", {**RANGE, "start": other}, headers)  # the one kept before: cached
    for app in (fast, plain):
        errors = refused(get(app, "lead-time", query, headers))
        assert errors == {"start": "given 2 times; it takes one value"}
    # A list parameter repeats as it always did.
    listed = {**RANGE, "repository": ["1", "2"], "author": ["a", "b"]}
    assert get(plain, "lead-time", listed, headers).status_code == 200
    logs = plain.get("/api/v1/logs?category=HTTP&category=DB", headers=headers)
    assert logs.status_code == 200, logs.text
