"""Tables at 390 px, light and dark, in chromium against the real backend:
a drill-down's rows are cards (every column's value on screen, times on one
line, no mostly empty rows), and a log event stays compact and readable."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.conftest import Stack, Tenant, run_browser


def test_phone_dates_on_one_line_and_log_events_compact(stack: Stack, demo: Tenant) -> None:
    t = demo
    r = run_browser("phoneTables", stack, tenant=t.slug, email=t.admin_email, password=t.password)
    assert r["consoleErrors"] == []
    seen = r["seen"]
    for mode in ("light", "dark"):
        for table in ("Deployments", "Incidents", "Pull requests"):
            cells = seen[f"{table} {mode}"]
            assert cells, (table, mode)
            # "Sep 26, 2026, 10:23 AM" took three lines; "Sep 26, 10:23 AM" takes one.
            assert [c for c in cells if c["lines"] > 1] == [], (table, mode, cells[:5])
        # Each row a card: at 390 px Pull requests showed 2 of its 8 columns
        # and Incidents 2 of 6, the rest off the table's right edge.
        for table in ("Deployments", "Incidents", "Pull requests"):
            drawn = seen[f"{table} rows {mode}"]
            assert drawn["rows"] and drawn["sideways"] <= 0, (table, mode, drawn)
            # Deployments' cards reached 0.75rem into the card's padding, left
            # of its heading: every table keeps to the card's content box.
            assert drawn["outside"] == {"left": 0, "right": 0}, (table, mode, drawn["outside"])
            hidden = [(r["text"], r["hidden"]) for r in drawn["rows"] if r["hidden"]]
            assert hidden == [], (table, mode, hidden[:3])
            # Each value after its own column's name.
            assert [r for r in drawn["rows"] if r["mislabelled"]] == [], (table, mode)
            # An incident's "resolved" sat alone at the top of a 139 px row
            # beside its wrapped title: its cells' content fills most of them.
            empty = [(r["text"], r["height"], r["fill"]) for r in drawn["rows"] if r["fill"] < 0.6]
            assert empty == [], (table, mode, empty[:3])
        # A deployment's card was five label/value lines, some 160 px (20 a page
        # about 3,200 px): the short cells two to a line, three lines.
        deployments = seen[f"Deployments rows {mode}"]["rows"]
        # (An outcome longer than "OK", "Rework: …", may take a fourth.)
        tall = [
            (r["text"], r["lines"], r["height"])
            for r in deployments
            if r["lines"] > (3 if r["text"].endswith("OK") else 4)
        ]
        assert tall == [], (mode, tall[:3])
        ok = [r["height"] for r in deployments if r["text"].endswith("OK")]
        assert ok and max(ok) <= 110, (mode, deployments[:3])
        # A PR's card was nine lines, some 270 px (20 a page about 5,400 px):
        # its author and five durations two to a line.
        prs = seen[f"Pull requests rows {mode}"]["rows"]
        assert max(r["height"] for r in prs) <= 210, (mode, prs[:3])
        # An incident's title ("web: errors after deploying 99b34bc") was
        # squeezed to a word a line beside the one-line times; two lines now.
        for table in ("Incidents", "Pull requests"):
            titles = seen[f"{table} titles {mode}"]
            assert titles, (table, mode)
            assert [c for c in titles if c["lines"] > 2] == [], (table, mode, titles[:5])
        logs = seen[f"logs {mode}"]
        assert logs["fits"], (mode, logs["events"][:3])
        events = logs["events"]
        etl = [e for e in events if "etl refused" in e["text"] or "etl unreachable" in e["text"]]
        assert len(etl) == 2, events[:5]
        # An ETL event with its request's context was some 145 px tall in one row,
        # in a table wider than the phone; now at most four short lines of details.
        # (Other events' details are as long as their fields: only the table's
        # fit holds for them, a CI run had an HTTP event with more.)
        assert all(e["height"] <= 128 for e in etl), (mode, etl)
    assert all(Path(p).stat().st_size > 10_000 for p in r["screenshots"])
