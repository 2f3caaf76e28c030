"""The journey's platform: ``make dev`` itself (python -m pulse_testworld up
--platform) in a world of its own, with no example tenant and the web app
built once per session, plus helpers to drive it as a user and an operator
would (kubectl, the API on the web app's origin, the browser)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from pulse_testworld.world import alive
from tests.frontend.conftest import frontend_dist  # noqa: F401 - a fixture
from tests.frontend.conftest import run_browser as frontend_browser

REPO = Path(__file__).resolve().parents[2]
BROWSER = Path(__file__).resolve().parent / "browser"


def wait_for(check: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, subprocess.CalledProcessError, KeyError) as exc:
            last = f" (last: {exc})"
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}{last}")


@dataclass
class Dev:
    state: dict[str, Any]
    log: Path

    @property
    def base(self) -> Path:
        return Path(self.state["base"])

    @property
    def web_url(self) -> str:
        return str(self.state["web_url"])

    def kubectl(self, *args: str, input: str | None = None) -> str:
        kubectl = Path(self.state["bin_dir"]) / "kubectl"
        return subprocess.run(
            [str(kubectl), "--kubeconfig", self.state["kube"]["kubeconfig"], *args],
            capture_output=True,
            text=True,
            check=True,
            input=input,
            timeout=120,
        ).stdout

    def apply(self, *objects: dict[str, Any]) -> None:
        body = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
        self.kubectl("apply", "-f", "-", input=json.dumps(body))

    def tenant(self, slug: str) -> dict[str, Any]:
        return json.loads(self.kubectl("get", "pt", slug, "-o", "json"))  # type: ignore[no-any-return]

    def phase(self, slug: str) -> str | None:
        return self.tenant(slug).get("status", {}).get("phase")  # type: ignore[no-any-return]

    def initial_login(self, slug: str) -> tuple[str, str]:
        data = json.loads(
            self.kubectl(
                "get", "secret", "pulse-admin-initial", "-n", f"tenant-{slug}", "-o", "json"
            )
        )["data"]
        return base64.b64decode(data["email"]).decode(), base64.b64decode(data["password"]).decode()

    @property
    def output(self) -> str:
        """What make dev has printed so far."""
        return self.log.read_text()

    def etls(self) -> dict[str, dict[str, Any]]:
        """The running tenant ETL processes, by slug."""
        path = Path(self.state["etl_dir"]) / "processes.json"
        return json.loads(path.read_text()) if path.exists() else {}  # type: ignore[no-any-return]

    def etl(self, slug: str) -> dict[str, Any] | None:
        return self.etls().get(slug)

    def etl_client(self) -> httpx.Client:
        """The tenant ETL Services by name, as the backend reaches them."""
        return httpx.Client(proxy=self.state["service_proxy"], timeout=60)

    def login(self, tenant: str, email: str, password: str) -> httpx.Response:
        body = {"tenant": tenant, "email": email, "password": password}
        return httpx.post(f"{self.web_url}/api/v1/auth/login", json=body, timeout=30)


@pytest.fixture(scope="package")
def dev(frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:  # noqa: F811
    """``make dev`` as a developer runs it (the example tenants included),
    once for this package: test_dev.py checks what it prints and runs,
    test_journey.py walks a new tenant through it. Starting a platform costs
    a minute or two of CPU, so the two share one. On teardown it gets Ctrl-C
    and must stop everything it started, the ETL processes included."""
    folder = tmp_path_factory.mktemp("dev")
    state, log = folder / "dev.json", folder / "dev.log"
    argv = [sys.executable, "-m", "pulse_testworld", "up", "--platform"]
    proc = subprocess.Popen(
        [*argv, "--state-file", str(state)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=REPO,
        env={
            **os.environ,
            "PULSE_DEV_FREE_PORTS": "1",  # other sessions may run make dev
            # One user signs in a dozen times in minutes (each browser step
            # is a new session); the limits themselves are tests/backend's.
            "PULSE_BACKEND_RATE_LOGIN_PER_EMAIL": "100",
            "PULSE_BACKEND_RATE_LOGIN_PER_ADDRESS": "1000",
        },
    )
    started: Dev | None = None
    pids: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 480
        while "Ctrl-C stops everything" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        started = Dev(json.loads(state.read_text()), log)
        yield started
        pids = started.state["pids"] | {s: e["pid"] for s, e in started.etls().items()}
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(120)
    if started is None:
        return
    # Ctrl-C stops everything it started, and the API with it.
    assert proc.returncode == 0, log.read_text()[-3000:]
    assert [name for name, pid in pids.items() if alive(pid)] == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{started.state['api_url']}/healthz", timeout=5)


def run_browser(scenario: str, base_url: str, **params: Any) -> dict[str, Any]:
    """Runs one scenario of browser/journey.mjs in chromium with the
    frontend suite's runner; returns its report."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PULSE_BROWSER_SCENARIOS", str(BROWSER / "journey.mjs"))
        return frontend_browser(scenario, SimpleNamespace(url=base_url), **params)  # type: ignore[arg-type]
