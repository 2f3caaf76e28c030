"""The operator as a separate process, killed (SIGKILL) in the middle of
provisioning and started again: the tenant ends Ready, nothing duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from pulse_common.db import connect
from pulse_common.tenancy import TenantNames
from pulse_testworld.platform import OPERATOR_ARGV
from tests.operator.conftest import Platform, Tenants, wait_for

pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.redis]


def start_operator(platform: Platform, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **platform.env}
    return subprocess.Popen(
        OPERATOR_ARGV,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def subprocess_tenants(platform: Platform) -> Iterator[Tenants]:
    t = Tenants(platform)
    yield t
    for slug in t.made:  # no operator left to finalize: drop the finalizer by hand
        if t.get(slug) is not None:
            t.custom.patch_cluster_custom_object(
                "pulse.dev", "v1alpha1", "pulsetenants", slug, {"metadata": {"finalizers": None}}
            )
            t.delete(slug)


def test_killed_mid_provisioning_then_restarted(
    platform: Platform, subprocess_tenants: Tenants, tmp_path: Path
) -> None:
    log = tmp_path / "operator.log"
    slug = subprocess_tenants.apply(seed={"profile": "demo"})
    proc = start_operator(platform, log)
    try:

        def registry_row() -> bool:
            with connect(platform.engine) as conn:
                return bool(
                    conn.execute(
                        text("SELECT count(*) FROM pulse.tenants WHERE slug = :s"), {"s": slug}
                    ).scalar()
                )

        wait_for("provisioning to start", registry_row, timeout=60, interval=0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc = start_operator(platform, log)
        obj = subprocess_tenants.wait_phase(slug, "Ready", timeout=90)
    finally:
        proc.terminate()
        proc.wait(20)
    n = TenantNames(slug)
    with connect(platform.engine) as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM pulse.tenants WHERE slug = :s"), {"s": slug}
            ).scalar()
            == 1
        )
        assert conn.execute(text(f'SELECT count(*) FROM "{n.schema}".users')).scalar() == 1
        assert conn.execute(text(f'SELECT count(*) FROM "{n.schema}".work_items')).scalar() == 180
        assert conn.execute(text(f'SELECT count(*) FROM "{n.schema}".statuses')).scalar() == 7
    assert obj["status"]["tenantId"] > 0
    logged = log.read_text(errors="replace")
    from tests.operator.conftest import secret_values

    for key, value in secret_values(platform, slug).items():
        if key.endswith(("PASSWORD", "TOKEN")):
            assert value not in logged, f"{key} appears in the operator log"
    assert "Handler 'on_create' succeeded" in logged or "on_resume" in logged
