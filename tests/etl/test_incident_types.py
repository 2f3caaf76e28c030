"""Which Jira issue types are incidents: the tenant's DORA setting
(``dora_settings.incident_types``, edited through PUT /analytics/settings)
wins over the integration's ``incidentTypes`` option, which still decides
while the setting was never made (backward compatible)."""

from __future__ import annotations

import psycopg

from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from tests.etl.conftest import EtlTenant


def _of_types(t: EtlTenant, *types: str) -> set[str]:
    org = t.sources.jira_org
    return {i.key for i in org.issues if i.fields["issuetype"]["name"] in types}


async def test_the_dora_setting_decides_which_issues_are_incidents(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    bugs = _of_types(t, "Bug")
    assert bugs and _of_types(t, "Incident"), "the generated data must have both types"
    with psycopg.connect(t.dsn) as conn:
        conn.execute(
            "INSERT INTO dora_settings (tenant_id, incident_types) VALUES (%s, %s)",
            (t.tenant_id, ["Bug"]),
        )
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.succeeded, job.last_error
    incidents = {k for (k,) in t.query("SELECT external_id FROM incidents")}
    assert incidents == bugs


async def test_without_the_setting_the_integration_option_decides(
    etl_tenant: EtlTenant,
) -> None:
    t = etl_tenant
    jira = t.integrations(**{"jira-main": {"incidentTypes": ["Incident", "Bug"]}})["jira-main"]
    job = await run_job(t.context(), jira)
    assert job.state is JobState.succeeded, job.last_error
    incidents = {k for (k,) in t.query("SELECT external_id FROM incidents")}
    assert incidents == _of_types(t, "Incident", "Bug")
