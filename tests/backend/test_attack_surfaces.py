"""This session's new surfaces attacked by an anonymous caller or a member:
what anyone can make the server do before authentication must stay cheap
and small, whatever the query string."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pulse_backend.errors import Problem
from pulse_backend.known_query import LISTED

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_query_string_of_thousands_of_unknown_names_gets_a_short_refusal(
    client: TestClient,
) -> None:
    # Anonymous: the check runs before authentication. 5 000 names were
    # each matched by difflib and each named in the 422 (0.1 s, 660 KB).
    names = [f"n{i}" for i in range(5000)]
    r = client.get("/api/v1/analytics/lead-time?" + "&".join(f"{n}=1" for n in names))
    assert r.status_code == 422, r.text
    errors = Problem.model_validate(r.json()).errors or []
    assert len(errors) == LISTED + 1
    assert [e.field for e in errors[:LISTED]] == names[:LISTED]
    assert errors[-1].field == "query"
    assert errors[-1].message.startswith(f"and {5000 - LISTED} more parameters")
    assert len(r.content) < 10_000
    # A long name is named by its beginning, not echoed whole.
    r = client.get("/api/v1/analytics/lead-time?" + "x" * 20_000 + "=1")
    assert r.status_code == 422
    assert len(r.content) < 2_000
    assert "x" * 64 + "…" in r.text
