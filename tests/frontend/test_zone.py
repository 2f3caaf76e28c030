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


def test_requests_weeks_and_times_follow_the_viewers_zone(stack: Stack, demo: Tenant) -> None:
    t = demo
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
        # Each filter bar computes in it and its zone list says so.
        bars = seen["bars"].values()
        assert all(b["zone"] == sent for b in bars), (key, seen["bars"])
        assert all(b["shown"] == f"Your browser's ({sent})" for b in bars), (key, seen["bars"])
        assert all(b["note"] is None for b in bars), (key, seen["bars"])
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
        # The distribution's bars are labelled by their Mondays' dates (in
        # Los Angeles each named the Sunday before).
        labels, expected = week["weekLabels"], week["weekLabels"]["expected"]
        assert expected and all(e.startswith("Mon, ") for e in expected), labels
        assert labels["shown"] == [e.removeprefix("Mon, ") for e in expected], (key, labels)
        assert Path(seen["screenshot"]).stat().st_size > 10_000

    chosen = r["chosen"]
    assert chosen["requests"], chosen
    assert [q for q in chosen["requests"] if q["timezone"] != "Europe/Berlin"] == []
    assert chosen["bar"] == {"zone": "Europe/Berlin", "shown": "Europe/Berlin", "note": None}
    # A zone the user chose is part of the link, carried from page to page.
    assert re.search(r"timezone=Europe%2FBerlin", chosen["search"]), chosen["search"]

    refused = r["refused"]
    assert refused["requests"][0]["timezone"] is not None, refused["requests"][:3]
    # After the API's 422 on `timezone`, the page asks again in UTC, and works.
    assert refused["requests"][-1]["timezone"] is None, refused["requests"][-3:]
    # The list still shows the zone asked for; the note says the server's UTC is used.
    assert refused["bar"]["zone"] == "UTC", refused["bar"]
    asked = refused["requests"][0]["timezone"]
    assert refused["bar"]["note"] == f"UTC used: the server does not know {asked}.", refused["bar"]
    assert refused["tiles"] == 5 and refused["errors"] == [], refused
    assert r["consoleErrors"] == []


def test_the_filter_bar_chooses_the_zone_by_keyboard(stack: Stack, demo: Tenant) -> None:
    """The only way to another zone was editing the URL by hand."""
    t = demo
    r = run_browser("zonePicked", stack, tenant=t.slug, email=t.admin_email, password=t.password)
    assert r["consoleErrors"] == []
    assert r["violations"] == [], r["violations"]
    sent = r["browserZone"]
    assert sent in ALIASES["Asia/Kolkata"], sent
    assert r["before"] == {"zone": sent, "shown": f"Your browser's ({sent})", "note": None}
    # UTC chosen: in the shareable URL, on every request from then on.
    utc = r["utc"]
    assert "timezone=UTC" in utc["search"], utc
    assert utc["bar"] == {"zone": "UTC", "shown": "UTC", "note": None}, utc["bar"]
    stretches = {
        "utc": utc["requests"],
        "week": r["weekRequests"],
        "reload": r["reloaded"]["requests"],
    }
    for name, seen in stretches.items():
        assert seen, (name, stretches)
        assert [q for q in seen if q["timezone"] != "UTC"] == [], (name, seen)
    # A week starts at the UTC Monday midnight and is labelled by that date.
    week = r["week"]
    assert week["second"]["parts"] == "Mon 00:00", week
    assert week["shownLabel"] == week["second"]["label"], week
    assert week["shownWhen"] == week["expectedWhen"], week
    # Reload keeps the choice.
    assert "timezone=UTC" in r["reloaded"]["search"], r["reloaded"]
    assert r["reloaded"]["bar"]["shown"] == "UTC", r["reloaded"]
    # "Your browser's" takes the zone out of the URL and requests carry the browser's.
    back = r["back"]
    assert "timezone" not in back["search"], back
    assert back["bar"] == {"zone": sent, "shown": f"Your browser's ({sent})", "note": None}
    assert back["requests"] and all(q["timezone"] == sent for q in back["requests"]), back
    # Text in the link that names no zone is not applied, and the bar says why.
    unknown = r["unknown"]
    assert unknown["zone"] == sent and unknown["shown"] == f"Your browser's ({sent})", unknown
    assert unknown["note"] and "“Mars/Olympus” in the link is not applied" in unknown["note"], (
        unknown
    )
    # On a phone (390 px) the reason is on the first screen as first drawn,
    # not hidden inside the closed "Filters" fold.
    assert unknown["firstPaint"] is True, unknown
    assert all(Path(p).stat().st_size > 10_000 for p in r["screenshots"])
