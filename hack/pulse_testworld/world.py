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
RAM_DIR = Path("/dev/shm")  # noqa: S108 - only a parent for mkdtemp
# A world of a whole test session stays under 2 GiB; room for a few of them
# (two test workers, a make dev) and for everything else the machine runs.
RAM_DIR_MIN_FREE = 8 << 30
OWNER_FILE = "owner.pid"


def _mount_type(path: Path) -> str | None:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    types = {fields[1]: fields[2] for line in mounts if len(fields := line.split()) > 2}
    return types.get(str(path))


def _mem_available() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def world_parent() -> Path | None:
    """The folder a new world's folder goes in: $PULSE_WORLD_DIR if set, else
    /dev/shm when it is a RAM file system with room, else the temp dir (None).
    PostgreSQL and etcd create and delete tens of thousands of files; on this
    machine's disk that cost tests/db 27% of its wall and 21 s of sys CPU
    (and removing a world up to minutes). fsync is off either way, so what
    the tests exercise is the same."""
    if chosen := os.environ.get("PULSE_WORLD_DIR"):
        return Path(chosen)
    if _mount_type(RAM_DIR) != "tmpfs":
        return None
    free = shutil.disk_usage(RAM_DIR).free
    if min(free, _mem_available()) < RAM_DIR_MIN_FREE:
        return None
    return RAM_DIR


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


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans(parent: Path) -> list[Path]:
    """Removes the worlds in ``parent`` whose owner process is gone (a run
    killed outright never removes its own): in RAM they would hold memory
    until the machine restarts."""
    removed = []
    for folder in parent.glob("pulse-world-*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours to judge, or still being created
        if not alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def start_world(base: Path | None = None) -> World:
    """Starts every service; on any failure stops what already started."""
    bin_dir = binaries_dir()
    if base is None:
        parent = world_parent()
        if parent is not None:
            remove_orphans(parent)
        base = Path(tempfile.mkdtemp(prefix="pulse-world-", dir=parent))
    base.chmod(0o755)  # the postgres user must reach its data directory
    (base / OWNER_FILE).write_text(str(os.getpid()))
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
