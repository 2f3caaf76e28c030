"""The answer's two reads outside the tools (``Tool.run``): the lookup of
the corrections that apply to the question (``service._corrections``) and
local mode's lookup of the names a question says (``assignees.named``).
One whose read the real replica cancels for a conflict with recovery
(SQLSTATE 40001) runs once more on the primary, counted in
``pulse_replica_conflicts_total`` as ``corrections_retried_on_primary`` or
``names_retried_on_primary``, instead of ending the answer's stream with an
error.

The conflict is ``tests/agent/test_tool_conflicts.py``'s: the context's read
holds its lock on the table on the replica (``held_reads``) while the
primary locks the table and adds a row, which the answer has, as only a
read after the lock can."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import assignees, service
from pulse_common.ai import Embedder
from tests.agent.conftest import local_runtime
from tests.agent.held_reads import during_a_held_read
from tests.backend.conftest import Platform, TenantFactory
from tests.backend.support import tenant_sql, wait_replica
from tests.backend.test_replica import labelled_counter
from tests.backend.test_replica_conflicts import quick_conflicts  # noqa: F401 - the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ASKED = "How often do we deploy?"
CORRECTION = "Count only production deployments; staging runs are not releases."


def _conflicts(client: TestClient) -> dict[str, float]:
    return labelled_counter(client, "pulse_replica_conflicts_total", "outcome")


def test_the_corrections_lookup_the_replica_cancels_reads_the_primary(
    client: TestClient,
    platform: Platform,
    make_tenant: TenantFactory,
    embedder: Embedder,
    quick_conflicts: None,  # noqa: F811 - the fixture
) -> None:
    info = make_tenant("lcc")
    wait_replica(platform)  # the tenant: the lookup reads on the replica
    before = _conflicts(client)
    found = during_a_held_read(
        client,
        platform,
        info,
        "ai_learning_memory",
        lambda ctx: service._corrections(local_runtime(embedder), ctx, ASKED),
        lambda table: (
            f"INSERT INTO {table} (tenant_id, kind, user_intent, corrected_answer,"
            f" review) VALUES ({info.tenant_id}, 'assistant_feedback', '{ASKED}', '{CORRECTION}',"
            " 'accepted')"
        ),
    )

    assert [c.correction for c in found] == [CORRECTION]
    after = _conflicts(client)
    retried = service.CORRECTIONS_RETRIED
    assert after.get(retried, 0) == before.get(retried, 0) + 1
    assert after.get("unavailable", 0) == before.get("unavailable", 0)


def test_the_names_lookup_the_replica_cancels_reads_the_primary(
    client: TestClient,
    platform: Platform,
    make_tenant: TenantFactory,
    quick_conflicts: None,  # noqa: F811 - the fixture
) -> None:
    info = make_tenant("lnc")
    [(project,)] = tenant_sql(
        platform,
        info.slug,
        "INSERT INTO projects (tenant_id, key, name) VALUES (:t, 'K', 'Kernel') RETURNING id",
        {"t": info.tenant_id},
    )
    tenant_sql(
        platform,
        info.slug,
        "INSERT INTO work_items (tenant_id, project_id, key, summary, assignee, created)"
        " VALUES (:t, :p, 'K-1', 'K-1', 'Ada Lovelace', :c)",
        {"t": info.tenant_id, "p": project, "c": dt.datetime.now(dt.UTC)},
    )
    wait_replica(platform)  # the tenant and its work item: the lookup reads on the replica
    before = _conflicts(client)
    names = during_a_held_read(
        client,
        platform,
        info,
        "work_items",
        lambda ctx: assignees.named(ctx, "what did linus work on?", True),
        lambda table: (
            f"INSERT INTO {table} (tenant_id, project_id, key, summary, assignee,"
            " created) SELECT tenant_id, project_id, 'K-2', 'K-2', 'Linus Torvalds', created"
            f" FROM {table} WHERE key = 'K-1'"
        ),
    )

    assert names == {"author": "Linus Torvalds"}
    after = _conflicts(client)
    assert after.get(assignees.NAMES_RETRIED, 0) == before.get(assignees.NAMES_RETRIED, 0) + 1
    assert after.get("unavailable", 0) == before.get("unavailable", 0)
