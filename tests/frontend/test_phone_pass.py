"""Every page on a phone (390x844 and 360x740, light and dark, a touch
screen) in chromium against the real backend: each view photographed
(tests/frontend/artifacts/phone-*.png) and measured for what a phone showed
broken (browser/phonepass.mjs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.frontend.conftest import Stack, Tenant, run_browser

SIZES = ("390", "360")
MODES = ("light", "dark")
DORA = tuple(
    f"dora-{m}"
    for m in (
        "deployment-frequency",
        "lead-time",
        "change-failure-rate",
        "recovery-time",
        "rework-rate",
    )
)
DRILLDOWN = ("Deployments", "Pull requests", "Incidents")


def _pass(stack: Stack, t: Tenant) -> dict[str, Any]:
    # A first admin who has not chosen a password yet: the change-password page.
    fresh = stack.provision()
    r = run_browser(
        "phonePass",
        stack,
        # Every page at two sizes in two modes, folded and open: minutes.
        timeout=1200,
        tenant=t.slug,
        email=t.admin_email,
        password=t.password,
        fresh={"tenant": fresh.slug, "email": fresh.admin_email, "password": fresh.password},
        invite=["dana.okafor@example.com", "li.wei@example.com"],
    )
    assert r["consoleErrors"] == []
    assert all(Path(p).stat().st_size > 5_000 for p in r["screenshots"])
    result: dict[str, Any] = r["seen"]
    return result


# The browser's own timeout (1200 s) within the test's, the stack's start-up included.
@pytest.mark.timeout(1800)
def test_phone_pass(stack: Stack, demo_tenant: Tenant) -> None:
    seen = _pass(stack, demo_tenant)
    views = {
        f"{p} {s} {m}"
        for p in (
            "signin",
            "set-password",
            "change-password",
            "overview",
            "admin-users",
            "admin-etl",
            *DORA,
        )
        for s in SIZES
        for m in MODES
    }
    assert views <= set(seen), sorted(views - set(seen))
    for view, m in seen.items():
        # The whole page never scrolls sideways.
        assert m["overflow"] <= 0, (view, m["overflow"], m["offscreen"])
        assert m["dialogs"] == [], (view, m["dialogs"])
        # The last weekly bar's date ("Nov 30") was cut to "Nov 3" by the chart's edge.
        assert m["clippedChartText"] == [], (view, m["clippedChartText"])
    for s in SIZES:
        for mode in MODES:
            users = seen[f"admin-users {s} {mode}"]
            # The users table showed only User and Role; status, last sign-in
            # and the row's actions were off its right edge. Each user is a card now.
            [table] = users["tables"]
            assert table["offColumns"] == [] and table["sideways"] <= 0, (s, mode, table)
            assert users["unreachable"] == [], (s, mode, users["unreachable"])
    # The drill-down tables scrolled sideways: at 390 px Pull requests
    # showed 2 of its 8 columns, Incidents 2 of 6. Each row is a card now.
    for page in DORA:
        for s in SIZES:
            for mode in MODES:
                tables = [
                    t for t in seen[f"{page} {s} {mode}"]["tables"] if t["table"] in DRILLDOWN
                ]
                assert tables, (page, s, mode)
                off = [t for t in tables if t["offColumns"] or t["sideways"] > 0]
                assert off == [], (page, s, mode, off)
    # The trends' "by week" data tables, open, scrolled 68-98 px sideways
    # at 390 px (Sample and Previous period off the card): every table of
    # a DORA page fits, the folded parts open or not.
    for page in DORA:
        for s in SIZES:
            for mode in MODES:
                for view in (f"{page} {s} {mode}", f"{page} {s} {mode} open"):
                    off = [t for t in seen[view]["tables"] if t["offColumns"] or t["sideways"] > 0]
                    assert off == [], (view, off)
                    # A duration wrapped its unit under its number ("6.4 / days") at 360 px.
                    wrapped = [(t["table"], t["wrappedValues"]) for t in seen[view]["tables"]]
                    assert [w for w in wrapped if w[1]] == [], (view, wrapped)
    # Buttons and fields were 40 px tall, the metric tabs and radios 36 px,
    # a chart's "data table" toggle 24 px and an overview tile's link 19 px:
    # under the 44 px a finger needs.
    small = {view: m["small"] for view, m in seen.items() if m["small"]}
    assert small == {}, small
    # Search: the line saying why a hit matched sat an empty line below its
    # title (the wrapped head's 1rem gap); at most a few pixels now.
    for s in SIZES:
        for mode in MODES:
            gaps = seen[f"search {s} {mode}"]["hitGaps"]
            assert gaps and max(gaps) <= 6, (s, mode, gaps)
