"""User administration and one's own profile."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.backend.conftest import NEW_PASSWORD, Session, invite_and_login


def test_invite_list_get_and_duplicate(client: TestClient, admin: Session) -> None:
    email = f"Dev@{admin.tenant.slug}.example"
    r = client.post(
        "/api/v1/users",
        json={"email": email, "role": "member", "first_name": "Dee"},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    user = r.json()["user"]
    assert user["email"] == email.lower() and user["role"] == "member"
    assert user["first_name"] == "Dee" and user["active"] is True
    # No password until the invite link is used (the users page says so).
    assert user["invited"] is True
    assert r.json()["expires_in"] > 0
    listed = client.get("/api/v1/users", headers=admin.headers).json()
    assert [u["email"] for u in listed] == [admin.tenant.admin_email, email.lower()]
    assert client.get(f"/api/v1/users/{user['id']}", headers=admin.headers).json() == user
    # No user can log in before setting a password with the link.
    r = client.post(
        "/api/v1/auth/login",
        json={"tenant": admin.tenant.slug, "email": email, "password": "anything-at-all"},
    )
    assert r.status_code == 401
    r = client.post("/api/v1/users", json={"email": email, "role": "viewer"}, headers=admin.headers)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    # Named, so the invite form shows it under Email.
    assert r.json()["errors"] == [
        {"field": "email", "message": "a user with this email already exists"}
    ]


def test_invite_validation_names_fields(client: TestClient, admin: Session) -> None:
    r = client.post(
        "/api/v1/users", json={"email": "not-an-email", "role": "boss"}, headers=admin.headers
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"email", "role"}
    r = client.get("/api/v1/users/0", headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "user_id"
    r = client.get("/api/v1/users/99999", headers=admin.headers)
    assert r.status_code == 404


def test_role_change_applies_to_live_sessions_at_once(client: TestClient, admin: Session) -> None:
    member = invite_and_login(client, admin, "member")
    assert client.get("/api/v1/users", headers=member.headers).status_code == 403
    r = client.patch(
        f"/api/v1/users/{member.user_id}", json={"role": "admin"}, headers=admin.headers
    )
    assert r.status_code == 200 and r.json()["role"] == "admin"
    # Same access token (its role claim still says member): the session decides.
    assert client.get("/api/v1/users", headers=member.headers).status_code == 200
    r = client.patch(
        f"/api/v1/users/{member.user_id}", json={"role": "viewer"}, headers=admin.headers
    )
    assert client.get("/api/v1/users", headers=member.headers).status_code == 403


def test_deactivation_ends_sessions_and_blocks_login(client: TestClient, admin: Session) -> None:
    member = invite_and_login(client, admin, "member")
    email = client.get("/api/v1/auth/me", headers=member.headers).json()["email"]
    r = client.delete(f"/api/v1/users/{member.user_id}", headers=admin.headers)
    assert r.status_code == 200 and r.json()["active"] is False
    r = client.get("/api/v1/auth/me", headers=member.headers)
    assert r.status_code == 401
    r = client.post(
        "/api/v1/auth/login",
        json={"tenant": admin.tenant.slug, "email": email, "password": NEW_PASSWORD},
    )
    assert r.status_code == 401
    # Reactivated: they may log in again (their old session stays ended).
    client.patch(f"/api/v1/users/{member.user_id}", json={"active": True}, headers=admin.headers)
    assert client.get("/api/v1/auth/me", headers=member.headers).status_code == 401
    r = client.post(
        "/api/v1/auth/login",
        json={"tenant": admin.tenant.slug, "email": email, "password": NEW_PASSWORD},
    )
    assert r.status_code == 200


def test_admins_cannot_lock_the_tenant_out(client: TestClient, admin: Session) -> None:
    for body in ({"role": "member"}, {"active": False}):
        r = client.patch(f"/api/v1/users/{admin.user_id}", json=body, headers=admin.headers)
        assert r.status_code == 409, body
    assert client.delete(f"/api/v1/users/{admin.user_id}", headers=admin.headers).status_code == 409
    second = invite_and_login(client, admin, "admin")
    # With a second admin, one admin may demote the other, but not the last one.
    r = client.patch(
        f"/api/v1/users/{second.user_id}", json={"role": "member"}, headers=admin.headers
    )
    assert r.status_code == 200
    r = client.patch(f"/api/v1/users/{admin.user_id}", json={"role": None}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"


def test_profile_and_preferences(client: TestClient, admin: Session) -> None:
    viewer = invite_and_login(client, admin, "viewer")
    r = client.patch(
        "/api/v1/profile", json={"first_name": "Vi", "last_name": "Ewer"}, headers=viewer.headers
    )
    assert r.status_code == 200
    assert (r.json()["first_name"], r.json()["last_name"]) == ("Vi", "Ewer")
    assert client.get("/api/v1/profile", headers=viewer.headers).json()["first_name"] == "Vi"
    assert client.get("/api/v1/profile/preferences", headers=viewer.headers).json() == {
        "theme_mode": "system"
    }
    for mode in ("dark", "light", "system"):
        r = client.put(
            "/api/v1/profile/preferences", json={"theme_mode": mode}, headers=viewer.headers
        )
        assert r.status_code == 200
        assert client.get("/api/v1/profile/preferences", headers=viewer.headers).json() == {
            "theme_mode": mode
        }
    r = client.put(
        "/api/v1/profile/preferences", json={"theme_mode": "neon"}, headers=viewer.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "theme_mode"
    # A profile update cannot change one's role.
    r = client.patch("/api/v1/profile", json={"role": "admin"}, headers=viewer.headers)
    assert r.status_code == 422
    assert client.get("/api/v1/profile", headers=viewer.headers).json()["role"] == "viewer"


def test_names_with_nul_are_422s_not_database_errors(client: TestClient, admin: Session) -> None:
    # PostgreSQL text cannot hold U+0000 (found by the schemathesis fuzz).
    r = client.patch("/api/v1/profile", json={"first_name": "a\x00b"}, headers=admin.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "first_name"
    r = client.post(
        "/api/v1/users", json={"email": "n@x.example", "last_name": "\x00"}, headers=admin.headers
    )
    assert r.status_code == 422, r.text


def test_names_with_lone_surrogates_are_422s_not_driver_errors(
    client: TestClient, admin: Session
) -> None:
    # JSON's "\ud800" decodes to a lone surrogate, which UTF-8 cannot encode:
    # psycopg failed on it (a 500, found by test_bad_input).
    for path, method in [("/api/v1/profile", "PATCH"), ("/api/v1/users", "POST")]:
        body = '{"email": "s@x.example", "last_name": "a\\ud800b"}'
        r = client.request(
            method,
            path,
            content=body if method == "POST" else '{"last_name": "a\\udfffb"}',
            headers={**admin.headers, "Content-Type": "application/json"},
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "last_name"
        assert "surrogate" in r.json()["errors"][0]["message"]


def test_an_invited_user_is_invited_until_they_set_a_password(
    client: TestClient, admin: Session
) -> None:
    member = invite_and_login(client, admin, "member")
    listed = {u["id"]: u for u in client.get("/api/v1/users", headers=admin.headers).json()}
    assert listed[member.user_id]["invited"] is False
    assert listed[admin.user_id]["invited"] is False
