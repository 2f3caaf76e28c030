"""The analytics read transaction's session settings: JIT off and custom
plans for its statements only (``SET LOCAL``), so the connection, back in
the pool, keeps the server's settings for everything else; its opening
statement (the settings, the rules, the environments in one round trip)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pulse_common.analytics import queries as q
from pulse_common.analytics.common import analytics_session, analytics_transaction
from pulse_common.dora.settings import DoraRules, load_rules
from pulse_common.provisioning import TenantProvisioned
from pulse_common.tenancy import quote_ident
from tests.dora.conftest import T0, Scenario
from tests.pulse_db import PulseDb

pytestmark = pytest.mark.postgres
JIT = text("SELECT current_setting('jit')")
PLANS = text("SELECT current_setting('plan_cache_mode')")


def test_jit_is_off_inside_the_analytics_transaction_only(pulse_db: PulseDb) -> None:
    with pulse_db.engine.connect() as conn:
        conn.execute(text("SET jit = on"))  # the session's own value
        conn.commit()
        with conn.begin():
            analytics_session(conn)
            assert conn.execute(JIT).scalar_one() == "off"
            assert conn.execute(PLANS).scalar_one() == "force_custom_plan"
        with conn.begin():
            assert conn.execute(JIT).scalar_one() == "on"
            assert conn.execute(PLANS).scalar_one() == "auto"


def test_the_opening_statement_reads_the_rules_as_load_rules_does(sc: Scenario) -> None:
    with analytics_transaction(sc.conn) as rules:
        assert rules == DoraRules() == load_rules(sc.conn)
        assert sc.conn.execute(JIT).scalar_one() == "off"
        # A prepared statement is planned for its parameters each run.
        assert sc.conn.execute(PLANS).scalar_one() == "force_custom_plan"
    sc._insert(
        "dora_settings",
        production_pattern="^live$",
        deployment_fallback="default_branch_merges",
        incident_window_hours=48,
        report_year=2023,
        incident_types=["Incident", "Outage"],
    )
    with analytics_transaction(sc.conn) as rules:
        assert rules == load_rules(sc.conn)
        assert rules.production_pattern == "^live$"
        assert rules.incident_types == ("Incident", "Outage")
        assert rules.incident_window_hours == 48
        assert rules.deployment_fallback == "default_branch_merges"


def test_the_environments_read_at_the_opening_serve_its_block_only(
    sc: Scenario, pulse_db: PulseDb, dora_tenant: TenantProvisioned
) -> None:
    repo = sc.repo("r")
    sc.deploy(repo, "a" * 40, T0, env="production")
    scope = sc.scope()
    with analytics_transaction(sc.conn) as rules:
        # Read once, at the opening: a later row is not seen inside the block...
        sc.deploy(repo, "b" * 40, T0, env="prod")
        assert q.environments(sc.conn, scope, rules) == ["production"]
        # ...and another connection (another transaction) reads its own.
        with pulse_db.engine.connect() as other:
            other.execute(text(f"SET search_path TO {quote_ident(dora_tenant.schema_name)}"))
            # (It cannot see the uncommitted rows of ``sc``.)
            assert q.environments(other, scope, rules) == []
    assert q.environments(sc.conn, scope, rules) == ["prod", "production"]
