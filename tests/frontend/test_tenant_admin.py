"""A tenant admin's branding as the app shows it, in chromium against the
real backend: a wordmark logo (8:1) in the top bar and the branding page's
previews (tests/frontend/artifacts/wide-logo-*.png)."""

from __future__ import annotations

from pathlib import Path

from pulse_common.provisioning import drop_tenant
from tests.frontend.conftest import Stack, Tenant, run_browser


def test_a_wide_logo_keeps_its_shape(stack: Stack, tenant: Tenant) -> None:
    t = tenant
    r = run_browser("wideLogo", stack, tenant=t.slug, email=t.admin_email, password=t.password)
    assert r["consoleErrors"] == []
    seen = r["seen"]
    for view in ("Overview desktop", "Overview phone", "Branding desktop", "Branding phone"):
        m = seen[view]
        assert m["boxes"], view
        # In a fixed square the 8:1 wordmark was a strip some 4 px high: its
        # box is as wide as the logo up to 4:1 (2.5:1 on a phone's top bar),
        # the page no wider for it, the tenant's name still there.
        wide = 2.4 if view.endswith("phone") else 3.9
        top = [b for b in m["boxes"] if b["where"] == "topbar"]
        assert all(b["width"] >= wide * b["height"] for b in top), (view, m)
        previews = [b for b in m["boxes"] if b["where"] == "preview"]
        assert all(b["width"] >= 3.9 * b["height"] for b in previews), (view, m)
        assert m["overflow"] <= 0, (view, m)
        assert m["badge"] >= 47 and m["overlaps"] == [], (view, m)
    # A colour's swatch in line with its text input, at both widths: at 360 px
    # a label of two lines left it 1.2rem above the input.
    for name in ("desktop", "phone"):
        fields = seen[f"swatches {name}"]
        assert len(fields) == 3, fields
        assert [f for f in fields if abs(f["top"]) > 1 or abs(f["bottom"]) > 1] == [], (
            name,
            fields,
        )
    assert any(f["labelLines"] > 1 for f in seen["swatches phone"]), seen["swatches phone"]
    # Cached for the next visit's first paint, as the logo itself is.
    assert seen["cached"] == "4"
    assert all(Path(p).stat().st_size > 10_000 for p in r["screenshots"])


def test_a_long_tenant_slug_can_be_read_whole(stack: Stack) -> None:
    # 30 characters: the top bar's badge shows the first dozen or so.
    t = stack.activate(stack.provision("a-long-tenant-slug-ui"))
    assert len(t.slug) == 30
    try:
        r = run_browser("longSlug", stack, tenant=t.slug, email=t.admin_email, password=t.password)
    finally:
        drop_tenant(stack.engine, t.slug)
    assert r["consoleErrors"] == []
    for name in ("desktop", "phone"):
        m = r["seen"][name]
        # Cut short with no tooltip and nothing to name it: now its title and
        # its accessible name are the whole slug.
        assert m["cut"], (name, m)
        assert m["title"] == f"Tenant: {t.slug}", (name, m)
        assert f'note "Tenant: {t.slug}"' in m["tree"], (name, m)
    # The tooltip was the only way to read it: no touch screen shows one, and
    # the keyboard could not reach the badge. Tab reaches it and a tap
    # focuses it; focused, it shows the whole slug, inside the screen.
    for how in ("keyboard", "tapped"):
        m = r["seen"][how]
        assert m["focused"] and m["role"] == "note", (how, m)
        assert not m["cut"] and m["inView"] and m["overflow"] <= 0, (how, m)
    assert all(Path(p).stat().st_size > 10_000 for p in r["screenshots"])
