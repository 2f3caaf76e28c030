"""The web app in Debian's chromium against the real backend on the test
world. Screenshots land in tests/frontend/artifacts/."""

from __future__ import annotations

from pathlib import Path

from pulse_common.provisioning import drop_tenant
from tests.frontend.conftest import NEW_PASSWORD, Stack, Tenant, run_browser


def _no_violations(result: dict[str, object]) -> None:
    assert result["violations"] == [], result["violations"]


def test_first_login_forces_a_password_change(stack: Stack) -> None:
    t = stack.provision()
    try:
        r = run_browser(
            "firstLogin",
            stack,
            tenant=t.slug,
            email=t.admin_email,
            password=t.password,
            newPassword=NEW_PASSWORD,
        )
    finally:
        drop_tenant(stack.engine, t.slug)
    assert "invalid" in r["wrongPasswordAlert"].lower()
    assert r["tooShortShown"]
    assert r["tenantBadge"] == t.slug
    # The sign-in made the browser a trusted device, in a cookie the page cannot read.
    assert r["deviceCookie"] == {
        "httpOnly": True,
        "sameSite": "Strict",
        "path": "/api/v1/auth/login",
    }
    assert r["pageSeesDevice"] is False
    # The app works under the production CSP (no inline script or style).
    assert "script-src 'self'" in r["csp"]
    assert r["consoleErrors"] == []
    _no_violations(r)
    assert all(Path(p).stat().st_size > 5_000 for p in r["screenshots"])


def test_shell_pages_light_and_dark_keyboard_and_phone(stack: Stack, tenant: Tenant) -> None:
    r = run_browser(
        "shell", stack, tenant=tenant.slug, email=tenant.admin_email, password=tenant.password
    )
    _no_violations(r)
    assert r["consoleErrors"] == []
    assert r["firstFocus"] == "Skip to content"
    assert r["afterSkip"] == "main"
    assert r["keyboardPath"] == "/profile"
    assert r["navHiddenAtFirst"]
    # Escape closes the phone menu and focus returns to its button.
    assert r["escapeClosesMenu"]["hidden"], r["escapeClosesMenu"]
    assert r["escapeClosesMenu"]["expanded"] == "false", r["escapeClosesMenu"]
    assert r["escapeClosesMenu"]["focus"].endswith("Menu"), r["escapeClosesMenu"]
    # Tab past its last link closes it: focus went on into the page under it.
    assert r["tabLeavesMenu"]["hidden"], r["tabLeavesMenu"]
    assert r["tabLeavesMenu"]["expanded"] == "false", r["tabLeavesMenu"]
    assert r["tabLeavesMenu"]["focusSeen"], r["tabLeavesMenu"]
    assert r["overflow"] <= 0, r["wide"]
    # Each page really changed colours between the modes.
    for path in ("/", "/profile", "/admin/users"):
        assert r["seen"][f"{path} light"] != r["seen"][f"{path} dark"]
    assert len(r["screenshots"]) == 8


def test_dark_mode_persists_before_first_paint_and_across_devices(
    stack: Stack, tenant: Tenant
) -> None:
    r = run_browser(
        "darkPersists",
        stack,
        tenant=tenant.slug,
        email=tenant.admin_email,
        password=tenant.password,
    )
    assert r["beforeApp"]["theme"] == "dark"
    assert r["beforeApp"]["background"] == "rgb(13, 17, 23)"
    assert r["afterReload"]["theme"] == "dark"
    assert r["radioChecked"]
    assert r["beforeSignIn"]["theme"] == "light"
    assert r["otherDevice"]["theme"] == "dark"


def test_session_expiry_keeps_the_page(stack: Stack, tenant: Tenant) -> None:
    r = run_browser(
        "sessionExpiry",
        stack,
        tenant=tenant.slug,
        email=tenant.admin_email,
        password=tenant.password,
    )
    # The start-up refresh (no cookie yet) fails; the one after the 401 succeeds.
    assert r["afterReplay"]["answered401"]
    assert r["afterReplay"]["refreshes"][-1] == 200
    assert r["underDialog"] == r["draft"]
    assert r["afterSignIn"] == r["draft"]
    assert r["url"] == "/admin/users"


def test_invited_viewer_cannot_reach_admin_pages(stack: Stack, tenant: Tenant) -> None:
    r = run_browser(
        "viewer", stack, tenant=tenant.slug, email=tenant.admin_email, password=tenant.password
    )
    assert r["link"].startswith(stack.url + "/set-password#token=")
    # The API's field message, as a sentence (the web app's ``fieldSentence``).
    assert r["taken"] == "A user with this email already exists"
    assert (r["statusInvited"], r["statusAfter"]) == ("Invited, no password yet", "Active")
    assert r["fragmentGone"]
    assert "Users" not in r["navLabels"]
    assert "Overview" in r["navLabels"]
    assert r["apiStatus"] == 403
    assert r["apiCode"] == "permission_denied"
    assert r["refreshAfterSignOut"] == 401


def test_a_refused_submit_puts_focus_on_the_first_field_to_correct(
    stack: Stack, tenant: Tenant
) -> None:
    # The submit button is disabled while the request runs: focus fell to the
    # page and a keyboard user started again from the top.
    r = run_browser(
        "refusedSubmitFocus",
        stack,
        tenant=tenant.slug,
        email=tenant.admin_email,
        password=tenant.password,
    )
    assert r["focused"] == {"label": "Name", "invalid": "true"}, r["focused"]
    assert r["consoleErrors"] == []
    # Each error is a sentence under its field: they began lowercase.
    errors = r["fieldErrors"]
    assert len(errors) >= 2 and all(e[:1].isupper() for e in errors), errors
    # The tenant has no provider: "Rotate credentials" acted on nothing.
    assert r["rotate"] == 0
