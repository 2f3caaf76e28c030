"""The job API verifies the token the backend forwards: the backend's
signature (JWKS by URL or file, refreshed when a new kid appears), expiry,
the tenant (``ten``/``tid``) and the role. Nothing reaches the jobs without
it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient

from pulse_backend.keys import KeyRing
from pulse_common import tokens
from pulse_etl import auth
from pulse_etl.app import create_app
from tests.etl.conftest import EtlTenant, Signer
from tests.etl.serve import served

JOBS = "/api/v1/jobs"


def _client(t: EtlTenant, **env: str) -> TestClient:
    return TestClient(create_app(t.settings(**env), qdrant=QdrantClient(location=":memory:")))


@pytest.fixture
def api(etl_tenant: EtlTenant) -> Iterator[TestClient]:
    with _client(etl_tenant) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_refused(api: TestClient, etl_tenant: EtlTenant, tmp_path: Path) -> None:
    t = etl_tenant
    r = api.get(JOBS)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert api.get(JOBS, headers=_bearer("not-a-jwt")).json()["code"] == "unauthenticated"
    expired = t.token(ttl=-120)
    assert api.get(JOBS, headers=_bearer(expired)).json()["message"] == "access token expired"
    # Signed by a key the backend never published (a kid of its own, then the same kid).
    stranger = Signer.create(tmp_path / "stranger")
    assert api.get(JOBS, headers=_bearer(stranger.token(t.slug, t.tenant_id))).status_code == 401
    forged = Signer.create(tmp_path / "forged")  # same kid as the real key
    r = api.get(JOBS, headers=_bearer(forged.token(t.slug, t.tenant_id)))
    assert r.status_code == 401 and r.json()["message"] == "invalid access token"
    # Another tenant's token, or the right slug with another tenant id.
    other = t.signer.token("someone-else", t.tenant_id + 1)
    r = api.get(JOBS, headers=_bearer(other))
    assert r.status_code == 403 and "another tenant" in r.json()["message"]
    assert (
        api.get(JOBS, headers=_bearer(t.signer.token(t.slug, t.tenant_id + 1))).status_code == 403
    )
    # Wrong audience.
    ring = t.signer.ring
    elsewhere = KeyRing(ring.active_kid, ring.private, "pulse", "elsewhere")
    claims = {"sub": "1", "tid": t.tenant_id, "ten": t.slug, "role": "admin", "sid": 1}
    assert api.get(JOBS, headers=_bearer(elsewhere.sign(claims, 300))).status_code == 401
    # Nothing was started by any of these.
    assert t.query("SELECT count(*) FROM etl_jobs WHERE status = 'running'")[0][0] == 0


def test_roles(api: TestClient, etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    assert api.get(JOBS, headers=t.auth("admin")).status_code == 200
    assert api.get(f"{JOBS}/jira-main", headers=t.auth("member")).status_code == 200
    r = api.post(f"{JOBS}/jira-main/start", headers=t.auth("member"))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert api.post(f"{JOBS}/jira-main/cancel", headers=t.auth("member")).status_code == 403
    assert api.get(JOBS, headers=t.auth("viewer")).status_code == 403
    assert t.query("SELECT count(*) FROM etl_jobs WHERE status = 'running'")[0][0] == 0


def _internal(t: EtlTenant, role: str, perm: object, **claims: object) -> dict[str, str]:
    ring = t.signer.ring
    internal = KeyRing(ring.active_kid, ring.private, "pulse", tokens.INTERNAL_AUDIENCE)
    base = {"sub": "7", "tid": t.tenant_id, "ten": t.slug, "role": role, "sid": 1}
    return _bearer(internal.sign({**base, tokens.PERMISSIONS_CLAIM: perm, **claims}, 60))


def test_internal_tokens_carry_the_backends_permissions(
    api: TestClient, etl_tenant: EtlTenant
) -> None:
    """The backend's token for one call: the permission it checked (a
    member's grant included) decides, not the role."""
    t = etl_tenant
    granted = _internal(t, "member", ["jobs:write"])
    assert api.post(f"{JOBS}/nope/start", headers=granted).status_code == 404  # past auth
    # jobs:write alone does not read; jobs:read alone does not control.
    assert api.get(JOBS, headers=granted).status_code == 403
    reader = _internal(t, "admin", ["jobs:read"])
    assert api.get(JOBS, headers=reader).status_code == 200
    r = api.post(f"{JOBS}/jira-main/cancel", headers=reader)
    assert r.status_code == 403 and "jobs:write" in r.json()["message"]
    # Unknown permissions grant nothing; no or a malformed list is no token at all.
    assert api.get(JOBS, headers=_internal(t, "admin", ["users:write", "*"])).status_code == 403
    for bad in (None, "jobs:read", [1]):
        assert api.get(JOBS, headers=_internal(t, "admin", bad)).status_code == 401
    # Still this tenant's only.
    other = _internal(t, "admin", ["jobs:read"], ten="someone-else")
    assert api.get(JOBS, headers=other).status_code == 403
    # Expired after its short life.
    ring = t.signer.ring
    internal = KeyRing(ring.active_kid, ring.private, "pulse", tokens.INTERNAL_AUDIENCE)
    claims = {"sub": "7", "tid": t.tenant_id, "ten": t.slug, "role": "admin", "sid": 1}
    old = internal.sign({**claims, tokens.PERMISSIONS_CLAIM: ["jobs:read"]}, -120)
    assert api.get(JOBS, headers=_bearer(old)).json()["message"] == "access token expired"
    assert t.query("SELECT count(*) FROM etl_jobs WHERE status = 'running'")[0][0] == 0


