"""The assistant's other tools: one whose read the real replica cancels for
a conflict with recovery (SQLSTATE 40001) runs once more on the primary
(``Tool.run``), counted in ``pulse_replica_conflicts_total`` as
``tool_retried_on_primary``, instead of reaching the model as the tool's
error or breaking a local answer's stream.

The conflict is the one ``tests/backend/test_replica_conflicts.py`` makes.
A real tool's reads are over in milliseconds, so the tool's context is the
test's own: its read transaction (the real one) first reads ``deployments``
and waits on the replica, as that test's route does, then lets the tool run
its own statements. The primary meanwhile locks ``deployments`` and adds a
deployment: the answer counts it, as only a read after the lock can."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent.toolkit import TOOL_RETRIED
from pulse_backend.agent.tools import TOOLS
from tests.agent.held_reads import during_a_held_read
from tests.backend.conftest import Platform, TenantFactory
from tests.backend.support import add_deployment, add_repository, wait_replica
from tests.backend.test_replica import labelled_counter
from tests.backend.test_replica_conflicts import quick_conflicts  # noqa: F401 - the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_tool_whose_read_the_replica_cancels_answers_from_the_primary(
    client: TestClient,
    platform: Platform,
    make_tenant: TenantFactory,
    quick_conflicts: None,  # noqa: F811 - the fixture
) -> None:
    info = make_tenant("tlc")
    repo = add_repository(platform, info)
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    add_deployment(platform, info, repo, 1, yesterday)
    wait_replica(platform)  # the tenant and its rows: the tool reads on the replica
    before = labelled_counter(client, "pulse_replica_conflicts_total", "outcome")
    out = during_a_held_read(
        client,
        platform,
        info,
        "deployments",
        lambda ctx: TOOLS["deployments_by_repository"].run(ctx, {"days": 7}),
        lambda table: (
            f"INSERT INTO {table} (tenant_id, external_id, repository_id, environment,"
            " commit_sha, status, deployed_at, started_at, finished_at, source)"
            f" SELECT tenant_id, 'd-2', repository_id, environment, '{2:040d}', status,"
            f" deployed_at, started_at, finished_at, source FROM {table} WHERE external_id = 'd-1'"
        ),
    )

    assert isinstance(out.data, dict)
    assert [(r["repository"], r["deployments"]) for r in out.data["repositories"]] == [
        ("acme/api", 2)
    ]
    after = labelled_counter(client, "pulse_replica_conflicts_total", "outcome")
    assert after.get(TOOL_RETRIED, 0) == before.get(TOOL_RETRIED, 0) + 1
    assert after.get("unavailable", 0) == before.get("unavailable", 0)
