"""Issue 8 (scale): the first admin's initial password, a random secret the
platform issued, is stored with cheap argon2id parameters (provisioning
hundreds of tenants at once must not pay 64 MiB and up to a second of CPU
each); the first sign-in re-hashes it with the full parameters, and a
password a person chooses is always hashed with the full parameters. Against
the real primary, replica and Redis, through the backend's login routes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_common.security import needs_rehash, verify_password
from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend.conftest import NEW_PASSWORD, Platform, TenantInfo, bearer, login

FULL = PasswordHasher()


def _stored(platform: Platform, tenant: TenantInfo) -> str:
    schema = quote_ident(TenantNames(tenant.slug).schema)
    with platform.engine.connect() as conn:
        return str(
            conn.execute(
                text(f"SELECT password_hash FROM {schema}.users WHERE email = :e"),
                {"e": tenant.admin_email},
            ).scalar_one()
        )


def _params(stored: str) -> dict[str, int]:
    # $argon2id$v=19$m=...,t=...,p=...$salt$hash
    fields = stored.split("$")[3]
    return {k: int(v) for k, v in (kv.split("=") for kv in fields.split(","))}


def _is_full(stored: str) -> bool:
    try:
        return stored.startswith("$argon2id$") and not FULL.check_needs_rehash(stored)
    except InvalidHashError:
        return False


def test_initial_hash_is_cheap_and_the_first_sign_in_rehashes_it(
    production_argon2: PasswordHasher, client: TestClient, tenant: TenantInfo, platform: Platform
) -> None:
    initial = _stored(platform, tenant)
    assert initial.startswith("$argon2id$")
    params = _params(initial)
    assert params["m"] < FULL.memory_cost and params["t"] <= FULL.time_cost, params
    assert not _is_full(initial) and needs_rehash(initial)
    assert verify_password(tenant.admin_password, initial)

    body = login(client, tenant.slug, tenant.admin_email, tenant.admin_password)
    rehashed = _stored(platform, tenant)
    assert rehashed != initial and _is_full(rehashed) and not needs_rehash(rehashed)
    assert _params(rehashed) == {
        "m": FULL.memory_cost,
        "t": FULL.time_cost,
        "p": FULL.parallelism,
    }
    assert verify_password(tenant.admin_password, rehashed)
    assert not verify_password(tenant.admin_password + "x", rehashed)
    # The same initial password still signs in, and is not re-hashed again.
    login(client, tenant.slug, tenant.admin_email, tenant.admin_password)
    assert _stored(platform, tenant) == rehashed

    # The password the admin chooses is hashed with the full parameters.
    r = client.post(
        "/api/v1/auth/password",
        json={"current_password": tenant.admin_password, "new_password": NEW_PASSWORD},
        headers=bearer(body["access_token"]),
    )
    assert r.status_code == 200, r.text
    chosen = _stored(platform, tenant)
    assert chosen != rehashed and _is_full(chosen)
    assert verify_password(NEW_PASSWORD, chosen)
    login(client, tenant.slug, tenant.admin_email, NEW_PASSWORD)
    assert _stored(platform, tenant) == chosen


def test_a_wrong_password_leaves_the_cheap_hash_alone(
    client: TestClient, tenant: TenantInfo, platform: Platform
) -> None:
    """Only a verified password is re-hashed: a failed attempt writes nothing."""
    initial = _stored(platform, tenant)
    r = client.post(
        "/api/v1/auth/login",
        json={"tenant": tenant.slug, "email": tenant.admin_email, "password": "wrong-password"},
    )
    assert r.status_code == 401
    assert _stored(platform, tenant) == initial
