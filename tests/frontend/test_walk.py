"""A walk through the pages people use most (overview, DORA, engineering,
work items, search, assistant) on the demo seed, at desktop and phone width,
light and dark, each view photographed (tests/frontend/artifacts/walk-*.png)
and measured for what its screenshot once showed broken."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulse_common.provisioning import drop_tenant
from pulse_testworld import World
from tests.frontend.conftest import Stack, Tenant, run_browser
from tests.frontend.test_ai_pages import QUESTION, _a_pull_request

PAGES = ("overview", "dora-lead-time", "engineering", "work-items", "search", "assistant")


@pytest.fixture
def demo(stack: Stack) -> Iterator[Tenant]:
    t = stack.activate(
        stack.provision("fw", seed_profile="demo", demo_as_of=dt.datetime.now(dt.UTC).date())
    )
    yield t
    drop_tenant(stack.engine, t.slug)


def test_walk_desktop_and_phone_light_and_dark(stack: Stack, world: World, demo: Tenant) -> None:
    title, _ = _a_pull_request(stack, world, demo.slug)
    r = run_browser(
        "walk",
        stack,
        tenant=demo.slug,
        email=demo.admin_email,
        password=demo.password,
        query=title.split(": ", 1)[1],
        question=QUESTION,
    )
    assert r["consoleErrors"] == []
    seen = r["seen"]
    views = [f"{p} {w} {m}" for p in PAGES for w in ("desktop", "phone") for m in ("light", "dark")]
    assert sorted(seen) == sorted(views)
    for view, m in seen.items():
        assert m["overflow"] <= 0, (view, m)
    # The overview's "4.0 / week" broke over two lines at desktop width, so
    # that tile's badge, trend and sample sat lower than its neighbours'.
    wrapped = {view: m["wrappedFigures"] for view, m in seen.items() if m["wrappedFigures"]}
    assert wrapped == {}, wrapped
    # The filter bar's list boxes cut their options at desktop width
    # ("PULSE · Pulse Platfor"): every option must show whole.
    clipped = {view: m["clippedLists"] for view, m in seen.items() if m["clippedLists"]}
    assert clipped == {}, clipped
    assert len(r["screenshots"]) == len(views)
    assert all(Path(p).stat().st_size > 10_000 for p in r["screenshots"])
