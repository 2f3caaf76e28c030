"""A provisioned tenant on the real PostgreSQL, and a scenario builder.

Each test builds its rows inside one transaction on the tenant's schema and
rolls it back at the end, so tests share one tenant without seeing each
other's rows (and ids differ between tests, as they would in production).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, text

from pulse_common.analytics.levels import Benchmarks, load_benchmarks
from pulse_common.analytics.scope import Scope
from pulse_common.db import connect
from pulse_common.dora.link import RelinkReport, relink
from pulse_common.dora.settings import DoraRules
from pulse_common.provisioning import TenantProvisioned
from pulse_common.tenancy import quote_ident
from tests.pulse_db import PulseDb

pytestmark = pytest.mark.postgres

T0 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # a Monday


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.fixture(scope="session")
def benchmarks(pulse_db: PulseDb) -> Benchmarks:
    with connect(pulse_db.engine) as conn:
        return load_benchmarks(conn)


@pytest.fixture(scope="session")
def dora_tenant(pulse_db: PulseDb) -> Iterator[TenantProvisioned]:
    from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant

    req = TenantRequest.model_validate(
        {
            "slug": "dora-metrics",
            "display_name": "DORA metrics",
            "admin_email": "admin@dora.example",
            "login_password": "pw-dora-metrics",
        }
    )
    yield ensure_tenant(pulse_db.engine, req)
    drop_tenant(pulse_db.engine, req.slug)


class Scenario:
    """Inserts rows with only the columns a scenario cares about."""

    def __init__(self, conn: Connection, tenant_id: int, bench: Benchmarks) -> None:
        self.conn, self.tenant_id, self.bench = conn, tenant_id, bench
        self.rules = DoraRules()
        self._n = itertools.count(1)

    def _insert(self, table: str, **values: Any) -> int:
        values["tenant_id"] = self.tenant_id
        cols = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING id"
        return int(self.conn.execute(text(sql), values).scalar_one())

    def project(self, key: str, *repos: int) -> int:
        pid = self._insert("projects", key=key, name=key)
        for r in repos:
            self._insert("projects_repositories", project_id=pid, repository_id=r)
        return pid

    def repo(self, name: str) -> int:
        return self._insert("repositories", full_name=f"acme/{name}", name=name)

    def commit(self, repo: int, sha: str, at: dt.datetime, *, default: bool = True) -> int:
        return self._insert(
            "commits",
            repository_id=repo,
            sha=sha,
            authored_at=at,
            committed_at=at,
            on_default_branch=default,
        )

    def pr(
        self,
        repo: int,
        *,
        first_commit: dt.datetime,
        opened: dt.datetime,
        merged: dt.datetime | None,
        merge_sha: str | None = None,
        reviews: tuple[tuple[str, dt.datetime], ...] = (),
        author: str = "ada",
        title: str | None = None,
        branch: str | None = None,
        work_item: int | None = None,
    ) -> int:
        n = next(self._n)
        sha = merge_sha or (f"merge{n:035d}" if merged else None)
        pid = self._insert(
            "prs",
            repository_id=repo,
            number=n,
            title=title or f"PR {n}",
            author=author,
            state="merged" if merged else "open",
            source_branch=branch or f"feature-{n}",
            target_branch="main",
            created=opened,
            merged_at=merged,
            merge_commit_sha=sha,
        )
        self._insert("prs_commits", pr_id=pid, sha=f"c{n:039d}", authored_at=first_commit)
        for i, (reviewer, at) in enumerate(reviews):
            self._insert(
                "prs_reviews",
                pr_id=pid,
                external_id=f"{pid}-{i}",
                reviewer=reviewer,
                state="approved",
                submitted_at=at,
            )
        if merged and sha:
            self.commit(repo, sha, merged)
        if work_item is not None:
            self._insert("work_items_prs", work_item_id=work_item, pr_id=pid, link_method="manual")
        return pid

    def sha_of(self, pr: int) -> str:
        return str(
            self.conn.execute(
                text("SELECT merge_commit_sha FROM prs WHERE id = :i"), {"i": pr}
            ).scalar_one()
        )

    def deploy(
        self,
        repo: int,
        sha: str,
        finished: dt.datetime,
        *,
        env: str = "production",
        status: str = "success",
        rollback: bool = False,
        source: str = "deployment",
    ) -> int:
        return self._insert(
            "deployments",
            external_id=f"d-{next(self._n)}",
            repository_id=repo,
            environment=env,
            commit_sha=sha,
            status=status,
            deployed_at=finished - dt.timedelta(minutes=10),
            started_at=finished - dt.timedelta(minutes=10),
            finished_at=finished,
            is_rollback=rollback,
            source=source,
        )

    def incident(
        self,
        detected: dt.datetime,
        resolved: dt.datetime | None = None,
        *,
        project: int | None = None,
        repo: int | None = None,
        work_item: int | None = None,
    ) -> int:
        return self._insert(
            "incidents",
            external_id=f"INC-{next(self._n)}",
            title="outage",
            severity="sev2",
            started_at=detected,
            detected_at=detected,
            resolved_at=resolved,
            status="resolved" if resolved else "open",
            project_id=project,
            repository_id=repo,
            work_item_id=work_item,
        )

    def work_item(self, project: int, wit: str) -> int:
        wit_id = self.conn.execute(
            text("SELECT id FROM wits WHERE name = :n"), {"n": wit}
        ).scalar_one()
        return self._insert(
            "work_items",
            project_id=project,
            key=f"W-{next(self._n)}",
            summary=wit,
            wit_id=wit_id,
            created=T0,
        )

    def link(self, rules: DoraRules | None = None) -> RelinkReport:
        if rules is not None:
            self.rules = rules
        return relink(self.conn, self.tenant_id, self.rules)

    def scope(
        self, start: dt.datetime = T0 - dt.timedelta(days=1), days: float = 8, **kw: Any
    ) -> Scope:
        return Scope(start=start, end=start + dt.timedelta(days=days), **kw)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(text(sql))]


@pytest.fixture
def sc(
    pulse_db: PulseDb,
    dora_tenant: TenantProvisioned,
    benchmarks: Benchmarks,
) -> Iterator[Scenario]:
    conn = pulse_db.engine.connect()
    tx = conn.begin()
    try:
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(dora_tenant.schema_name)}"))
        yield Scenario(conn, dora_tenant.tenant_id, benchmarks)
    finally:
        tx.rollback()
        conn.close()
