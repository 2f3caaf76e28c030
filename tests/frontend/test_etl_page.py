"""The ETL jobs page in Debian's chromium against a real tenant ETL (served
on a loopback port, reached by the backend at its Service name through the
stack's proxy, syncing from the local Jira server slowed down per request):
"Run" starts the sync, the bar and the ETA move with the WebSocket's
progress events, and the card ends in the job's final state. Light, dark and
phone width, axe clean; screenshots (one mid-run) in tests/frontend/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pulse_fakes import Fault
from tests.frontend.conftest import Stack, run_browser
from tests.frontend.etl import EtlTenant, tenant_with_etl

# Seconds per request to the local Jira: long enough for many progress
# events (one per page of 5 issues) to reach the page while it runs.
SLOW = 0.15


@pytest.fixture
def etl(stack: Stack, tmp_path: Path) -> Iterator[EtlTenant]:
    with tenant_with_etl(stack, tmp_path) as e:
        yield e


def _work_items(e: EtlTenant) -> int:
    with psycopg.connect(e.login_dsn) as conn:
        row = conn.execute("SELECT count(*) FROM work_items").fetchone()
    assert row is not None
    return int(row[0])


def test_run_moves_the_progress_bar_to_the_end(stack: Stack, etl: EtlTenant) -> None:
    etl.sources.jira.api.latency = SLOW
    # GitHub refuses every request: that run fails at its first one.
    etl.sources.github.plan.add(Fault(".*", "status", 404, times=1000))
    t = etl.tenant
    r = run_browser(
        "etlProgress",
        stack,
        tenant=t.slug,
        email=t.admin_email,
        password=t.password,
        integration="jira-main",
        failing="github-main",
    )
    assert r["violations"] == [], r["violations"]
    assert r["consoleErrors"] == []
    assert r["before"] == "queued"
    running = [s for s in r["samples"] if s["state"] == "running"]
    values = sorted({s["value"] for s in running if s["value"] is not None})
    # The bar moved: at least two distinct positions while running, each in range.
    assert len(values) >= 2, r["samples"]
    assert all(0 <= s["value"] <= s["max"] for s in running if s["value"] is not None)
    assert any(re.search(r"ETA (\d+ s|\d+ min|unknown)", s["eta"] or "") for s in running)
    assert "ETA" in r["midRun"]
    # The count of items done only grows (no stale event shown after a newer one).
    done = [int(re.match(r"\d+", s["text"])[0]) for s in running]  # type: ignore[index]
    assert done == sorted(done), done

    issues = sum(1 for _ in etl.sources.jira_org.issues)
    f = r["final"]
    assert f["state"] == "succeeded", f
    # Done as estimated at the end, and more than any reading while running.
    end = re.match(r"(\d+) of (\d+) items", f["text"])
    assert end and end[1] == end[2] and int(end[1]) >= max(done), f
    print("samples while running:", len(running), "distinct values:", values)
    assert f["lastSuccess"] != "Last successful sync never"
    # The same moment on the integrations page: the end of that run.
    when = f["lastSuccess"].removeprefix("Last successful sync ").split(" · ")[0]
    assert r["lastSync"].endswith(f"last successful sync {when}"), (r["lastSync"], when)
    # The failed run says so and why, not the phase it never left.
    assert r["failed"]["text"] == "Failed before any item was loaded", r["failed"]
    assert "not found" in r["failed"]["error"], r["failed"]
    assert any(b.startswith("Run") for b in f["buttons"]), f["buttons"]
    _assert_run_again(r["rerun"])
    assert _work_items(etl) == issues
    assert r["dark"] == "dark"
    assert r["phoneOverflow"] <= 0
    assert len(r["screenshots"]) == 9


def _assert_run_again(rerun: dict[str, Any]) -> None:
    """Run again on the failed card: it looked the same pending as idle
    (greyed, still "Run"), and the failed run's last event kept the card
    "failed" after the new run was accepted, so a person could not tell
    whether the click did anything."""
    idle, pending, after = rerun["idle"], rerun["pending"], rerun["after"]
    assert idle["text"].startswith("Run") and not idle["disabled"] and idle["busy"] is None, idle
    # Pending: the label says so, busy, refusing clicks with a reason, not greyed out.
    assert pending["text"].startswith("Starting"), pending
    assert pending["busy"] == "true" and pending["disabled"], pending
    assert pending["reason"] and "github-main" in pending["reason"], pending
    assert pending["opacity"] == "1" and pending["cursor"] == "progress", pending
    assert rerun["sent"] == 1, rerun  # the click while starting sent nothing
    # The new run showed (one more unsuccessful run) and Run is offered again.
    assert "1 unsuccessful run" in rerun["attemptsBefore"], rerun["attemptsBefore"]
    assert after["text"].startswith("Run"), after
    assert not after["disabled"] and after["busy"] is None, after
    # Refused: said in words on the card, and Run can be clicked again.
    refused = rerun["refused"]
    assert refused["alert"].startswith("Could not start the run of github-main:"), refused
    assert "already syncing" in refused["alert"], refused
    assert not refused["button"]["disabled"] and refused["button"]["busy"] is None, refused
