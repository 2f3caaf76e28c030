"""The dashboards' filter bar at 1280 and 390 px, light and dark, and on a
touch screen, in chromium against the real backend."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.conftest import Stack, Tenant, run_browser


def test_filter_bar_rows_and_touch_hint(stack: Stack, demo: Tenant) -> None:
    t = demo
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
            # Desktop: the bar as it was, no fold.
            assert m["toggles"] == 0, (view, m)
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


def test_filter_bar_folds_on_a_phone(stack: Stack, demo: Tenant) -> None:
    """On a phone a DORA page's filter bar took some 700 px and the figure
    started below the first screen."""
    t = demo
    r = run_browser("filterFold", stack, tenant=t.slug, email=t.admin_email, password=t.password)
    assert r["consoleErrors"] == []
    seen = r["seen"]
    for size in ("390", "360"):
        for mode in ("light", "dark"):
            m = f"{size} {mode}"
            closed, opened, escaped = seen[f"closed {m}"], seen[f"open {m}"], seen[f"escaped {m}"]
            # Folded, saying how many filters are set (days=30, year=2024),
            # the figure on the first screen.
            assert closed["toggle"] == {
                "text": "Filters · 2 set",
                "expanded": "false",
                "height": 44,
            }, (m, closed)
            assert closed["barHeight"] == 0, (m, closed)
            assert closed["figureBottom"] <= closed["viewport"], (m, closed)
            # Enter opens it and Tab goes into it; Escape closes it, the focus back on the button.
            assert opened["toggle"]["expanded"] == "true" and opened["barHeight"] > 200, (m, opened)
            assert opened["focusInBar"], (m, opened)
            assert escaped["toggle"]["expanded"] == "false" and escaped["barHeight"] == 0, (
                m,
                escaped,
            )
            assert escaped["focusOnToggle"], (m, escaped)
            # A tap opens it, another closes it.
            assert seen[f"tapped {m}"]["barHeight"] > 200, (m, seen[f"tapped {m}"])
            assert seen[f"tapped twice {m}"]["barHeight"] == 0, (m, seen[f"tapped twice {m}"])
    assert all(Path(p).stat().st_size > 10_000 for p in r["screenshots"])
