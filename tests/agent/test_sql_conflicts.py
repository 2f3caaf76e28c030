"""The assistant's SQL tool: a query the real replica cancels for a conflict
with recovery (SQLSTATE 40001) is run once more on the primary and answered
from there, counted in ``pulse_replica_conflicts_total`` as
``sql_tool_retried_on_primary``, instead of reaching the model as an error.

The conflict is the one ``tests/backend/test_replica_conflicts.py`` makes:
the query holds its lock on the tenant's ``repositories`` while the primary
takes an ACCESS EXCLUSIVE lock on it, whose replay cancels the query after
``max_standby_streaming_delay`` (50 ms here). The query's length is the
table's: a billion rows counted per repository, so it runs until the replica
cancels it while the tenant has one, and is over at once on the primary,
where the locking transaction also deleted it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_backend.agent.sql_tool import RETRIED, run_sql
from pulse_common.tenancy import TenantNames, quote_ident
from tests.agent.conftest import tool_context
from tests.backend.conftest import Platform, TenantFactory
from tests.backend.support import add_repository, wait_replica
from tests.backend.test_replica import labelled_counter
from tests.backend.test_replica_conflicts import (  # noqa: F401 - quick_conflicts: the fixture
    during_a_replayed_lock,
    quick_conflicts,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

MARK = "987654321"  # finds the running query in pg_stat_activity
SLOW = f"SELECT count(*) AS n FROM (SELECT generate_series(1, {MARK}) FROM repositories) AS s"
_RUNNING = text(
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pulse-backend-replica'"
    " AND state = 'active' AND query LIKE 'WITH agent_s%' AND query LIKE :mark"
)


def _conflicts(client: TestClient) -> dict[str, float]:
    return labelled_counter(client, "pulse_replica_conflicts_total", "outcome")


def test_a_query_the_replica_cancels_is_answered_on_the_primary(
    client: TestClient,
    platform: Platform,
    make_tenant: TenantFactory,
    quick_conflicts: None,  # noqa: F811 - the fixture
) -> None:
    info = make_tenant("sqc")
    add_repository(platform, info)
    wait_replica(platform)  # the tenant and its repository: the query goes to the replica
    ctx = tool_context(client, info)
    table = f"{quote_ident(TenantNames(info.slug).schema)}.repositories"
    before = _conflicts(client)
    result = during_a_replayed_lock(
        platform,
        table,
        lambda: run_sql(ctx.clients, ctx.principal, SLOW, timeout_ms=60_000),
        _RUNNING,
        {"mark": f"%{MARK}%"},
        f"DELETE FROM {table}",
    )

    assert result.columns == ["n"] and result.rows == [[0]]
    after = _conflicts(client)
    assert after.get(RETRIED, 0) == before.get(RETRIED, 0) + 1
    assert after.get("unavailable", 0) == before.get("unavailable", 0)
