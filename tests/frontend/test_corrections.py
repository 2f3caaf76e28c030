"""The review of the assistant's corrections in chromium against the real
backend (README "Who a correction steers"): a member's correction waits on
"Assistant corrections" (its author only, said when it is saved) until an
admin accepts it there (tests/frontend/artifacts/corrections-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import text

from pulse_common.provisioning import drop_tenant
from pulse_common.tenancy import TenantNames, quote_ident
from tests.frontend.conftest import Stack, Tenant, run_browser

QUESTION = "How often do we deploy?"
MEMBER_PASSWORD = "member-password-123"


def _member(stack: Stack, tenant: Tenant) -> str:
    """A member with a password, through the invite link as a person would."""
    with httpx.Client(base_url=stack.api_url, timeout=30) as http:
        login = {"tenant": tenant.slug, "email": tenant.admin_email, "password": tenant.password}
        r = http.post("/api/v1/auth/login", json=login)
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        email = f"member@{tenant.slug}.example"
        r = http.post("/api/v1/users", json={"email": email, "role": "member"}, headers=headers)
        assert r.status_code == 201, r.text
        token = urlparse(r.json()["set_password_url"]).fragment.removeprefix("token=")
        body = {"token": token, "password": MEMBER_PASSWORD}
        r = http.post("/api/v1/auth/set-password", json=body)
        assert r.status_code == 200, r.text
    return email


@pytest.fixture
def with_member(stack: Stack) -> Iterator[tuple[Tenant, str]]:
    t = stack.activate(stack.provision("fc"))
    try:
        yield t, _member(stack, t)
    finally:
        drop_tenant(stack.engine, t.slug)


def _reviews(stack: Stack, slug: str) -> dict[str, tuple[str, str | None]]:
    """Each correction's review and its reviewer's email, as stored."""
    schema = quote_ident(TenantNames(slug).schema)
    sql = text(
        f"SELECT m.corrected_answer, m.review, u.email FROM {schema}.ai_learning_memory m "
        f"LEFT JOIN {schema}.users u ON u.id = m.reviewed_by WHERE m.corrected_answer IS NOT NULL"
    )
    with stack.engine.connect() as conn:
        return {str(r[0]): (str(r[1]), r[2]) for r in conn.execute(sql)}


def test_a_member_correction_waits_until_an_admin_accepts_it(
    stack: Stack, with_member: tuple[Tenant, str]
) -> None:
    t, member = with_member
    r = run_browser(
        "correctionReview",
        stack,
        tenant=t.slug,
        email=t.admin_email,
        password=t.password,
        memberEmail=member,
        memberPassword=MEMBER_PASSWORD,
        question=QUESTION,
        memberCorrection="Count only production deployments.",
        adminCorrection="Say the deployments per week too.",
    )
    assert r["consoleErrors"] == []
    assert r["violations"] == [], r["violations"]
    # Whom the correction steers, said as it is saved.
    assert r["memberSaved"] == (
        "Correction saved: it applies to your own questions until an admin accepts it."
    )
    assert r["adminSaved"] == "Correction saved: the assistant will use it next time."
    # Reviewing is not a member's: no link, and the address says so.
    assert "Assistant corrections" not in r["memberNav"]
    assert "Assistant" in r["memberNav"]
    assert "not part of your role" in r["memberWhy"], r["memberWhy"]
    assert "Assistant corrections" in r["adminNav"]

    # Only the member's waits (the admin's was accepted as given), with who and when.
    assert r["pendingBefore"] == ["Count only production deployments."]
    row = r["pendingRow"]
    assert row["Question"].startswith(QUESTION), row
    assert row["Given by"] == member, row
    assert row["Given"] not in ("", "—"), row
    assert r["refusal"] == "no learning memory entry with id 999", r["refusal"]

    assert r["acceptStatus"] == 200
    assert "Accepted the correction to “How often do we deploy?”" in r["announced"]
    decided = r["decidedRow"]
    assert decided["Decision"].startswith(f"Accepted by {t.admin_email}"), decided
    assert decided["Given by"] == member, decided
    assert r["rejectStatus"] == 200
    assert r["ownRow"]["Decision"].startswith(f"Rejected by {t.admin_email}"), r["ownRow"]
    assert _reviews(stack, t.slug) == {
        "Count only production deployments.": ("accepted", t.admin_email),
        "Say the deployments per week too.": ("rejected", t.admin_email),
    }
    # Desktop and phone, light and dark, then the accepted state.
    assert len(r["screenshots"]) == 5
    assert all(Path(p).stat().st_size > 10_000 for p in r["screenshots"])


def test_decided_corrections_older_than_the_latest_500_can_be_shown(
    stack: Stack, tenant: Tenant
) -> None:
    # The list stopped at the latest 500 (one API page) with no way to see
    # older ones: "Show older corrections" asks for the next page by offset.
    r = run_browser(
        "olderCorrections",
        stack,
        tenant=tenant.slug,
        email=tenant.admin_email,
        password=tenant.password,
    )
    assert r["consoleErrors"] == []
    assert r["violations"] == [], r["violations"]
    latest = {"rows": 500, "line": "Showing the latest 500 decided corrections.", "more": 1}
    every = {"rows": 503, "line": "Showing all 503 decided corrections.", "more": 0}
    for width in ("desktop", "phone"):
        assert r["seen"][f"{width} before"] == latest, (width, r["seen"])
        assert r["seen"][f"{width} after"] == every, (width, r["seen"])
    assert all(Path(p).stat().st_size > 5_000 for p in r["screenshots"])
