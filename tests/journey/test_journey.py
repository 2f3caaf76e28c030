"""Issue 14's journey, end to end on ``make dev`` (the real operator, backend,
ETL processes and web app in a world of their own) and in a real browser: a
tenant applied with Jira and GitHub integrations pointing at the local
servers becomes Ready, its admin signs in with the initial password and
changes it, a sync runs to completion with progress, the DORA figures equal
those computed from the local servers' own data, suspension refuses sign-in
and stops the ETL, resumption restores both, and a ``Retain`` deletion then
re-creation keeps the data and the login."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pulse_testworld.saas import Saas, sample_spec, start_saas
from tests.journey.conftest import Dev, run_browser, wait_for
from tests.journey.expected import Expected, expected, mark_rework, overview_tiles
from tests.journey.issue12 import ISSUE_KEY, ISSUE_SUMMARY, ask_assistant, search_by_meaning

pytestmark = [
    pytest.mark.kube,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.xdist_group("make-dev"),
]

SLUG = "journey"
NEW_PASSWORD = "journey-chosen-password-1"
INTEGRATIONS: list[dict[str, Any]] = [
    {
        "name": "jira-main",
        "type": "jira",
        "baseUrl": "https://jira.invalid",  # pointed at the local server below
        "projects": ["JRN", "OPS"],
        "credentialsSecretRef": {"name": "journey-jira", "key": "token"},
    },
    {
        "name": "github-main",
        "type": "github",
        "organization": "journey",
        "repositories": ["journey/api", "journey/web"],
        "credentialsSecretRef": {"name": "journey-github", "key": "token"},
    },
]
MANIFEST: dict[str, Any] = {
    "apiVersion": "pulse.dev/v1alpha1",
    "kind": "PulseTenant",
    "metadata": {"name": SLUG},
    "spec": {
        "displayName": "Journey Ltd",
        "admin": {"email": f"admin@{SLUG}.example"},
        "integrations": INTEGRATIONS,
        # The offline MiniLM's size: the ETL embeds into this collection.
        "vectorStore": {"vectorSize": 384},
    },
}
ETL_SERVICE = f"http://pulse-etl.tenant-{SLUG}.svc:8000"

# Issue 12's steps, after the sync, in the browser as the signed-in admin,
# each with the figures computed from the local servers' data.
ISSUE_12_STEPS: list[Callable[[str, dict[str, str], Expected], object]] = [
    search_by_meaning,
    ask_assistant,
]
INTEGRATIONS_IN_ORDER = ("github-main", "jira-main")  # an incident links to loaded deployments


def apply_tenant(dev: Dev, saas: Saas) -> dict[str, Any]:
    """As an admin would: namespace and credential Secrets, then the tenant."""
    manifest = saas.point(MANIFEST)
    manifest["spec"]["etl"] = {"schedule": far_from_now()}
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"tenant-{SLUG}"}}
    dev.apply(namespace, *saas.secrets(manifest), manifest)
    return manifest


def far_from_now() -> str:
    """A daily schedule twelve hours away. The default ("0 */2 * * *") fires
    at every even hour: a journey crossing one saw a scheduled run of the
    same integration restart its progress at a few items, after the run the
    admin started, in the events the page received."""
    at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)
    return f"{at.minute} {at.hour} * * *"


def sync_in_browser(dev: Dev, login: dict[str, str]) -> dict[str, Any]:
    """The admin runs each integration from the ETL jobs page, one after the
    other, and watches its progress arrive over the page's WebSocket."""
    shown = run_browser(
        "syncOnEtlPage", dev.web_url, integrations=list(INTEGRATIONS_IN_ORDER), **login
    )
    assert shown["consoleErrors"] == []
    for integration in INTEGRATIONS_IN_ORDER:
        assert shown["cards"][integration]["state"] == "succeeded", shown["cards"]
        events = [e for e in shown["events"] if e["integration"] == integration]
        assert all(e["wsUrl"].endswith("/api/v1/ws") for e in events)
        running = [e for e in events if e["state"] == "running"]
        assert running and running[-1]["done"] > 0 and running[-1]["phase"], events
        dones = [e["done"] for e in running]
        assert dones == sorted(dones), dones  # progress only moves forward
        last = events[-1]
        assert last["state"] == "succeeded" and last["done"] > 0, events
        if last["estimated"] is not None:  # GitHub gives no total up front
            assert last["done"] == last["estimated"], last
        # The card shows the final count the socket delivered.
        assert shown["cards"][integration]["progress"].startswith(f"{last['done']}"), shown
    return shown


def api(dev: Dev, access: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{dev.web_url}/api/v1",
        headers={"Authorization": f"Bearer {access}"},
        timeout=60,
    )


def token(dev: Dev, email: str) -> str:
    r = dev.login(SLUG, email, NEW_PASSWORD)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def figures(dev: Dev, access: str) -> Expected:
    """What the dashboards read (their default period), through the web app's origin."""
    metrics = (
        "deployment-frequency",
        "lead-time",
        "change-failure-rate",
        "recovery-time",
        "rework-rate",
    )
    with httpx.Client(
        base_url=f"{dev.web_url}/api/v1/analytics",
        headers={"Authorization": f"Bearer {access}"},
        timeout=60,
    ) as api:
        got = {m: api.get(f"/{m}").json() for m in metrics}
    return Expected(
        deployments=got["deployment-frequency"]["drilldown_total"],
        deployment_frequency=got["deployment-frequency"]["value"],
        lead_time_hours=got["lead-time"]["value"],
        lead_time_sample=got["lead-time"]["sample_size"],
        change_failure_rate=got["change-failure-rate"]["value"],
        recovery_hours=got["recovery-time"]["value"],
        recovery_sample=got["recovery-time"]["sample_size"],
        rework_rate=got["rework-rate"]["value"],
    )


