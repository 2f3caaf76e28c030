"""The dashboards compute in the viewer's time zone. The web app sent no
`timezone`, so every day, week and month was a UTC one: in Kolkata a week
began on Monday 05:30 and a deployment at 01:00 counted on the day before.
In chromium contexts with their own zone, against the real backend."""

from __future__ import annotations

import re
from pathlib import Path

from tests.frontend.conftest import Stack, Tenant, run_browser

# Chromium may report a zone by its older name.
ALIASES = {"Asia/Kolkata": {"Asia/Kolkata", "Asia/Calcutta"}}


def test_requests_weeks_and_times_follow_the_viewers_zone(
    stack: Stack, demo_tenant: Tenant
) -> None:
    t = demo_tenant
    r = run_browser("viewerZone", stack, tenant=t.slug, email=t.admin_email, password=t.password)
    for key, zone in (("kolkata", "Asia/Kolkata"), ("losAngeles", "America/Los_Angeles")):
        seen = r["zones"][key]
        assert seen["consoleErrors"] == [], (key, seen["consoleErrors"])
        sent = seen["browserZone"]
        assert sent in ALIASES.get(zone, {zone}), (key, sent)
        # Every analytics request of every page carries the zone...
        paths = {q["path"] for q in seen["requests"]}
        for path in ("summary", "trends", "deployment-frequency", "lead-time", "engineering"):
            assert f"/api/v1/analytics/{path}" in paths, (key, sorted(paths))
        assert "/api/v1/analytics/work-items" in paths, (key, sorted(paths))
        wrong = [q for q in seen["requests"] if q["timezone"] != sent]
        assert wrong == [], (key, wrong[:5])
        # ...which stays out of the shareable URL.
        assert seen["search"] == "?days=30", (key, seen["search"])
        assert set(seen["bars"].values()) == {f"Times in {sent}"}, (key, seen["bars"])
        week = seen["week"]
        # A week starts at the local Monday midnight, and is labelled by that date.
        assert week["second"]["parts"] == "Mon 00:00", (key, week)
        assert week["shownLabel"] == week["second"]["label"], (key, week)
        # The range starts and ends at local midnights: whole days only.
        assert week["partialDays"] and all(float(d).is_integer() for d in week["partialDays"]), (
            key,
            week,
        )
        assert week["shownWhen"] == week["expectedWhen"], (key, week)
        assert Path(seen["screenshot"]).stat().st_size > 10_000

    chosen = r["chosen"]
    assert chosen["requests"], chosen
    assert [q for q in chosen["requests"] if q["timezone"] != "Europe/Berlin"] == []
    assert chosen["bar"] == "Times in Europe/Berlin"
    # A zone the user chose is part of the link, carried from page to page.
    assert re.search(r"timezone=Europe%2FBerlin", chosen["search"]), chosen["search"]

    refused = r["refused"]
    assert refused["requests"][0]["timezone"] is not None, refused["requests"][:3]
    # After the API's 422 on `timezone`, the page asks again in UTC, and works.
    assert refused["requests"][-1]["timezone"] is None, refused["requests"][-3:]
    assert refused["bar"] == "Times in UTC"
    assert refused["tiles"] == 5 and refused["errors"] == [], refused
    assert r["consoleErrors"] == []
