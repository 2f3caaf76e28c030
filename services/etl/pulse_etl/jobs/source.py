"""A run's source: the HTTP client made from the integration's credentials,
the connector that pages through it, the phases a run reads in order, and the
tenant setting that decides which Jira issues are incidents."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
from psycopg import AsyncConnection

from pulse_etl.integrations import Credentials, Integration, Kind
from pulse_etl.jobs import ranges
from pulse_etl.jobs.context import RunContext
from pulse_etl.sources.batch import Batch, Connector
from pulse_etl.sources.github import GithubConnector
from pulse_etl.sources.http import SourceClient
from pulse_etl.sources.jira import JiraConnector


def make_client(ctx: RunContext, integration: Integration, creds: Credentials) -> SourceClient:
    token = creds.token.get_secret_value()
    auth: httpx.Auth | None = None
    headers = {"Accept": "application/json", "User-Agent": "pulse-etl"}
    secrets = [token]
    if integration.type is Kind.jira and creds.email:
        auth = httpx.BasicAuth(creds.email, token)
        secrets.append(base64.b64encode(f"{creds.email}:{token}".encode()).decode())
    else:
        headers["Authorization"] = f"Bearer {token}"
    if integration.type is Kind.github:
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = "2022-11-28"
    http = httpx.AsyncClient(auth=auth, headers=headers, timeout=ctx.timeout)
    return SourceClient(
        integration.type.value,
        http,
        retry=ctx.retry,
        sleep=ctx.sleep,
        secrets=tuple(secrets),
        origin=integration.api_url,
        max_body=ctx.max_body,
    )


def phases(
    conn: AsyncConnection[Any],
    connector: Connector,
    integration_id: int,
    cursor: dict[str, Any],
    since: dt.datetime | None,
) -> list[AsyncIterator[Batch]]:
    """The connector's batches, then (GitHub) the fallback releases and the
    deployments' commit ranges, which depend on what is loaded."""
    phases = [connector.batches(cursor, since)]
    if isinstance(connector, GithubConnector):
        phases.append(ranges.release_batches(conn, connector, integration_id))
        phases.append(ranges.range_batches(conn, connector, integration_id))
    return phases


async def incident_types(conn: AsyncConnection[Any]) -> list[str] | None:
    """The tenant's DORA setting (``PUT /analytics/settings``); None when it
    was never set, and each integration's ``incidentTypes`` option decides."""
    async with conn.transaction():
        cur = await conn.execute("SELECT incident_types FROM dora_settings LIMIT 1")
        row = await cur.fetchone()
    return None if row is None or row[0] is None else list(row[0])


def make_connector(
    client: SourceClient,
    integration: Integration,
    cp: dict[str, Any],
    incident_types: list[str] | None = None,
) -> Connector:
    if integration.type is Kind.jira:
        return JiraConnector(client, integration, incident_types)
    return GithubConnector(client, integration, dict(cp.get("etags", {})))
