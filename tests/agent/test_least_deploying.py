"""Which repository deploys least ("which repo deploys least?") was answered
with the repositories that deployed most, under "deployed most", and a
repository that never deployed could not be in the answer at all. Least is
the same ranking the other way round, over every repository."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import answers
from pulse_backend.agent.tools import TOOLS
from pulse_common.provisioning import drop_tenant
from tests.agent.conftest import tool_context
from tests.backend.conftest import Platform, TenantInfo, provision
from tests.backend.support import add_deployment, tenant_sql, wait_replica


def _repository(platform: Platform, t: TenantInfo, name: str) -> int:
    [(repo,)] = tenant_sql(
        platform,
        t.slug,
        "INSERT INTO repositories (tenant_id, full_name, name) VALUES (:t, :f, :n) RETURNING id",
        {"t": t.tenant_id, "f": f"acme/{name}", "n": name},
    )
    return int(repo)


@pytest.fixture(scope="module")
def deploying(platform: Platform) -> Iterator[TenantInfo]:
    """api deployed three times in the last days, web once, docs never."""
    t = provision(platform, f"agl-{uuid.uuid4().hex[:8]}")
    api, web = _repository(platform, t, "api"), _repository(platform, t, "web")
    _repository(platform, t, "docs")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for n in range(3):
        add_deployment(platform, t, api, n, now - dt.timedelta(days=n + 1))
    add_deployment(platform, t, web, 9, now - dt.timedelta(days=2))
    wait_replica(platform)
    yield t
    drop_tenant(platform.engine, t.slug)


@pytest.mark.postgres
@pytest.mark.redis
def test_least_first_ranks_every_repository_the_other_way_round(
    client: TestClient, deploying: TenantInfo
) -> None:
    tool = TOOLS["deployments_by_repository"]
    least = tool.run(tool_context(client, deploying), {"order": "least", "days": 30})
    ranked = [(r["repository"], r["deployments"]) for r in least.data["repositories"]]
    assert ranked == [("acme/docs", 0), ("acme/web", 1), ("acme/api", 3)]
    lines = answers.deployments_by_repository(least, "lately").splitlines()
    assert lines[0] == "Repositories that deployed least lately:"
    assert lines[1].startswith("1. acme/docs: deployment frequency "), lines
    # Most first: only those that deployed, as before.
    most = tool.run(tool_context(client, deploying), {"days": 30})
    assert [r["repository"] for r in most.data["repositories"]] == ["acme/api", "acme/web"]
    assert answers.deployments_by_repository(most, "lately").startswith(
        "Repositories that deployed most lately:\n1. acme/api: "
    )
