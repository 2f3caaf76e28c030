"""The ETL service's readiness, with the credentials the operator wrote into
the tenant's Secrets, against the real PostgreSQL and Redis (Qdrant local)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pulse_etl.app import create_app
from pulse_etl.settings import EtlSettings
from tests.operator.conftest import Platform, RunningOperator, Tenants, secret_values

pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def ready_tenant(
    platform: Platform, operator: RunningOperator
) -> Iterator[tuple[str, dict[str, str]]]:
    """One tenant for the module: the tests only read it (each builds its own
    settings, wrong where it means to be), and provisioning one per test cost
    seconds each."""
    tenants = Tenants(platform)
    slug = tenants.apply()
    tenants.wait_phase(slug, "Ready")
    yield slug, secret_values(platform, slug)
    tenants.cleanup()


def settings(slug: str, values: dict[str, str], **override: str) -> EtlSettings:
    env = {
        "tenant_slug": slug,
        "database_url": values["PULSE_DATABASE_URL"],
        "database_schema": f"tenant_{slug.replace('-', '_')}",
        "redis_url": values["PULSE_REDIS_URL"],
        "redis_key_prefix": f"t:{slug}:",
        "qdrant_url": values["PULSE_QDRANT_URL"],
        "qdrant_token": values["PULSE_QDRANT_TOKEN"],
        "qdrant_collection": values["PULSE_QDRANT_COLLECTION"],
    }
    env.update(override)
    return EtlSettings.model_validate(env)


def get(app_settings: EtlSettings, platform: Platform, path: str) -> tuple[int, dict[str, object]]:
    with TestClient(create_app(app_settings, qdrant=platform.qdrant)) as client:
        resp = client.get(path)
        return resp.status_code, resp.json()


def test_ready_with_the_operator_credentials(
    platform: Platform, ready_tenant: tuple[str, dict[str, str]]
) -> None:
    slug, values = ready_tenant
    assert get(settings(slug, values), platform, "/healthz") == (200, {"status": "ok"})
    code, body = get(settings(slug, values), platform, "/readyz")
    assert code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "cache", "vectorStore"}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("broken", "check", "message"),
    [
        ("database", "database", "password authentication failed"),
        ("cache", "cache", "authentication failed"),
        ("vector", "vectorStore", "not found"),
    ],
)
def test_not_ready_with_wrong_credentials(
    platform: Platform,
    ready_tenant: tuple[str, dict[str, str]],
    broken: str,
    check: str,
    message: str,
) -> None:
    slug, values = ready_tenant
    wrong = {
        "database": {
            "database_url": values["PULSE_DATABASE_URL"].replace(
                values["PULSE_DATABASE_PASSWORD"], "wrong-password"
            )
        },
        "cache": {
            "redis_url": values["PULSE_REDIS_URL"].replace(
                values["PULSE_REDIS_PASSWORD"], "wrong-password"
            )
        },
        "vector": {"qdrant_collection": "tenant_someone_else"},
    }[broken]
    code, body = get(settings(slug, values, **wrong), platform, "/readyz")
    assert code == 503
    checks = body["checks"]
    assert checks[check]["ok"] is False  # type: ignore[index]
    assert message in checks[check]["message"]  # type: ignore[index]
    assert [k for k, v in checks.items() if not v["ok"]] == [check]  # type: ignore[union-attr]
    for secret in (
        values["PULSE_DATABASE_PASSWORD"],
        values["PULSE_REDIS_PASSWORD"],
        "wrong-password",
    ):
        assert secret not in json.dumps(body)
