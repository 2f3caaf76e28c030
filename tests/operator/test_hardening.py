"""Issue 8 through the real operator: the first admin's password is handed
over in a Secret (items 6), suspension and Retain deletion revoke every
credential (item 3), and every generation is observed (item 5)."""

from __future__ import annotations

import base64
import json
from typing import Any

import psycopg
import pytest
import redis
from kubernetes import client as k8s
from sqlalchemy import text

from pulse_common import vectorstore
from pulse_common.db import connect
from pulse_common.security import hash_password, verify_password
from pulse_common.tenancy import TenantNames, quote_ident
from tests.operator.conftest import Platform, Tenants, events_for, secret_values, wait_for

pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.redis]
ADMIN_SECRET = "pulse-admin-initial"


def _admin_secret(platform: Platform, slug: str) -> dict[str, Any] | None:
    core = k8s.CoreV1Api(platform.api)
    try:
        sec = core.read_namespaced_secret(ADMIN_SECRET, TenantNames(slug).namespace)
    except k8s.ApiException as exc:
        if exc.status == 404:
            return None
        raise
    return {
        "data": {k: base64.b64decode(v).decode() for k, v in (sec.data or {}).items()},
        "owners": [(o.kind, o.name, o.uid) for o in sec.metadata.owner_references or []],
    }


def _admin_row(platform: Platform, slug: str) -> tuple[str, str, bool]:
    schema = quote_ident(TenantNames(slug).schema)
    with connect(platform.engine) as conn:
        row = conn.execute(
            text(
                f"SELECT email, password_hash, must_change_password FROM {schema}.users "
                "WHERE role = 'admin'"
            )
        ).one()
    return str(row[0]), str(row[1]), bool(row[2])


def test_first_admin_gets_the_initial_password_in_a_secret(
    platform: Platform, tenants: Tenants
) -> None:
    slug = tenants.apply()
    obj = tenants.wait_phase(slug, "Ready")
    secret = wait_for("the admin Secret", lambda: _admin_secret(platform, slug), timeout=30)
    email, stored, must_change = _admin_row(platform, slug)
    password = secret["data"]["password"]
    assert secret["data"]["email"] == email == f"admin@{slug}.example"
    assert must_change and verify_password(password, stored)
    assert secret["owners"] == [("PulseTenant", slug, obj["metadata"]["uid"])]
    # Never in the status or the Events.
    assert password not in json.dumps(tenants.get(slug))
    assert all(password not in json.dumps(e) for e in events_for(platform, slug))

    # Rotation on request: delete the Secret while the admin must still change it.
    k8s.CoreV1Api(platform.api).delete_namespaced_secret(ADMIN_SECRET, TenantNames(slug).namespace)
    rotated = wait_for(
        "a new admin Secret",
        lambda: (s := _admin_secret(platform, slug)) and s["data"]["password"] != password and s,
        timeout=30,
    )
    _, stored, _ = _admin_row(platform, slug)
    assert verify_password(rotated["data"]["password"], stored)
    assert not verify_password(password, stored)

    # Once the admin chose their own, a deleted Secret is not re-issued.
    schema = quote_ident(TenantNames(slug).schema)
    with connect(platform.engine) as conn:
        conn.execute(
            text(
                f"UPDATE {schema}.users SET must_change_password = false, password_hash = :h "
                "WHERE role = 'admin'"
            ),
            {"h": hash_password("chosen-by-the-admin")},
        )
    k8s.CoreV1Api(platform.api).delete_namespaced_secret(ADMIN_SECRET, TenantNames(slug).namespace)
    tenants.patch(slug, {"displayName": "Renamed"})  # a full pass that sees the missing Secret
    tenants.wait_phase(slug, "Ready")
    assert _admin_secret(platform, slug) is None
    assert verify_password("chosen-by-the-admin", _admin_row(platform, slug)[1])


def test_a_deletion_policy_change_is_observed(platform: Platform, tenants: Tenants) -> None:
    slug = tenants.apply()
    before = tenants.wait_phase(slug, "Ready")
    tenants.patch(slug, {"deletionPolicy": "Delete"})
    after = tenants.wait_phase(slug, "Ready", timeout=30)
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert after["status"]["observedGeneration"] == after["metadata"]["generation"]


def _pg_works(platform: Platform, user: str, password: str) -> bool:
    try:
        with psycopg.connect(platform.tenant_dsn(user, password), connect_timeout=5) as c:
            return c.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def _redis_works(platform: Platform, user: str, password: str) -> bool:
    client = redis.Redis(
        host="127.0.0.1", port=platform.world.redis.port, username=user, password=password
    )
    try:
        return bool(client.ping())
    except (redis.AuthenticationError, redis.ResponseError):
        return False
    finally:
        client.close()


def _token_works(platform: Platform, slug: str, token: str) -> bool:
    return vectorstore.token_accepted(
        platform.qdrant,
        platform.env["PULSE_OPERATOR_QDRANT_API_KEY"],
        token,
        TenantNames(slug).collection,
        slug,
    )


def _works(platform: Platform, slug: str, creds: dict[str, str]) -> tuple[bool, bool, bool]:
    return (
        _pg_works(platform, creds["PULSE_DATABASE_USER"], creds["PULSE_DATABASE_PASSWORD"]),
        _redis_works(platform, creds["PULSE_REDIS_USER"], creds["PULSE_REDIS_PASSWORD"]),
        _token_works(platform, slug, creds["PULSE_QDRANT_TOKEN"]),
    )


def test_suspension_and_retain_deletion_revoke_every_credential(
    platform: Platform, tenants: Tenants
) -> None:
    slug = tenants.apply()
    tenants.wait_phase(slug, "Ready")
    first = secret_values(platform, slug)
    assert _works(platform, slug, first) == (True, True, True)
    session = psycopg.connect(
        platform.tenant_dsn(first["PULSE_DATABASE_USER"], first["PULSE_DATABASE_PASSWORD"]),
        autocommit=True,
    )

    tenants.patch(slug, {"suspended": True})
    tenants.wait_phase(slug, "Suspended")
    assert _works(platform, slug, first) == (False, False, False)
    with pytest.raises(psycopg.OperationalError):  # open sessions end too
        session.execute("SELECT 1")
    session.close()

    tenants.patch(slug, {"suspended": False})
    tenants.wait_phase(slug, "Ready")
    resumed = wait_for(
        "credentials that work again",
        lambda: (
            (c := secret_values(platform, slug)) and _works(platform, slug, c) == (True,) * 3 and c
        ),
        timeout=30,
    )

    tenants.delete(slug)  # Retain
    assert _works(platform, slug, resumed) == (False, False, False)
    wait_for(
        "the namespace to go",
        lambda: platform.kubectl("get", "ns", TenantNames(slug).namespace, check=False).returncode,
        timeout=90,
    )

    tenants.apply(slug)  # re-created under the same name: adopts the data, not the old tokens
    tenants.wait_phase(slug, "Ready")
    again = secret_values(platform, slug)
    assert _works(platform, slug, again) == (True, True, True)
    assert _works(platform, slug, resumed) == (False, False, False)
    assert _works(platform, slug, first) == (False, False, False)
