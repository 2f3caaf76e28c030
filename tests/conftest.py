"""Session fixtures over the real test world (see hack/pulse_testworld).

The world is started once per pytest session and stopped at its end; every
suite runs against it by default. Fixtures that hand out isolation (a fresh
namespace, a fresh database) clean up after themselves.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from argon2 import PasswordHasher
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from qdrant_client import QdrantClient

from pulse_common import security
from pulse_testworld import World, start_world
from tests.backend_platform import make_client, platform  # noqa: F401 - fixtures, registered once here
from tests.pulse_db import (  # noqa: F401 - fixtures, registered once here
    make_module_tenant,
    make_tenant,
    pulse_db,
)

REPO = Path(__file__).resolve().parents[1]
# Subprocesses (operator, make dev, services) import this checkout's code,
# whichever checkout the shared venv's editable install points at.
os.environ["PYTHONPATH"] = os.pathsep.join(
    str(REPO / p)
    for p in ("hack", "operator", "services/backend", "services/etl", "services/common")
)

# Hypothesis keeps tables it computes under its home directory, by default
# .hypothesis/ in the checkout, empty in every fresh clone: the utf-8 codec's
# encodable characters (3.5 s of CPU, the fuzzers' headers) and the constants
# it reads from each module's source (keyed by the source's hash). Those go
# to $PULSE_CACHE with the other caches; the example database (failures to
# replay) stays in the checkout, where it always was.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(
        Path(os.environ.get("PULSE_CACHE") or Path.home() / ".cache" / "pulse") / "hypothesis"
    )
# Property tests that leave max_examples to the profile run Hypothesis's
# default 100 examples in make test; PULSE_HYPOTHESIS_PROFILE=thorough runs
# 1000 (worth it after touching what they cover, e.g. tenant naming).
_EXAMPLES = DirectoryBasedExampleDatabase(REPO / ".hypothesis" / "examples")
settings.register_profile("ci", max_examples=100, database=_EXAMPLES)
settings.register_profile("thorough", max_examples=1000, database=_EXAMPLES)
settings.load_profile(os.environ.get("PULSE_HYPOTHESIS_PROFILE", "ci"))


# Files that take minutes. Under pytest-xdist they are handed out first, so
# that no worker picks one up when the others are nearly done: make test
# passes --no-loadscope-reorder, so groups go out in collection order (by
# default xdist orders them by their number of tests, which put the journey
# and make dev, one test each, last).
SLOW_FIRST = (
    # One make dev platform for both (package-scoped), in this order.
    "tests/journey/test_dev.py",
    "tests/journey/test_journey.py",
    "tests/etl/test_kill.py",
    "tests/db/test_migrate_all.py",
    "tests/backend/test_fuzz_schemathesis.py",
    "tests/db/test_provisioning.py",
    "tests/frontend/test_dashboards.py",
    "tests/operator/test_lifecycle.py",
    "tests/operator/test_many_tenants.py",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """For ``--dist loadgroup``: one group per file unless a test names its
    own (``xdist_group``), so a file's module and session fixtures are set
    up on one worker; each worker has a test world of its own."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
    if getattr(config.option, "numprocesses", None):

        def rank(item: pytest.Item) -> int:
            path = item.nodeid.split("::", 1)[0]
            return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

        items.sort(key=rank)


# argon2id at the production parameters (t=3, m=64 MiB, p=4) costs 0.1-0.9 s
# of CPU and 64 MiB per hash or verify, and a test that provisions a tenant
# and signs its admin in pays it three or four times. As Django's test
# settings swap in a fast hasher, in-process code hashes with argon2id at its
# lowest cost here: same code paths, same PHC format, and ``verify_password``
# reads the parameters from the hash, so hashes made here and in
# subprocesses (operator, make dev, ETL: not affected) verify everywhere.
# Tests that assert the production parameters take ``production_argon2``.
PRODUCTION_ARGON2 = security._ARGON2
CHEAP_ARGON2 = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_argon2() -> Iterator[PasswordHasher]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(security, "_ARGON2", CHEAP_ARGON2)
        yield CHEAP_ARGON2


@pytest.fixture
def production_argon2(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """pulse_common.security hashes with its production parameters in this test."""
    monkeypatch.setattr(security, "_ARGON2", PRODUCTION_ARGON2)
    return PRODUCTION_ARGON2


@pytest.fixture(scope="session")
def world() -> Iterator[World]:
    w = start_world()
    yield w
    w.stop()


@pytest.fixture(scope="session")
def kubeconfig(world: World) -> Path:
    return world.kube.kubeconfig


@pytest.fixture(scope="session")
def kube_api(world: World) -> k8s.ApiClient:
    return k8s_config.new_client_from_config(config_file=str(world.kube.kubeconfig))


@pytest.fixture(scope="session")
def kubectl(world: World):  # type: ignore[no-untyped-def]
    """Runs the built kubectl against the test world; returns CompletedProcess."""

    def run(
        *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(world.kubectl), "--kubeconfig", str(world.kube.kubeconfig), *args],
            capture_output=True,
            text=True,
            check=check,
            input=input,
            timeout=120,
        )

    return run


@pytest.fixture(scope="session")
def helm(world: World):  # type: ignore[no-untyped-def]
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(world.helm), "--kubeconfig", str(world.kube.kubeconfig), *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=300,
        )

    return run


@pytest.fixture
def namespace(kube_api: k8s.ApiClient) -> Iterator[str]:
    """A fresh namespace, deleted (without waiting) after the test."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    core = k8s.CoreV1Api(kube_api)
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


@pytest.fixture(scope="session")
def primary_dsn(world: World) -> str:
    return world.postgres.primary_dsn


@pytest.fixture(scope="session")
def replica_dsn(world: World) -> str:
    return world.postgres.replica_dsn


def _with_db(dsn: str, db: str) -> str:
    return dsn.rsplit("/", 1)[0] + "/" + db


@pytest.fixture
def fresh_database(world: World) -> Iterator[tuple[str, str]]:
    """A new database on the primary: (primary DSN, replica DSN), dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _with_db(world.postgres.primary_dsn, name), _with_db(world.postgres.replica_dsn, name)
    with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_admin(world: World) -> Iterator[redis.Redis]:
    r = redis.Redis.from_url(world.redis.url, decode_responses=True)
    yield r
    r.close()


@pytest.fixture
def qdrant() -> Iterator[QdrantClient]:
    """Qdrant in local (in-process) mode: no server can run here."""
    q = QdrantClient(location=":memory:")
    yield q
    q.close()
