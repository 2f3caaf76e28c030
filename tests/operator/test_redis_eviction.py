"""Issue 8 item 2 (eviction): with the chart's eviction policy, one tenant
filling Redis never evicts another tenant's sessions (keys without a TTL, see
README "Security"); only keys with a TTL (caches) are evicted, and past that
writes are refused rather than anything else being dropped."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import yaml

from pulse_testworld.procs import free_port

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.redis


def _chart_policy() -> str:
    values = yaml.safe_load((REPO / "charts" / "pulse" / "values.yaml").read_text())
    return str(values["redis"]["maxmemoryPolicy"])


@pytest.fixture
def small_redis(tmp_path: Path) -> Iterator[redis.Redis]:
    """A Redis of its own (the shared one must keep its memory limit), with
    the chart's policy and a limit small enough to fill."""
    server = shutil.which("redis-server")
    assert server is not None
    port = free_port()
    proc = subprocess.Popen(
        [
            server,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--dir", str(tmp_path),
            "--save", "",
            "--appendonly", "no",
            "--maxmemory", "4mb",
            "--maxmemory-policy", _chart_policy(),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port, decode_responses=True)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield client
    finally:
        client.close()
        proc.terminate()
        proc.wait(10)


def test_one_tenant_filling_memory_never_evicts_another_tenants_sessions(
    small_redis: redis.Redis,
) -> None:
    sessions = {f"t:victim:session:{i}": f"user-{i}" for i in range(50)}
    small_redis.mset(sessions)  # sessions: no TTL
    blob = "x" * 4096
    # The noisy tenant fills memory with cache entries (TTL), then with data
    # that has none: the first are evicted, the second refused.
    for i in range(3000):
        small_redis.set(f"t:noisy:cache:{i}", blob, ex=3600)
    refused = False
    for i in range(3000):
        try:
            small_redis.set(f"t:noisy:data:{i}", blob)
        except redis.exceptions.OutOfMemoryError:
            refused = True
            break
    assert small_redis.mget(list(sessions)) == list(sessions.values())
    assert refused, "memory never filled: the test proves nothing"
    stats = small_redis.info("stats")
    assert int(stats["evicted_keys"]) > 0  # caches were evicted to make room
