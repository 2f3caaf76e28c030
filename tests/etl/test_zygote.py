"""The fork runner the kill tests use: each run is a separate process that
takes the argv and environment it is given, runs ``pulse_etl.cli`` as
``python -m`` does, and reports its exit as subprocess would."""

from __future__ import annotations

import os
import signal

from tests.etl.zygote import Zygote

ENV = {
    "PATH": os.environ.get("PATH", ""),
    "PULSE_TENANT_SLUG": "acme",
    "PULSE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    "PULSE_DATABASE_SCHEMA": "tenant_acme",
    "PULSE_REDIS_URL": "redis://127.0.0.1:1/0",
    "PULSE_REDIS_KEY_PREFIX": "t:acme:",
    "PULSE_QDRANT_URL": ":memory:",
    "PULSE_QDRANT_TOKEN": "unused",
    "PULSE_QDRANT_COLLECTION": "tenant_acme",
    "PULSE_ETL_INTEGRATIONS": "[]",
}


def test_a_run_gets_its_argv_and_environment(etl_zygote: Zygote) -> None:
    run = etl_zygote.fork("pulse_etl.cli", ["sync", "nope"], ENV)
    assert run.pid not in (os.getpid(), 0)
    run.start()
    out, err = run.communicate(timeout=120)
    assert (run.returncode, out) == (2, b"")
    assert b"no integration named 'nope'" in err


def test_a_run_reads_settings_only_from_its_environment(etl_zygote: Zygote) -> None:
    env = {k: v for k, v in ENV.items() if k != "PULSE_TENANT_SLUG"}
    run = etl_zygote.fork("pulse_etl.cli", ["sync", "nope"], env)
    run.start()
    _, err = run.communicate(timeout=120)
    # Named as the admin sets it (``settings.load_settings``), not a trace.
    assert (run.returncode, err) == (
        1,
        b"invalid ETL settings:\n  PULSE_TENANT_SLUG: Field required\n",
    )


def test_a_run_killed_at_its_gate_never_ran(etl_zygote: Zygote) -> None:
    run = etl_zygote.fork("pulse_etl.cli", ["sync", "nope"], ENV)
    os.kill(run.pid, signal.SIGKILL)
    out, err = run.communicate(timeout=120)
    assert (run.returncode, out, err) == (-signal.SIGKILL, b"", b"")
