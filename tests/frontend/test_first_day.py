"""A brand-new tenant, before any integration is loaded, in chromium against
the real backend: the overview, DORA, engineering and work-items pages said
"No deployments, PRs or incidents in this period and scope.", as if the
filters were wrong. They say no data has been loaded yet, with the next
step for an admin (integrations come from the tenant's configuration; the
first sync starts on ETL jobs) and for a member (an admin starts the first
sync); tests/frontend/artifacts/first-day-*.png."""

from __future__ import annotations

from tests.frontend.conftest import Stack, Tenant, run_browser
from tests.frontend.test_corrections import MEMBER_PASSWORD, _member

ADMIN_LINKS = [["Integrations", "/admin/integrations"], ["ETL jobs", "/admin/etl"]]


def test_a_new_tenant_is_told_no_data_is_loaded_yet_not_that_its_filters_are_wrong(
    stack: Stack, tenant: Tenant
) -> None:
    member = _member(stack, tenant)
    r = run_browser(
        "firstDay",
        stack,
        tenant=tenant.slug,
        email=tenant.admin_email,
        password=tenant.password,
        memberEmail=member,
        memberPassword=MEMBER_PASSWORD,
    )
    assert len(r["admin"]) == 4 * 2 + 2 * 2, r["admin"]  # 4 pages at 1440, the overview at 820, 390
    for where, seen in r["admin"].items():
        assert seen["text"].startswith("No data has been loaded yet."), (where, seen)
        assert "in this period" not in seen["text"], (where, seen)
        assert seen["links"] == ADMIN_LINKS, (where, seen)
        assert not seen["overflow"], (where, seen)
    for where, seen in r["member"].items():
        assert seen["text"].startswith("No data has been loaded yet."), (where, seen)
        assert "which an admin starts" in seen["text"], (where, seen)
        assert seen["links"] == [], (where, seen)
    # "No data integration is configured for this tenant." and "No prediction
    # recorded yet.", full stop: what an admin does about them, said.
    empty = r["adminEmpty"]
    [integrations] = empty["/admin/integrations"]
    assert "ask them to add one" in integrations and "ETL jobs" in integrations, integrations
    predictions = empty["/admin/ml"][-1]
    assert predictions.startswith("No prediction recorded yet. Monitoring runs after each"), empty
