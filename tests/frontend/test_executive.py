"""An executive's use of the DORA pages on the demo seed, in chromium
against the real backend: from one metric to the next by its tabs, Back
and a shared link after paging a drill-down."""

from __future__ import annotations

from typing import Any

from tests.frontend.conftest import Stack, Tenant, run_browser


def _run(name: str, stack: Stack, t: Tenant) -> dict[str, Any]:
    return run_browser(name, stack, tenant=t.slug, email=t.admin_email, password=t.password)


def test_metric_tabs_show_each_metric(stack: Stack, demo: Tenant) -> None:
    r = _run("doraTabs", stack, demo)
    # Deployment frequency's figure, kept while Lead time's loaded, was read
    # as a lead time ("Cannot read properties of undefined (reading
    # 'median_hours')"): the page went blank.
    assert r["consoleErrors"] == []
    for seen in r["seen"]:
        assert seen["shown"], seen
        assert seen["path"].endswith("?days=30"), seen
        assert seen["figure"] and seen["rows"], seen


def test_back_and_a_shared_link_keep_the_period_and_the_rows_page(
    stack: Stack, demo: Tenant
) -> None:
    r = _run("backAndShare", stack, demo)
    assert r["consoleErrors"] == []
    paged = r["paged"]
    assert paged["period"] == "180", paged
    assert paged["rows"].startswith("Rows 21\u201340 of "), paged
    # The rows' page was the component's: Back, or the link opened anew,
    # showed rows 1-20 again.
    assert r["back"] == paged
    assert r["opened"] == paged