def assert_figures(got: Expected, want: Expected) -> None:
    assert got.deployments == want.deployments
    assert got.lead_time_sample == want.lead_time_sample
    assert got.recovery_sample == want.recovery_sample
    for name in (
        "deployment_frequency",
        "lead_time_hours",
        "change_failure_rate",
        "recovery_hours",
        "rework_rate",
    ):
        value = getattr(want, name)
        assert getattr(got, name) == (None if value is None else pytest.approx(value)), name


def etl_serving(dev: Dev) -> bool:
    """As the Service has endpoints once the pod answers its probe."""
    with dev.etl_client() as etl:
        return etl.get(f"{ETL_SERVICE}/healthz").status_code == 200


def etl_stopped(dev: Dev, pid: int) -> bool:
    if dev.etl(SLUG) is not None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_journey(dev: Dev) -> None:
    saas = start_saas(dev.base, sample_spec(INTEGRATIONS, seed=14))
    saas.jira_org.touch(ISSUE_KEY, ISSUE_SUMMARY)  # what search must find by meaning
    mark_rework(saas.github_org)  # what the rework rate must count
    try:
        _journey(dev, saas)
    finally:
        saas.stop()


def _journey(dev: Dev, saas: Saas) -> None:
    apply_tenant(dev, saas)
    wait_for(lambda: dev.phase(SLUG) == "Ready", "the tenant to be Ready")
    tenant_id = dev.tenant(SLUG)["status"]["tenantId"]
    email, initial = dev.initial_login(SLUG)

    first = run_browser(
        "firstSignIn",
        dev.web_url,
        tenant=SLUG,
        email=email,
        password=initial,
        newPassword=NEW_PASSWORD,
    )
    assert first["consoleErrors"] == []
    assert dev.login(SLUG, email, initial).status_code == 401  # the initial one is gone

    wait_for(lambda: etl_serving(dev), "the tenant's ETL process", timeout=60)
    login = {"tenant": SLUG, "email": email, "password": NEW_PASSWORD}
    sync_in_browser(dev, login)
    access = token(dev, email)
    with api(dev, access) as client:  # the jobs' own record agrees with what was shown
        jobs = {j["integration"]: j for j in client.get("/etl/jobs").json()}
    assert {k: j["state"] for k, j in jobs.items()} == dict.fromkeys(
        INTEGRATIONS_IN_ORDER, "succeeded"
    )
    want = expected(saas.github_org, saas.jira_org, incident_types=("Incident",))
    # Enough of each to mean something.
    assert want.deployments > 3 and want.lead_time_sample > 3 and want.recovery_sample > 1
    assert want.rework_rate  # the hotfix and the revert count
    assert_figures(figures(dev, access), want)
    shown = run_browser("overviewTiles", dev.web_url, **login)
    assert shown["consoleErrors"] == []
    assert shown["tiles"] == overview_tiles(want), shown
    for step in ISSUE_12_STEPS:
        step(dev.web_url, login, want)

    # Suspension: every credential revoked, sign-in refused, the ETL stopped.
    pid = int(dev.etl(SLUG)["pid"])  # type: ignore[index]
    dev.kubectl("patch", "pt", SLUG, "--type", "merge", "-p", '{"spec": {"suspended": true}}')
    wait_for(lambda: dev.phase(SLUG) == "Suspended", "the tenant to be Suspended")
    wait_for(lambda: etl_stopped(dev, pid), "the suspended tenant's ETL to stop", timeout=60)
    # The backend caches a tenant's state for 5 s.
    wait_for(lambda: dev.login(SLUG, email, NEW_PASSWORD).status_code == 403, "sign-in refused")
    refused = run_browser(
        "signInAgain", dev.web_url, tenant=SLUG, email=email, password=NEW_PASSWORD
    )
    assert refused["overview"] is False and refused["alert"], refused

    dev.kubectl("patch", "pt", SLUG, "--type", "merge", "-p", '{"spec": {"suspended": false}}')
    wait_for(lambda: dev.phase(SLUG) == "Ready", "the resumed tenant to be Ready")
    wait_for(lambda: etl_serving(dev), "the resumed tenant's ETL", timeout=60)
    wait_for(lambda: dev.login(SLUG, email, NEW_PASSWORD).status_code == 200, "sign-in again")

    # Retain deletion, then the same manifest again: same data, same login.
    dev.kubectl("delete", "pt", SLUG, "--wait=true", "--timeout=120s")
    wait_for(lambda: dev.etl(SLUG) is None, "the deleted tenant's ETL to stop", timeout=60)
    wait_for(
        lambda: f"tenant-{SLUG}" not in dev.kubectl("get", "ns", "-o", "name"),
        "the tenant's namespace to be collected",
    )
    apply_tenant(dev, saas)
    wait_for(lambda: dev.phase(SLUG) == "Ready", "the re-created tenant to be Ready")
    assert dev.tenant(SLUG)["status"]["tenantId"] == tenant_id
    again = run_browser("signInAgain", dev.web_url, tenant=SLUG, email=email, password=NEW_PASSWORD)
    assert again["overview"] is True, again
    access = token(dev, email)
    assert_figures(figures(dev, access), want)
    wait_for(lambda: etl_serving(dev), "the re-created tenant's ETL", timeout=60)
    with api(dev, access) as client:
        jobs = client.get("/etl/jobs").json()
    assert {j["integration"]: j["state"] for j in jobs} == {
        "github-main": "succeeded",
        "jira-main": "succeeded",
    }
