"""What a member's question makes the database do stays bounded by what a
question can mean, not by its length: each word standing where a person's
name stands was a LIKE pattern tried on every author and reviewer row, so
a 4 000-character "by aa by ab …" sent 659 of them (37 µs a row: about
10 s of the database for a tenant of 100 000 PRs, each time it was asked)."""

from __future__ import annotations

import itertools
import string
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import narrowing
from tests.agent.conftest import tool_context
from tests.backend.conftest import TenantInfo

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_question_naming_hundreds_of_people_looks_up_a_few(
    client: TestClient, demo: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, Any]] = []
    rows = narrowing.q.rows

    def recorded(conn: Any, sql: str, params: dict[str, Any]) -> Any:
        sent.append(params)
        return rows(conn, sql, params)

    monkeypatch.setattr(narrowing.q, "rows", recorded)
    others = ["".join(p) for p in itertools.product(string.ascii_lowercase[1:], repeat=2)]
    question = ("how many PRs by ada " + " ".join(f"by {w}" for w in others))[:4000]
    # The person said first is still the one asked about.
    assert narrowing.named(tool_context(client, demo), question) == {"author": "ada"}
    [params] = sent
    assert 1 <= len(params["logins"]) <= narrowing.ASKED
