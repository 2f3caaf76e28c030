"""Seed data: the defaults every tenant gets, the admin user, branding
palettes, the deterministic demo profile, and reads from the replica."""

from __future__ import annotations

import datetime as dt
import time

import psycopg
import pytest
from sqlalchemy import text

from pulse_common.db import connect
from pulse_common.security import verify_password
from pulse_common.tenancy import TenantNames
from tests.db.conftest import PulseDb, TenantFactory

AS_OF = dt.date(2026, 6, 30)


def _rows(db: PulseDb, sql: str) -> list[tuple[object, ...]]:
    with connect(db.engine) as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_minimal_profile_defaults(pulse_db: PulseDb, make_tenant: TenantFactory) -> None:
    _, t = make_tenant(
        "seed",
        admin_email="Admin.Person@Example.COM",
        branding={"primary_color": "#1F6FEB", "secondary_color": "#0B1F3A"},
    )
    s = t.schema_name
    counts = {
        tbl: _rows(pulse_db, f"SELECT count(*) FROM {s}.{tbl}")[0][0]
        for tbl in (
            "statuses",
            "wits",
            "workflows",
            "status_mappings",
            "wit_mappings",
            "system_settings",
            "client_color_settings",
            "users",
            "work_items",
            "prs",
            "deployments",
        )
    }
    assert counts == {
        "statuses": 7,
        "wits": 6,
        "workflows": 1,
        "status_mappings": 14,
        "wit_mappings": 8,
        "system_settings": 5,  # no dora.* keys: dora_settings holds the rules
        "client_color_settings": 2,
        "users": 1,
        "work_items": 0,
        "prs": 0,
        "deployments": 0,
    }
    assert _rows(pulse_db, f"SELECT name, category FROM {s}.statuses ORDER BY id")[:3] == [
        ("Backlog", "to_do"),
        ("To Do", "to_do"),
        ("In Progress", "in_progress"),
    ]
    email, role, pw_hash, must_change, tenant_id = _rows(
        pulse_db,
        f"SELECT email, role, password_hash, must_change_password, tenant_id FROM {s}.users",
    )[0]
    assert (email, role, must_change, tenant_id) == (
        "admin.person@example.com",
        "admin",
        True,
        t.tenant_id,
    )
    assert t.admin_password is not None
    assert verify_password(t.admin_password.get_secret_value(), str(pw_hash))
    assert not verify_password("wrong", str(pw_hash))
    palettes = dict(_rows(pulse_db, f"SELECT mode, primary_color FROM {s}.client_color_settings"))
    assert palettes == {"light": "#1F6FEB", "dark": "#4C8CEF"}
    assert _rows(pulse_db, f"SELECT value FROM {s}.system_settings WHERE key = 'seed.profile'") == [
        ("minimal",)
    ]


def _fingerprint(db: PulseDb, schema: str) -> dict[str, str]:
    """A digest of each demo table's business columns (ids included: fresh
    sequences make them deterministic too)."""
    out = {}
    for table in (
        "projects",
        "work_items",
        "changelogs",
        "repositories",
        "prs",
        "prs_commits",
        "prs_reviews",
        "deployments",
        "incidents",
    ):
        out[table] = str(
            _rows(
                db,
                f"""
            SELECT md5(string_agg(row_to_json(x)::jsonb - 'created_at' - 'last_updated_at'
                                  - 'tenant_id' #>> '{{}}', '|' ORDER BY x.id))
            FROM {schema}.{table} x""",
            )[0][0]
        )
    return out


def test_demo_profile_is_deterministic_and_realistic(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, a = make_tenant("demo-a", seed_profile="demo", demo_as_of=AS_OF)
    _, b = make_tenant("demo-b", seed_profile="demo", demo_as_of=AS_OF)
    assert _fingerprint(pulse_db, a.schema_name) == _fingerprint(pulse_db, b.schema_name)

    s = a.schema_name
    counts = _rows(
        pulse_db,
        f"""SELECT (SELECT count(*) FROM {s}.projects), (SELECT count(*) FROM {s}.work_items),
        (SELECT count(*) FROM {s}.repositories), (SELECT count(*) FROM {s}.prs),
        (SELECT count(*) FROM {s}.deployments), (SELECT count(*) FROM {s}.incidents)""",
    )[0]
    assert counts[:3] == (3, 180, 4)
    assert 80 <= int(counts[3]) <= 160 and 40 <= int(counts[4]) <= 140 and int(counts[5]) >= 3  # type: ignore[call-overload]
    lo, hi = _rows(
        pulse_db, f"SELECT min(created), max(deployed_at) FROM {s}.work_items, {s}.deployments"
    )[0]
    assert lo >= dt.datetime(2026, 4, 1, tzinfo=dt.UTC)  # type: ignore[operator]
    assert hi <= dt.datetime(2026, 6, 30, tzinfo=dt.UTC)  # type: ignore[operator]
    # Every incident is linked to the failed deployment that caused it.
    assert _rows(
        pulse_db,
        f"""SELECT count(*) FROM {s}.incidents i JOIN {s}.deployments d
        ON d.id = i.deployment_id WHERE d.status <> 'failure'""",
    ) == [(0,)]
    # Every merged PR's commits precede its merge.
    assert _rows(
        pulse_db,
        f"""SELECT count(*) FROM {s}.prs_commits c JOIN {s}.prs p ON p.id = c.pr_id
        WHERE p.merged_at IS NOT NULL AND c.authored_at > p.merged_at""",
    ) == [(0,)]


def test_demo_seed_runs_once(pulse_db: PulseDb, make_tenant: TenantFactory) -> None:
    from pulse_common.provisioning import ensure_tenant

    req, t = make_tenant("demo-once", seed_profile="demo", demo_as_of=AS_OF)
    before = _rows(pulse_db, f"SELECT count(*) FROM {t.schema_name}.work_items")
    ensure_tenant(pulse_db.engine, req)
    assert _rows(pulse_db, f"SELECT count(*) FROM {t.schema_name}.work_items") == before


def test_replica_serves_seeded_data_read_only(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, t = make_tenant("replica", seed_profile="demo", demo_as_of=AS_OF)
    n = TenantNames(t.slug)
    dsn = pulse_db.dsn_as(n.login_role, f"pw-{t.slug}", replica=True)
    deadline, count = time.monotonic() + 30, None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                count = conn.execute("SELECT count(*) FROM work_items").fetchone()[0]  # type: ignore[index]
                if count == 180:
                    break
        except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
            pass  # role or schema not replayed yet
        time.sleep(0.2)
    assert count == 180
    with (
        psycopg.connect(dsn, autocommit=True) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("UPDATE work_items SET summary = 'x'")
