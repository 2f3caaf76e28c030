"""Starts the whole test world and describes it as JSON for other processes."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pulse_testworld.kube import KubeInfo, start_kube
from pulse_testworld.postgres import PostgresInfo, start_postgres
from pulse_testworld.procs import Supervisor, wait_until
from pulse_testworld.redis_server import RedisInfo, start_redis

REPO = Path(__file__).resolve().parents[2]


def binaries_dir() -> Path:
    """The cached control-plane binaries, built on first use."""
    out = subprocess.run(
        [str(REPO / "hack" / "build-binaries.sh")], check=True, capture_output=True, text=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


@dataclass
class World:
    base: Path
    bin_dir: Path
    kube: KubeInfo
    postgres: PostgresInfo
    redis: RedisInfo
    timings: dict[str, float]
    _sup: Supervisor = field(repr=False)

    @property
    def helm(self) -> Path:
        return self.bin_dir / "helm"

    @property
    def kubectl(self) -> Path:
        return self.bin_dir / "kubectl"

    def describe(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "base": self.base,
            "bin_dir": self.bin_dir,
            "timings": self.timings,
            "kube": asdict(self.kube),
            "postgres": asdict(self.postgres),
            "redis": asdict(self.redis),
        }
        data["pids"] = {p.name: p.pid for p in self._sup.processes}
        return json.loads(json.dumps(data, default=str))  # type: ignore[no-any-return]

    def stop_service(self, name: str) -> None:
        """Stops one service (e.g. "redis") to test an outage."""
        self._sup.find(name).stop()

    def restart_service(self, name: str, ready: Callable[[], bool], timeout: float = 30) -> None:
        proc = self._sup.restart(name)
        wait_until(f"{name} after restart", ready, timeout=timeout, proc=proc)

    def stop(self, *, keep_data: bool = False) -> None:
        self._sup.stop_all()
        if not keep_data:
            shutil.rmtree(self.base, ignore_errors=True)


def start_world(base: Path | None = None) -> World:
    """Starts every service; on any failure stops what already started."""
    bin_dir = binaries_dir()
    base = base or Path(tempfile.mkdtemp(prefix="pulse-world-"))
    base.chmod(0o755)  # the postgres user must reach its data directory
    logs = base / "logs"
    logs.mkdir(exist_ok=True)
    sup = Supervisor(logs)
    atexit.register(sup.stop_all)
    timings: dict[str, float] = {}
    try:
        t = time.monotonic()
        pg = start_postgres(sup, base)
        timings["postgres"] = time.monotonic() - t
        t = time.monotonic()
        rd = start_redis(sup, base)
        timings["redis"] = time.monotonic() - t
        t = time.monotonic()
        kube = start_kube(sup, bin_dir, base)
        timings["kube"] = time.monotonic() - t
    except BaseException:
        sup.stop_all()
        if not os.environ.get("PULSE_KEEP_WORLD"):
            shutil.rmtree(base, ignore_errors=True)
        raise
    return World(base, bin_dir, kube, pg, rd, timings, sup)
