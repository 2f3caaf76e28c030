"""The assistant's people and deployment answers on a tenant of many authors
and a busy month of deployments. "Who merged the most PRs?" ran the
engineering statement once per author of the period (43 authors: 43
statements); now one grouped statement counts them all, to the same
ranking. "What did we ship?" listed 5 deployments picked from the
drill-down, which is oldest first and 1 000 at most: past 1 000 deployments
in the period, the "newest" it listed were from the start of the period;
now the latest 20, newest first, and where the dashboard lists them all."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import deployed, dora_tools
from pulse_backend.agent.rankings import RankArgs, rank_tool
from pulse_common.analytics.engineering import engineering
from pulse_common.provisioning import drop_tenant
from tests.agent.conftest import local_runtime, signed_in, tool_context, use_runtime
from tests.agent.test_local_and_memory import text_of
from tests.agent.test_narrowing import Counted
from tests.agent.test_open_prs import add_pr
from tests.backend.conftest import Platform, TenantInfo, provision
from tests.backend.support import add_repository, tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

# PRs merged per author: two tied first, then one, then 40 of one each.
MERGED = {"ada": 3, "bo": 3, "cy": 2, **{f"dev-{i}": 1 for i in range(40)}}
# Production deployments over the last 30 days: more than a drill-down page.
DEPLOYED = 1030


def _sha(n: int) -> str:
    # Its first 7 characters (what the answer shows) differ per deployment.
    return f"{n:07d}" + "a" * 33


@pytest.fixture(scope="module")
def tenant(platform: Platform) -> Iterator[TenantInfo]:
    t = provision(platform, f"agd-{uuid.uuid4().hex[:8]}")
    api = add_repository(platform, t)
    number = 0
    for author, n in MERGED.items():
        for _ in range(n):
            number += 1
            add_pr(platform, t, api, number, author, "merged", 5)
    # The n-th newest finished n minutes ago.
    tenant_sql(
        platform,
        t.slug,
        "INSERT INTO deployments (tenant_id, external_id, repository_id, environment, "
        "commit_sha, status, deployed_at, started_at, finished_at, source) "
        "SELECT :t, 'd-' || g, :r, 'production', lpad(g::text, 7, '0') || repeat('a', 33), "
        "'success', now() - g * interval '1 minute', now() - g * interval '1 minute', "
        "now() - g * interval '1 minute', 'deployment' FROM generate_series(1, :n) g",
        {"t": t.tenant_id, "r": api, "n": DEPLOYED},
    )
    wait_replica(platform)
    yield t
    drop_tenant(platform.engine, t.slug)


def test_who_merged_most_is_one_statement_with_the_per_author_ranking(
    client: TestClient, tenant: TenantInfo
) -> None:
    base = tool_context(client, tenant)
    ctx = Counted(base.clients, base.principal)
    args = RankArgs(subject="authors", metric="merged_prs", days=30)
    out = rank_tool(ctx, args)
    # Not a statement per author: the 43 authors' counts come in one.
    assert len(ctx.statements) <= 5, ctx.statements
    # The ranking each author's own engineering figure gives.
    with ctx.read() as conn:
        expected = {a: engineering(conn, args.scope(authors=(a,))).merged_prs for a in MERGED}
    assert expected == MERGED
    ranked = [(r["rank"], r["name"], r["value"], r["figure"]) for r in out.data["ranked"]]
    assert ranked == [
        (1, "ada", 3, "3 PRs merged"),
        (1, "bo", 3, "3 PRs merged"),
        (3, "cy", 2, "2 PRs merged"),
    ]
    assert out.data["unranked"] == []
    lowest = rank_tool(ctx, args.model_copy(update={"order": "lowest"})).data["ranked"]
    assert {r["name"] for r in lowest} == {f"dev-{i}" for i in range(40)}
    assert {(r["rank"], r["value"]) for r in lowest} == {(1, 1)}


def test_what_was_deployed_lists_the_latest_twenty_and_where_the_rest_are(
    client: TestClient, tenant: TenantInfo, embedder: Any, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, tenant)
    events = ask(s, "what did we ship over the last 30 days?")
    assert events[0][1]["tool"] == "deployments_listed", events[0]
    lines = text_of(events).splitlines()
    assert lines[0].startswith("Deployed over the last 30 days ("), lines[0]
    assert f": {DEPLOYED:,} deployments (" in lines[0] and lines[0].endswith("newest first:")
    listed = lines[1:-1]
    assert len(listed) == deployed.LISTED, lines
    for n, line in enumerate(listed, start=1):
        assert line.startswith(f"{n}. acme/api → production @ {_sha(n)[:7]} ("), line
    assert lines[-1] == (
        f"…and {DEPLOYED - deployed.LISTED} more: the Deployment frequency dashboard lists "
        "them all (/dora/deployment-frequency?days=30)."
    )
    cited = [d for k, d in events if k == "citation"]
    assert [d["type"] for d in cited] == ["deployment"] * deployed.LISTED, cited


def test_deployment_frequency_cites_the_latest_deployments(
    client: TestClient, tenant: TenantInfo
) -> None:
    # "How often do we deploy?": the rows behind it were the latest of the
    # drill-down's first 1 000 (oldest first), here the 31st to 35th newest.
    args = dora_tools.MetricArgs(metric="deployment_frequency", days=30)
    out = dora_tools.dora_metric(tool_context(client, tenant), args)
    assert [c.title.rsplit(" ", 1)[-1] for c in out.citations] == [
        _sha(n)[:7] for n in range(1, dora_tools.TOP + 1)
    ]
