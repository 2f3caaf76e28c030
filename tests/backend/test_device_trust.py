"""Per-device trust at sign-in (``pulse_backend.devices``), in the real Redis
and PostgreSQL: guesses made elsewhere lock an email, not the browser that
already signed in as that user; a trusted device's own guesses are limited;
only a current device token of this tenant and user is trusted, also when
Redis was unreachable as the user's devices were distrusted."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pulse_backend import devices, passwords
from pulse_backend.keys import KeyRing, load_dir, write_key
from pulse_backend.settings import RateLimits
from tests.backend.conftest import (
    NEW_PASSWORD,
    Platform,
    TenantFactory,
    TenantInfo,
    admin_session,
    bearer,
    invite_and_login,
    login,
)
from tests.backend.redis_cut import RedisCut, redis_cut

LOCKED = "too many sign-in attempts for this email; retry in 15 minutes"
Clients = Callable[..., TestClient]
# The DEL of a user's device generation (``devices.distrust_all``), as redis-py sends it.
DEL_GENERATION = rb"\$3\r\nDEL\r\n\$\d+\r\n[^\r]*:devgen:"
LOST = 'pulse_redis_errors_total{fallback="device_distrust_lost"} 1.0'


@pytest.fixture
def cut(platform: Platform) -> Iterator[RedisCut]:
    """The real Redis, through a proxy the test can cut (``redis_cut``)."""
    with redis_cut(platform.redis_url) as proxy:
        yield proxy


def _client(make_client: Clients, **rate: int) -> TestClient:
    """A browser of its own (its own cookies and network address)."""
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    limits = RateLimits(**{"login_per_email": 3, "login_per_address": 1000, **rate})
    return make_client(client_address=address, rate=limits)


def _login(client: TestClient, t: TenantInfo, password: str, email: str | None = None) -> int:
    r = client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "email": email or t.admin_email, "password": password},
    )
    if r.status_code == 429:  # the same words whichever limit refused it
        assert r.json()["detail"] == LOCKED, r.text
    return r.status_code


def _lock_email(make_client: Clients, t: TenantInfo, email: str | None = None) -> None:
    """An attacker who knows the email, from a fresh browser."""
    attacker = _client(make_client)
    statuses = [_login(attacker, t, "wrong-password", email) for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _login(attacker, t, t.admin_password, email) == 429


def _device_token(client: TestClient) -> str:
    value = client.cookies.get(devices.COOKIE)
    assert value, "no device cookie"
    return value


def _with_token(make_client: Clients, token: str, **rate: int) -> TestClient:
    other = _client(make_client, **rate)
    other.cookies.set(devices.COOKIE, token)
    return other


def test_email_locked_by_guesses_and_the_trusted_device_still_signs_in(
    make_client: Clients, make_tenant: TenantFactory
) -> None:
    t = make_tenant()
    device = _client(make_client)
    r = device.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "email": t.admin_email, "password": t.admin_password},
    )
    assert r.status_code == 200
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("pulse_device="))
    for attr in ("HttpOnly", "Secure", "SameSite=strict", "Path=/api/v1/auth/login", "Max-Age="):
        assert attr.lower() in cookie.lower()
    token = _device_token(device)
    assert token not in r.text  # not readable by the page: only in the HttpOnly cookie

    _lock_email(make_client, t)
    assert _login(device, t, t.admin_password) == 200
    # Its own typo is counted on the device, and the right password still works.
    assert _login(device, t, "wrong-password") == 401
    assert _login(device, t, t.admin_password) == 200
    # Signing out ends the session, not the device's trust.
    body = device.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "email": t.admin_email, "password": t.admin_password},
    ).json()
    assert (
        device.post("/api/v1/auth/logout", headers=bearer(body["access_token"])).status_code == 204
    )
    assert _login(device, t, t.admin_password) == 200


def test_a_trusted_devices_own_guesses_are_limited_then_it_is_distrusted(
    make_client: Clients, make_tenant: TenantFactory
) -> None:
    t = make_tenant()
    device = _client(make_client, login_per_device=2)  # per email: 3
    assert _login(device, t, t.admin_password) == 200
    stolen = _device_token(device)
    assert [_login(device, t, "wrong-password") for _ in range(3)] == [401, 401, 429]
    # Over its limit the device is distrusted (a copy of its token too): its
    # attempts now count per email like a stranger's, and the email is locked.
    _lock_email(make_client, t)
    assert _login(device, t, t.admin_password) == 429
    thief = _with_token(make_client, stolen)
    assert _login(thief, t, t.admin_password) == 429


def test_forged_expired_and_other_device_tokens_give_no_trust(
    make_client: Clients, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    t = make_tenant()
    admin = _client(make_client)
    session = admin_session(admin, t)
    assert _login(admin, t, t.admin_password) == 200
    genuine = _device_token(admin)
    member_browser = _client(make_client)
    invite_and_login(member_browser, session, "member")
    members_device = _device_token(member_browser)
    # A device token is no access token.
    assert admin.get("/api/v1/auth/me", headers=bearer(genuine)).status_code == 401

    ring: KeyRing = admin.app.state.clients.keys  # type: ignore[attr-defined]
    audience = devices.audience(admin.app.state.clients)  # type: ignore[attr-defined]
    claims = ring.verify_other(genuine, audience=audience, required=devices.REQUIRED_CLAIMS)
    kept = {k: claims[k] for k in devices.DEVICE_CLAIMS}
    expired = ring.sign(kept, -60, audience=audience)
    write_key(tmp_path, "forger")
    forger = KeyRing(
        ring.active_kid, {ring.active_kid: load_dir(tmp_path)["forger"]}, ring.issuer, ""
    )
    forged = forger.sign(kept, 3600, audience=audience)
    head, payload, _ = genuine.split(".")
    tampered = f"{head}.{payload}.{'A' * 86}"
    another_email = kept | {"em": passwords.digest(f"x@{t.slug}.example")}
    other_email = ring.sign(another_email, 3600, audience=audience)
    as_access = ring.sign(kept, 3600)  # the right claims, the access tokens' audience
    # Issued before device revocations were counted in PostgreSQL (no ``rev``).
    legacy = ring.sign({k: v for k, v in kept.items() if k != "rev"}, 3600, audience=audience)

    _lock_email(make_client, t)
    bad = [expired, forged, tampered, other_email, members_device, as_access, legacy, session.token]
    assert [_login(_with_token(make_client, b), t, t.admin_password) for b in bad] == [429] * 8
    # The genuine token, from any browser holding it, is trusted.
    assert _login(_with_token(make_client, genuine), t, t.admin_password) == 200


def test_password_change_and_deactivation_distrust_every_device(
    make_client: Clients, make_tenant: TenantFactory
) -> None:
    t = make_tenant()
    admin = _client(make_client)
    assert _login(admin, t, t.admin_password) == 200
    session = admin_session(admin, t)  # signs in again, changes the password
    old = _device_token(admin)
    later = _client(make_client)
    assert _login(later, t, t.admin_password) == 200  # trusted after the change
    member_browser = _client(make_client)
    member = invite_and_login(member_browser, session, "member")
    member_email = member_browser.get("/api/v1/auth/me", headers=member.headers).json()["email"]

    _lock_email(make_client, t)
    assert _login(_with_token(make_client, old), t, t.admin_password) == 429
    assert _login(admin, t, t.admin_password) == 429
    assert _login(later, t, t.admin_password) == 200

    # An admin deactivating the user distrusts their devices, also once reactivated.
    for active in (False, True):
        r = admin.patch(
            f"/api/v1/users/{member.user_id}", json={"active": active}, headers=session.headers
        )
        assert r.status_code == 200, r.text
    _lock_email(make_client, t, member_email)
    assert _login(member_browser, t, NEW_PASSWORD, member_email) == 429


def test_a_password_change_that_redis_missed_still_distrusts_older_devices(
    make_client: Clients, make_tenant: TenantFactory, cut: RedisCut
) -> None:
    t = make_tenant()
    before = _client(make_client)
    assert _login(before, t, t.admin_password) == 200
    old = _device_token(before)
    # The password is changed on a backend whose Redis goes away just as the
    # devices are distrusted (its own limit was counted): the generation the
    # old token carries stays in Redis.
    backend = make_client(redis_url=cut.url)
    token = login(backend, t.slug, t.admin_email, t.admin_password)["access_token"]
    cut.cut_at(DEL_GENERATION)
    change = {"current_password": t.admin_password, "new_password": NEW_PASSWORD}
    r = backend.post("/api/v1/auth/password", json=change, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert cut.cuts == 1 and LOST in backend.get("/metrics").text
    cut.up()
    after = _client(make_client)
    assert _login(after, t, NEW_PASSWORD) == 200

    # The old token's guesses are a stranger's: charged to the email (3 per
    # window), not to its device (10), so they lock the email...
    thief = _with_token(make_client, old, login_per_device=10)
    assert [_login(thief, t, "wrong-password") for _ in range(4)] == [401, 401, 401, 429]
    assert _login(_client(make_client), t, NEW_PASSWORD) == 429
    # ...for the old device too, with the right password, but not for the
    # device trusted after the change.
    assert _login(thief, t, NEW_PASSWORD) == 429
    assert _login(before, t, NEW_PASSWORD) == 429
    assert _login(after, t, NEW_PASSWORD) == 200


def test_a_deactivation_while_redis_is_unreachable_still_distrusts_every_device(
    make_client: Clients, make_tenant: TenantFactory, cut: RedisCut
) -> None:
    t = make_tenant()
    admin = _client(make_client)
    session = admin_session(admin, t)
    member_browser = _client(make_client)
    member = invite_and_login(member_browser, session, "member")
    member_email = member_browser.get("/api/v1/auth/me", headers=member.headers).json()["email"]
    # An admin deactivates the member on a backend that cannot reach Redis
    # at all (authenticated requests go on from PostgreSQL)...
    backend = make_client(redis_url=cut.url)
    cut.down()
    path = f"/api/v1/users/{member.user_id}"
    r = backend.patch(path, json={"active": False}, headers=session.headers)
    assert r.status_code == 200, r.text
    assert LOST in backend.get("/metrics").text
    # ...and reactivates them once it is back.
    cut.up()
    r = backend.patch(path, json={"active": True}, headers=session.headers)
    assert r.status_code == 200, r.text
    after = _client(make_client)
    assert _login(after, t, NEW_PASSWORD, member_email) == 200

    _lock_email(make_client, t, member_email)
    assert _login(member_browser, t, NEW_PASSWORD, member_email) == 429
    assert _login(after, t, NEW_PASSWORD, member_email) == 200
