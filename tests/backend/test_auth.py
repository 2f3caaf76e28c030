"""Login, refresh rotation and reuse detection, logout, the must-change-password
gate, set-password links and the JWKS, against the real primary, replica
and Redis."""

from __future__ import annotations

import base64

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.backend.conftest import (
    NEW_PASSWORD,
    Platform,
    Session,
    TenantInfo,
    admin_session,
    bearer,
    invite_and_login,
    login,
)


def _refresh_cookie(client: TestClient) -> str:
    value = client.cookies.get("pulse_refresh")
    assert value
    return value


def _set_refresh(client: TestClient, value: str) -> None:
    client.cookies.clear()
    client.cookies.set("pulse_refresh", value)


def test_login_issues_ed25519_token_verifiable_with_jwks(
    client: TestClient, tenant: TenantInfo
) -> None:
    r = client.post(
        "/api/v1/auth/login",
        json={
            "tenant": tenant.slug,
            "email": tenant.admin_email.upper(),
            "password": tenant.admin_password,
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["must_change_password"] is True
    assert body["user"]["role"] == "admin"
    cookie = r.headers["set-cookie"]
    for attr in ("HttpOnly", "Secure", "SameSite=strict", "Path=/api/v1/auth"):
        assert attr.lower() in cookie.lower()

    token = body["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"] == "k2"
    jwks = client.get("/api/v1/.well-known/jwks.json").json()
    assert {k["kid"] for k in jwks["keys"]} == {"k1", "k2"}
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert "d" not in jwk  # public keys only
    raw = base64.urlsafe_b64decode(jwk["x"] + "==")
    claims = jwt.decode(
        token,
        Ed25519PublicKey.from_public_bytes(raw),
        algorithms=["EdDSA"],
        audience="pulse-api",
        issuer="pulse",
    )
    assert claims["ten"] == tenant.slug and claims["tid"] == tenant.tenant_id
    assert claims["role"] == "admin" and claims["sub"] == str(body["user"]["id"])
    for claim in ("sid", "exp", "iat", "jti"):
        assert claim in claims


def test_wrong_password_unknown_user_and_unknown_tenant_look_the_same(
    client: TestClient, tenant: TenantInfo
) -> None:
    attempts = [
        (tenant.slug, tenant.admin_email, "wrong-password"),
        (tenant.slug, "nobody@example.com", tenant.admin_password),
        ("no-such-tenant", tenant.admin_email, tenant.admin_password),
    ]
    for slug, email, password in attempts:
        r = client.post(
            "/api/v1/auth/login", json={"tenant": slug, "email": email, "password": password}
        )
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "invalid_credentials"
        assert r.json()["detail"] == "invalid tenant, email or password"


def test_login_validation_names_the_field(client: TestClient) -> None:
    r = client.post("/api/v1/auth/login", json={"tenant": "Bad_Slug", "email": "x@y.example"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_input"
    assert {e["field"] for e in body["errors"]} == {"tenant", "password"}


def test_must_change_password_gate(client: TestClient, tenant: TenantInfo) -> None:
    body = login(client, tenant.slug, tenant.admin_email, tenant.admin_password)
    headers = bearer(body["access_token"])
    r = client.get("/api/v1/users", headers=headers)
    assert r.status_code == 403
    assert r.json()["code"] == "password_change_required"
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200

    r = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not-it", "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "current_password"
    r = client.post(
        "/api/v1/auth/password",
        json={"current_password": tenant.admin_password, "new_password": "short"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "new_password"
    r = client.post(
        "/api/v1/auth/password",
        json={"current_password": tenant.admin_password, "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["must_change_password"] is False
    # The same access token now passes the gate (the session, not the token, holds the flag).
    assert client.get("/api/v1/users", headers=headers).status_code == 200
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me["must_change_password"] is False
    # The old password no longer works, the new one does.
    r = client.post(
        "/api/v1/auth/login",
        json={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": tenant.admin_password,
        },
    )
    assert r.status_code == 401
    login(client, tenant.slug, tenant.admin_email, NEW_PASSWORD)


def test_refresh_rotates_and_reuse_kills_the_family(client: TestClient, admin: Session) -> None:
    first = _refresh_cookie(client)
    r = client.post("/api/v1/auth/refresh")
    assert r.status_code == 200, r.text
    second = _refresh_cookie(client)
    assert second != first
    new_access = r.json()["access_token"]
    assert client.get("/api/v1/auth/me", headers=bearer(new_access)).status_code == 200

    # The rotated (first) token comes back: the whole session ends.
    _set_refresh(client, first)
    r = client.post("/api/v1/auth/refresh")
    assert r.status_code == 401 and r.json()["code"] == "refresh_token_reused"
    for token in (admin.token, new_access):
        r = client.get("/api/v1/auth/me", headers=bearer(token))
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    # Even the newest refresh token of that family is dead now.
    _set_refresh(client, second)
    assert client.post("/api/v1/auth/refresh").status_code == 401


def test_refresh_without_or_with_garbage_cookie(client: TestClient, tenant: TenantInfo) -> None:
    assert client.post("/api/v1/auth/refresh").status_code == 401
    for junk in ("x", f"{tenant.slug}.notanumber.abc", f"{tenant.slug}.999999.abc", "../..x.1.y"):
        _set_refresh(client, junk)
        r = client.post("/api/v1/auth/refresh")
        assert r.status_code in {401, 403}, (junk, r.text)


def test_logout_ends_the_session_at_once(client: TestClient, admin: Session) -> None:
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200
    r = client.post("/api/v1/auth/logout", headers=admin.headers)
    assert r.status_code == 204
    r = client.get("/api/v1/auth/me", headers=admin.headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/v1/auth/refresh").status_code == 401


def test_logout_is_seen_by_another_backend_instance(
    make_client, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    a, b = make_client(), make_client()
    s = admin_session(a, tenant)
    assert b.get("/api/v1/auth/me", headers=s.headers).status_code == 200
    a.post("/api/v1/auth/logout", headers=s.headers)
    assert b.get("/api/v1/auth/me", headers=s.headers).status_code == 401


def test_session_row_is_the_truth_when_redis_forgets(
    client: TestClient, admin: Session, platform: Platform, redis_admin
) -> None:  # type: ignore[no-untyped-def]
    """A Redis restart without persistence drops cached sessions: they are
    answered from users_sessions, and an ended one stays ended."""
    for key in redis_admin.scan_iter(f"t:{admin.tenant.slug}:sess:*"):
        redis_admin.delete(key)
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200
    with platform.engine.begin() as conn:
        conn.execute(
            text(
                f'UPDATE "tenant_{admin.tenant.slug.replace("-", "_")}".users_sessions SET active = false'
            )
        )
    for key in redis_admin.scan_iter(f"t:{admin.tenant.slug}:sess:*"):
        redis_admin.delete(key)
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 401


def test_tampered_and_foreign_tokens_refused(client: TestClient, admin: Session) -> None:
    header, payload, sig = admin.token.split(".")
    bad_sig = sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")
    for token in (f"{header}.{payload}.{bad_sig}", "not-a-jwt", ""):
        r = client.get("/api/v1/auth/me", headers=bearer(token))
        assert r.status_code == 401
    # Signed by a key the backend does not know (same kid).
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    claims = jwt.decode(admin.token, options={"verify_signature": False})
    forged = jwt.encode(
        claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "k2"}
    )
    assert client.get("/api/v1/auth/me", headers=bearer(forged)).status_code == 401
    # alg=none is never accepted.
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k2"})  # type: ignore[arg-type]
    assert client.get("/api/v1/auth/me", headers=bearer(unsigned)).status_code == 401


def test_set_password_link_is_single_use(client: TestClient, admin: Session) -> None:
    email = f"new@{admin.tenant.slug}.example"
    r = client.post("/api/v1/users", json={"email": email, "role": "viewer"}, headers=admin.headers)
    assert r.status_code == 201
    link = r.json()["set_password_url"]
    assert link.startswith("http") and "#token=" in link
    token = link.split("#token=", 1)[1]
    r = client.post("/api/v1/auth/set-password", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 200 and r.json()["email"] == email
    r = client.post("/api/v1/auth/set-password", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 401
    login(client, admin.tenant.slug, email, NEW_PASSWORD)


def test_admin_issued_reset_link(client: TestClient, admin: Session) -> None:
    member = invite_and_login(client, admin, "member")
    r = client.post(f"/api/v1/users/{member.user_id}/password-reset", headers=admin.headers)
    assert r.status_code == 201
    token = r.json()["set_password_url"].split("#token=", 1)[1]
    other = "another-long-password-9"
    r = client.post("/api/v1/auth/set-password", json={"token": token, "password": other})
    assert r.status_code == 200
    # Setting a password through a link ends the user's sessions.
    assert client.get("/api/v1/auth/me", headers=member.headers).status_code == 401
    login(client, admin.tenant.slug, r.json()["email"], other)


def test_key_rotation_old_kid_still_verifies(make_client, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    """Tokens signed by the previous key stay valid while that key is kept
    for verification; the JWKS publishes both; a removed key's tokens die."""
    old = make_client(jwt_active_kid="k1")
    body = login(old, tenant.slug, tenant.admin_email, tenant.admin_password)
    assert jwt.get_unverified_header(body["access_token"])["kid"] == "k1"
    new = make_client(jwt_active_kid="k2")
    assert new.get("/api/v1/auth/me", headers=bearer(body["access_token"])).status_code == 200
    fresh = login(new, tenant.slug, tenant.admin_email, tenant.admin_password)
    assert jwt.get_unverified_header(fresh["access_token"])["kid"] == "k2"


def test_unknown_kid_is_refused(
    make_client, platform: Platform, tenant: TenantInfo, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from pulse_backend.keys import write_key

    write_key(tmp_path, "k9")
    other = make_client(jwt_keys_dir=str(tmp_path), jwt_active_kid="k9")
    body = login(other, tenant.slug, tenant.admin_email, tenant.admin_password)
    ours = make_client()
    r = ours.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert r.status_code == 401 and "unknown key" in r.json()["detail"]


def test_login_rehashes_when_security_says_so(
    client: TestClient, admin: Session, platform: Platform, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """``needs_rehash`` is used when pulse_common.security offers it (the
    argon2id change): an outdated hash is replaced at the next good login."""
    from pulse_common import security

    schema = "tenant_" + admin.tenant.slug.replace("-", "_")
    query = text(f"SELECT password_hash FROM {schema}.users WHERE id = :u")
    with platform.engine.connect() as conn:
        before = conn.execute(query, {"u": admin.user_id}).scalar_one()
    monkeypatch.setattr(security, "needs_rehash", lambda stored: stored == before, raising=False)
    login(client, admin.tenant.slug, admin.tenant.admin_email, NEW_PASSWORD)
    with platform.engine.connect() as conn:
        after = conn.execute(query, {"u": admin.user_id}).scalar_one()
    assert after != before and security.verify_password(NEW_PASSWORD, after)
    login(client, admin.tenant.slug, admin.tenant.admin_email, NEW_PASSWORD)
