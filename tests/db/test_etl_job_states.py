"""Tenant migration 5e2b8f41c7d3: etl_jobs.status holds the job's real state.
Each state survives a downgrade (into the column's old values plus
``checkpoint.state``, as the previous release kept it) and the upgrade back;
each side's constraint refuses the other side's values."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.models.enums import EtlJobStatus
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "3d7a1c9e5b20"
OLD = {"queued": "idle", "cancelled": "idle", "succeeded": "success"}


def _jobs(conn: Connection, schema: str) -> dict[str, tuple[str, dict[str, object]]]:
    rows = conn.execute(text(f"SELECT job_name, status, checkpoint FROM {schema}.etl_jobs"))
    return {name: (status, cp) for name, status, cp in rows}


def _refused(conn: Connection, schema: str, status: str) -> None:
    with pytest.raises(IntegrityError), conn.begin_nested():
        conn.execute(
            text(
                f"INSERT INTO {schema}.etl_jobs (tenant_id, job_name, status) VALUES (1, 'x', :s)"
            ),
            {"s": status},
        )


def test_job_states_round_trip(pulse_db: PulseDb, make_tenant: TenantFactory) -> None:
    _, t = make_tenant("jobs")
    schema = quote_ident(TenantNames(t.slug).schema)
    states = [s.value for s in EtlJobStatus]
    assert len(states) == 6
    with connect(pulse_db.engine) as conn:
        for s in states:
            conn.execute(
                text(
                    f"INSERT INTO {schema}.etl_jobs (tenant_id, job_name, status, checkpoint) "
                    "VALUES (1, :n, :s, :cp)"
                ),
                {"n": f"job-{s}", "s": s, "cp": json.dumps({"cursor": {"page": 2}})},
            )
        _refused(conn, schema, "idle")

        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        old = _jobs(conn, schema)
        assert {n: st for n, (st, _) in old.items()} == {f"job-{s}": OLD.get(s, s) for s in states}
        assert all(cp == {"cursor": {"page": 2}, "state": n[4:]} for n, (_, cp) in old.items())
        _refused(conn, schema, "queued")

        migrate.upgrade_tenant(conn, t.slug)
        assert _jobs(conn, schema) == {f"job-{s}": (s, {"cursor": {"page": 2}}) for s in states}
        default = conn.execute(
            text(
                f"INSERT INTO {schema}.etl_jobs (tenant_id, job_name) VALUES (1, 'd') "
                "RETURNING status"
            )
        ).scalar_one()
        assert default == "queued"
