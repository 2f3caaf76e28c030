"""``/api/v1/ml/learning-memory``: who sees whose feedback and who decides
which corrections the assistant uses for everyone.

Feedback holds a user's questions to the assistant and its answers, which
are private to their owner: a member lists only their own entries, an admin
(``integrations:write``, the assistant's settings) every user's. A member's
correction waits for an admin (``pending``) and applies meanwhile to its
author's questions only; an admin lists, accepts and rejects them. The
table is in the tenant's schema, so another tenant's id is not found."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.backend.conftest import Platform, Session, admin_session, invite_and_login
from tests.backend.support import wait_replica

URL = "/api/v1/ml/learning-memory"


def _give(client: TestClient, s: Session, question: str, correction: str | None) -> dict[str, Any]:
    body = {
        "kind": "assistant_feedback",
        "user_intent": question,
        "original_answer": "Lead time is 3 days.",
        "user_feedback": "down",
        "corrected_answer": correction,
    }
    r = client.post(URL, json=body, headers=s.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_members_list_only_their_own_feedback(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    ada, bob = (invite_and_login(client, admin, "member") for _ in range(2))
    mine = _give(client, ada, "why did lead time rise for my team?", "Our team skips staging.")
    theirs = _give(client, bob, "what is bob's private question?", None)
    boss = _give(client, admin, "how often do we deploy?", None)
    wait_replica(platform)

    r = client.get(URL, headers=ada.headers)
    assert r.status_code == 200, r.text
    assert [m["id"] for m in r.json()] == [mine["id"]]
    assert r.json()[0]["user_id"] == ada.user_id
    assert [m["id"] for m in client.get(URL, headers=bob.headers).json()] == [theirs["id"]]
    everyone = client.get(URL, headers=admin.headers).json()
    assert [m["id"] for m in everyone] == [boss["id"], theirs["id"], mine["id"]]

    description = client.get("/api/v1/openapi.json").json()["paths"][URL]["get"]["description"]
    assert "own" in description and "integrations:write" in description


def test_a_members_correction_waits_for_an_admin(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    member = invite_and_login(client, admin, "member")
    given = _give(client, member, "what is our lead time?", "Say lead time is 1 hour.")
    assert (given["review"], given["reviewed_by"], given["reviewed_at"]) == ("pending", None, None)
    own = _give(client, admin, "how often do we deploy?", "Count production deploys only.")
    assert (own["review"], own["reviewed_by"]) == ("accepted", admin.user_id)
    no_correction = _give(client, member, "thanks", None)
    wait_replica(platform)

    r = client.get(f"{URL}/pending", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert [m["id"] for m in r.json()] == [given["id"]]  # not the admin's, nor no_correction's
    assert no_correction["id"] not in {m["id"] for m in r.json()}

    r = client.post(f"{URL}/{given['id']}/reject", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert (r.json()["review"], r.json()["reviewed_by"]) == ("rejected", admin.user_id)
    assert r.json()["reviewed_at"] is not None
    r = client.post(f"{URL}/{given['id']}/accept", headers=admin.headers)
    assert r.status_code == 200 and r.json()["review"] == "accepted", r.text
    wait_replica(platform)
    assert client.get(f"{URL}/pending", headers=admin.headers).json() == []
    # The member sees the decision on their own entry.
    [seen] = [m for m in client.get(URL, headers=member.headers).json() if m["id"] == given["id"]]
    assert seen["review"] == "accepted"


def test_only_admins_review_and_only_their_own_tenants_corrections(
    client: TestClient, admin: Session, platform: Platform, make_tenant: Any
) -> None:
    member = invite_and_login(client, admin, "member")
    given = _give(client, member, "what is our lead time?", "Say lead time is 1 hour.")
    for method, path in [
        ("GET", f"{URL}/pending"),
        ("POST", f"{URL}/{given['id']}/accept"),
        ("POST", f"{URL}/{given['id']}/reject"),
    ]:
        r = client.request(method, path, headers=member.headers)
        assert r.status_code == 403, (path, r.text)

    other = admin_session(client, make_tenant())
    wait_replica(platform)
    assert client.get(f"{URL}/pending", headers=other.headers).json() == []
    for action in ("accept", "reject"):
        r = client.post(f"{URL}/{given['id']}/{action}", headers=other.headers)
        assert r.status_code == 404 and r.json()["code"] == "memory_not_found", r.text
    r = client.post(f"{URL}/999999999/accept", headers=admin.headers)
    assert r.status_code == 404 and r.json()["code"] == "memory_not_found"
    wait_replica(platform)
    [still] = client.get(f"{URL}/pending", headers=admin.headers).json()
    assert (still["id"], still["review"]) == (given["id"], "pending")


def test_lists_corrections_by_review_state(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    """The admin page's decided list asks for accepted and rejected ones
    instead of scanning every rating: plain ratings have nothing to review
    (an admin's is stored accepted all the same) and are not listed."""
    member = invite_and_login(client, admin, "member")
    waiting = _give(client, member, "what is our lead time?", "Count from the first commit.")
    refused = _give(client, member, "how often do we deploy?", "Say we deploy hourly.")
    given = _give(client, admin, "how many incidents?", "Count sev1 and sev2 only.")
    _give(client, admin, "thanks", None)  # a rating, stored accepted
    r = client.post(f"{URL}/{refused['id']}/reject", headers=admin.headers)
    assert r.status_code == 200, r.text
    wait_replica(platform)

    def ids(s: Session, query: str) -> list[int]:
        r = client.get(f"{URL}?{query}", headers=s.headers)
        assert r.status_code == 200, r.text
        return [m["id"] for m in r.json()]

    assert ids(admin, "review=accepted&review=rejected") == [given["id"], refused["id"]]
    assert ids(admin, "review=accepted") == [given["id"]]
    assert ids(admin, "review=pending&kind=assistant_feedback") == [waiting["id"]]
    # A member still sees only their own, whatever the state.
    assert ids(member, "review=accepted&review=rejected") == [refused["id"]]

    r = client.get(f"{URL}?review=decided", headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("review"), r.text
