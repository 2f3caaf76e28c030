"""The dashboards' filter bar at 1280 and 390 px, light and dark, and on a
touch screen, in chromium against the real backend."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.conftest import Stack, Tenant, run_browser


def test_filter_bar_rows_and_touch_hint(stack: Stack, demo_tenant: Tenant) -> None:
    t = demo_tenant
    r = run_browser(
        "filterBarLayout", stack, tenant=t.slug, email=t.admin_email, password=t.password
    )
    assert r["consoleErrors"] == []
    seen = r["seen"]
    assert len(seen) == 2 * 2 * 2, sorted(seen)
    for view, m in seen.items():
        # Never wider than the page.
        assert m["pageWidth"] <= m["viewport"], (view, m)
        assert all(f["right"] <= m["barRight"] for f in m["filters"]), (view, m)
        if " 1280 " in view:
            # The period (and report year) and the three lists: one row.
            assert len(m["filters"]) == (5 if view.startswith("/ ") else 4), (view, m)
            assert len({f["top"] for f in m["filters"]}) == 1, (view, m)
        # A mouse: Ctrl/Cmd-click.
        assert all(h.startswith("Ctrl/") for h in m["hints"]), (view, m)
    # A touch screen has no Ctrl key: its hint says to tap.
    hints = r["touch"]["hints"]
    assert len(hints) == 3 and all("Ctrl" not in h and "Tap" in h for h in hints), hints
    # The zone list shows its choice whole at 390 px ("Your browser's
    # (America/New_Y" was cut beside "Times in"); so does every other view.
    zone = r["touch"]["zone"]
    assert zone["text"] == "Your browser's (America/Los_Angeles)", zone
    for view, m in [*seen.items(), ("touch", r["touch"])]:
        assert m["zone"]["width"] <= m["zone"]["room"], (view, m["zone"])
    assert all(Path(p).stat().st_size > 10_000 for p in r["screenshots"])
