"""The analytics settings page (the tenant's DORA rules) in Debian's chromium
against the real backend, on a demo tenant: filled from the API, a pattern
that does not compile is refused with the message under its field, and a
saved rule changes the overview's figures without a reload; incident types
round-trip (the PUT replaces every rule). Light, dark and
phone width, axe clean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulse_common.provisioning import drop_tenant
from pulse_common.provisioning.models import SeedProfile
from tests.frontend.conftest import Stack, Tenant, run_browser


@pytest.fixture
def demo(stack: Stack) -> Iterator[Tenant]:
    t = stack.activate(stack.provision("rules", seed_profile=SeedProfile.demo))
    yield t
    drop_tenant(stack.engine, t.slug)


def test_rules_form_saves_and_the_figures_follow(stack: Stack, demo: Tenant) -> None:
    r = run_browser(
        "analyticsSettings", stack, tenant=demo.slug, email=demo.admin_email, password=demo.password
    )
    assert r["violations"] == [], r["violations"]
    assert r["consoleErrors"] == []
    assert r["stored"] == "^(prod|production)$"  # the default rules, from the API
    assert r["badStatus"] == 422 and r["invalid"] == "true"
    assert "regular expression" in r["error"], r["error"]
    assert r["okStatus"] == 200 and r["saved"].startswith("Saved.")
    assert r["focusAfterSave"] == "BUTTON Save rules", r["focusAfterSave"]
    # No environment matches now: the demo's deployments stop counting.
    metric = "deployment_frequency"
    assert r["before"].get(metric), r["before"]
    # Its tile changed or went (the summary leaves out a figure without data;
    # every DORA figure hangs on production deployments, so here they all go).
    assert r["after"].get(metric) != r["before"][metric], (r["before"], r["after"])
    assert r["sameDocument"]
    assert r["kept"] == "^no-such-environment$"
    assert r["keptTypes"] == "Incident, Outage"
    assert r["dark"] == "dark"
    assert r["phoneOverflow"] <= 0
    assert len(r["screenshots"]) == 3
