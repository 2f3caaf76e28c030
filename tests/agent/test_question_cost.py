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

from pulse_backend.agent import narrowing, rankings
from pulse_backend.agent.rankings import RankArgs
from pulse_common.analytics.scope import Scope
from tests.agent.conftest import tool_context
from tests.backend.conftest import Platform, TenantInfo
from tests.backend.support import tenant_sql, wait_replica

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
    assert 1 <= len([k for k in params if k.startswith("login")]) <= narrowing.ASKED


def test_a_ranking_asks_the_figures_of_active_repositories_only(
    client: TestClient, platform: Platform, demo: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 300 repositories with nothing in them: each was one more run of the
    # metric's statements (2 000 took 8 s a question) and one more name said.
    tenant_sql(
        platform,
        demo.slug,
        "INSERT INTO repositories (tenant_id, full_name, name) "
        "SELECT :t, 'idle/r' || g, 'r' || g FROM generate_series(1, 300) g",
        {"t": demo.tenant_id},
    )
    wait_replica(platform)
    asked: list[Scope] = []
    lead_time = rankings.FIGURES["lead_time"]

    def counted(conn: Any, scope: Scope, *rest: Any) -> Any:
        asked.append(scope)
        return lead_time(conn, scope, *rest)

    monkeypatch.setitem(rankings.FIGURES, "lead_time", counted)
    ctx = tool_context(client, demo)
    out = rankings.rank_tool(ctx, RankArgs(subject="repositories", metric="lead_time", days=90))
    active = tenant_sql(platform, demo.slug, "SELECT count(*) FROM repositories", {})[0][0] - 300
    assert len(asked) == active
    assert out.data["ranked"] and out.data["idle"] == 300
    answer = rankings.ranked_answer(out, "over the last 90 days")
    assert "idle/r" not in answer
    assert answer.endswith(" more.") or answer.endswith("300 repositories.")
