"""The demo seed tells the DORA story: a team that improves over 90 days."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text

from pulse_backend.analytics.summary import executive_summary
from pulse_common.analytics import dora
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.scope import Scope
from pulse_common.db import connect, make_engine
from pulse_common.dora.settings import load_rules
from pulse_common.provisioning import (
    TenantProvisioned,
    TenantRequest,
    drop_tenant,
    ensure_tenant,
)
from pulse_common.tenancy import quote_ident
from tests.db.conftest import PulseDb

AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo(pulse_db: PulseDb) -> Iterator[TenantProvisioned]:
    req = TenantRequest.model_validate(
        {
            "slug": "dora-demo",
            "display_name": "DORA demo",
            "admin_email": "admin@dora-demo.example",
            "login_password": "pw-dora-demo",
            "seed_profile": "demo",
            "demo_as_of": AS_OF.date(),
        }
    )
    yield ensure_tenant(pulse_db.engine, req)
    drop_tenant(pulse_db.engine, req.slug)


def test_demo_story(pulse_db: PulseDb, demo: TenantProvisioned, benchmarks: Benchmarks) -> None:
    t = demo
    with connect(pulse_db.engine) as conn:
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(t.schema_name)}"))

        def one(sql: str) -> object:
            return conn.execute(text(sql)).scalar()

        assert one(
            "SELECT array_agg(DISTINCT environment ORDER BY environment) FROM deployments"
        ) == [
            "production",
            "staging",
        ]
        assert int(one("SELECT count(*) FROM deployments WHERE is_rollback")) >= 2  # type: ignore[call-overload]
        assert int(one("SELECT count(*) FROM deployments WHERE status = 'failure'")) >= 1  # type: ignore[call-overload]
        assert int(one("SELECT count(*) FROM incidents WHERE status = 'open'")) >= 2  # type: ignore[call-overload]
        assert int(one("SELECT count(*) FROM incidents_deployments")) >= 3  # type: ignore[call-overload]
        multi = one(
            "SELECT count(*) FROM (SELECT deployment_id FROM deployments_prs "
            "GROUP BY 1 HAVING count(*) >= 2) x"
        )
        assert int(multi) >= 5  # type: ignore[call-overload]
        assert (
            int(
                one(
                    "SELECT count(*) FROM commits c WHERE NOT EXISTS "  # type: ignore[call-overload]
                    "(SELECT 1 FROM prs p WHERE p.merge_commit_sha = c.sha)"
                )
            )
            >= 4
        )
        assert int(one("SELECT count(*) FROM prs WHERE is_hotfix")) >= 1  # type: ignore[call-overload]

        rules = load_rules(conn)
        half = dt.timedelta(days=45)
        early = Scope(start=AS_OF - 2 * half, end=AS_OF - half)
        late = Scope(start=AS_OF - half, end=AS_OF)
        lt = [dora.lead_time(conn, s, rules, benchmarks) for s in (early, late)]
        df = [dora.deployment_frequency(conn, s, rules, benchmarks) for s in (early, late)]
        cfr = [dora.change_failure_rate(conn, s, rules, benchmarks) for s in (early, late)]
        rt = [dora.recovery_time(conn, s, rules, benchmarks) for s in (early, late)]
        assert lt[1].value < lt[0].value / 2  # type: ignore[operator]
        assert df[1].sample_size > df[0].sample_size
        assert df[1].median_days_per_week > df[0].median_days_per_week  # type: ignore[operator]
        assert cfr[1].value < cfr[0].value  # type: ignore[operator]
        assert rt[0].resolved >= 1 and rt[1].unresolved >= 1
        summary = executive_summary(conn, late, rules, benchmarks)
        changes = {ln.metric: ln.change for ln in summary.lines}
        assert changes["lead_time_for_changes"] == "improved"
        assert changes["deployment_frequency"] == "improved"
        assert summary.insights


def test_metrics_read_on_the_replica_with_the_tenants_login_role(
    pulse_db: PulseDb, demo: TenantProvisioned, benchmarks: Benchmarks
) -> None:
    """What the backend does per request: the tenant's own role (data rights
    on its schema only), the replica (read-only), search_path on the schema.
    The benchmark bands are reference data the caller loads beforehand."""
    dsn = pulse_db.dsn_as(demo.login_role, "pw-dora-demo", replica=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the replica replays the provisioning
        try:
            with psycopg.connect(dsn) as c:
                if c.execute("SELECT count(*) FROM incidents_deployments").fetchone()[0]:  # type: ignore[index]
                    break
        except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
            pass
        time.sleep(0.2)
    engine = make_engine(dsn)
    try:
        with connect(engine) as conn:
            conn.execute(text(f"SET LOCAL search_path TO {quote_ident(demo.schema_name)}"))
            rules = load_rules(conn)
            late = Scope(start=AS_OF - dt.timedelta(days=45), end=AS_OF)
            on_replica = executive_summary(conn, late, rules, benchmarks)
            with pytest.raises(Exception, match="read-only"):
                conn.execute(text("UPDATE deployments SET environment = 'x'"))
    finally:
        engine.dispose()
    with connect(pulse_db.engine) as conn:
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(demo.schema_name)}"))
        on_primary = executive_summary(conn, late, load_rules(conn), benchmarks)
    assert on_replica == on_primary
