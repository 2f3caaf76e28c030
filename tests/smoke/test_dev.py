"""``make dev`` (python -m pulse_testworld up --platform) as a developer uses it:
it prints a kubeconfig and DSNs that work, brings the example tenants to Ready,
prints ``kubectl get pt``, and stops everything on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from pulse_testworld import World

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.kube, pytest.mark.postgres]


def test_make_dev_brings_the_platform_up_and_down(world: World, tmp_path: Path) -> None:
    state = tmp_path / "dev.json"
    log = tmp_path / "dev.log"
    env = {**os.environ}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pulse_testworld", "up", "--platform", "--state-file", str(state)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 240
        while "Ctrl-C stops everything" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        out = log.read_text()
        assert "Ctrl-C stops everything" in out, out
        described = json.loads(state.read_text())
        kubeconfig = described["kube"]["kubeconfig"]
        assert f"export KUBECONFIG={kubeconfig}" in out
        ns = subprocess.run(
            [str(world.kubectl), "--kubeconfig", kubeconfig, "get", "ns"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "tenant-acme" in ns and "tenant-globex" in ns
        for role in ("primary", "replica"):
            dsn = described["postgres"][f"{role}_dsn"]
            assert dsn in out
            with psycopg.connect(dsn) as conn:
                recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()
            assert recovery == (role == "replica",)
        rows = [line.split() for line in out.splitlines() if line.startswith(("acme ", "globex "))]
        assert {r[0]: r[1] for r in rows} == {"acme": "Ready", "globex": "Ready"}
        # The printed login works against the printed API, for every example tenant.
        api = re.search(r"Backend API  (http://\S+)/api/v1", out)
        assert api, out
        api_url = api.group(1)
        logins = re.findall(r"tenant (\S+) +email (\S+) +password (\S+)", out)
        assert {t for t, _, _ in logins} == {"acme", "globex"}, out
        for tenant, email, password in logins:
            resp = httpx.post(
                f"{api_url}/api/v1/auth/login",
                json={"tenant": tenant, "email": email, "password": password},
                timeout=30,
            )
            assert resp.status_code == 200, resp.text
            assert resp.json()["must_change_password"] is True
        pids = described["pids"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    assert proc.returncode == 0
    for pid in pids.values():  # everything it started is gone
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{api_url}/healthz", timeout=5)