def test_no_jwks_fails_closed(etl_tenant: EtlTenant) -> None:
    with _client(etl_tenant, PULSE_ETL_JWKS="") as api:
        r = api.get(JOBS, headers=etl_tenant.auth())
        assert r.status_code == 503 and r.json()["code"] == "backend_unavailable"
    with _client(etl_tenant, PULSE_ETL_JWKS="http://127.0.0.1:9/jwks.json") as api:
        assert api.get(JOBS, headers=etl_tenant.auth()).status_code == 503


def test_jwks_over_http_and_rotation(
    etl_tenant: EtlTenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backend's JWKS route, fetched once and again when a token names a
    kid it does not know (rotation), at most once per REFRESH_SECONDS."""
    t = etl_tenant
    published = {"keys": list(t.signer.ring.jwks()["keys"])}
    fetches: list[int] = []
    backend = FastAPI()

    @backend.get("/api/v1/.well-known/jwks.json")
    def jwks() -> dict[str, list[dict[str, str]]]:
        fetches.append(1)
        return published

    rotated = Signer.create(tmp_path / "rotated", kid="etl-k2")
    with served(backend) as url, _client(t, PULSE_ETL_JWKS="", PULSE_BACKEND_URL=url) as api:
        for _ in range(3):
            assert api.get(JOBS, headers=t.auth()).status_code == 200
        assert len(fetches) == 1
        new_token = rotated.token(t.slug, t.tenant_id)
        # Not published yet: refused, and within the refresh interval no refetch.
        assert api.get(JOBS, headers=_bearer(new_token)).status_code == 401
        assert api.get(JOBS, headers=_bearer(new_token)).status_code == 401
        assert len(fetches) == 1
        published["keys"] += rotated.ring.jwks()["keys"]
        monkeypatch.setattr(auth, "REFRESH_SECONDS", 0.0)
        assert api.get(JOBS, headers=_bearer(new_token)).status_code == 200
        assert len(fetches) == 2
        assert api.get(JOBS, headers=t.auth()).status_code == 200  # the old key still verifies
    assert json.loads(t.signer.jwks.read_text())["keys"][0]["kid"] == "etl-k1"
