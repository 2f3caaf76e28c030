"""Read/write split on the real streaming replica: reads are served by the
replica, a lagging replica (replay paused) sends reads to the primary with
a metric saying so, a user's own write is visible on their next read, and
an ETL load is in every answer cached under the data version it bumped."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
import redis
import redis.asyncio as aioredis
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from pulse_backend.replica import ReplicaRouter
from pulse_backend.response_cache import bump_data_version
from pulse_backend.tx import read_transaction
from pulse_common.tenancy import TenantNames
from pulse_etl.jobs.events import Events
from tests.backend.conftest import (
    Platform,
    Session,
    TenantFactory,
    admin_session,
    bearer,
    invite_and_login,
    login,
)
from tests.backend.support import add_deployment, add_repository, wait_replica

RANGE = {"start": "2026-06-01T00:00:00+00:00", "end": "2026-06-29T00:00:00+00:00"}

# The ``dashboard`` fixture: a client, its admin, ``deploy(n)``, ``figures()``.
Dashboard = tuple[TestClient, Session, Callable[[int], None], Callable[[], list[object]]]


def _server_of_read(client: TestClient, slug: str, session_id: int | None) -> bool:
    """pg_is_in_recovery() of the server that answers a read."""
    clients = client.app.state.clients  # type: ignore[attr-defined]
    with read_transaction(clients.replica, TenantNames(slug), session_id) as conn:
        return bool(conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one())


def _fallbacks(client: TestClient, reason: str) -> float:
    return all_fallbacks(client).get(reason, 0.0)


def labelled_counter(client: TestClient, name: str, label: str) -> dict[str, float]:
    """A counter with one label, from /metrics: its value by label value."""
    found = re.findall(
        rf'^{name}\{{{label}="([^"]+)"\}} (\S+)$', client.get("/metrics").text, re.MULTILINE
    )
    return {value: float(n) for value, n in found}


def all_fallbacks(client: TestClient) -> dict[str, float]:
    """Reads sent to the primary so far, by why (for a failure's message)."""
    return labelled_counter(client, "pulse_replica_fallbacks_total", "reason")


@pytest.fixture
def paused_replay(platform: Platform) -> Iterator[Callable[[], None]]:
    """Pauses WAL replay on the replica when called; always resumes after."""

    def pause() -> None:
        with platform.replica_engine.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
            conn.commit()
            # Only a request: replay stops before the next record it reads.
            # Until the state says so, a record may still be applied.
            deadline = time.monotonic() + 30
            state = "SELECT pg_get_wal_replay_pause_state()"
            while conn.execute(text(state)).scalar_one() != "paused":
                assert time.monotonic() < deadline, "the replica's replay did not pause"
                _write_on_primary(platform.engine)  # a record to stop before
                time.sleep(0.05)
            conn.commit()

    yield pause
    with platform.replica_engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_resume()"))
        conn.commit()


def _write_on_primary(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS _tick (x int)"))
        conn.execute(text("SELECT pg_logical_emit_message(false, 'tick', 'x')"))


def _wait_lag_above(platform: Platform, seconds: float) -> None:
    """Writes on the primary until the paused replica measurably lags."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _write_on_primary(platform.engine)
        with platform.replica_engine.connect() as conn:
            lag = conn.execute(
                text(
                    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
                    "THEN 0 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
                )
            ).scalar_one()
        if lag is not None and float(lag) > seconds:
            return
        time.sleep(0.2)
    raise AssertionError("replica never lagged")


def test_reads_are_served_by_the_replica(client: TestClient, admin: Session) -> None:
    assert _server_of_read(client, admin.tenant.slug, None) is True
    r = client.get("/api/v1/users", headers=admin.headers)
    assert r.status_code == 200


def test_lagging_replica_falls_back_to_primary(
    make_client: Callable[..., TestClient],
    make_tenant: TenantFactory,
    platform: Platform,
    paused_replay: Callable[[], None],
) -> None:
    client = make_client(replica_max_lag_seconds=1.0, replica_lag_cache_seconds=0)
    t = make_tenant()
    s = admin_session(client, t)
    # Creating the tenant wrote a lot: on a loaded machine the replica may
    # still be more than the 1 s allowed behind, which is the case tested next.
    wait_replica(platform, timeout=30)
    assert _server_of_read(client, t.slug, None) is True
    before = _fallbacks(client, "lag")
    paused_replay()
    _wait_lag_above(platform, 1.5)
    assert _server_of_read(client, t.slug, None) is False
    assert client.get("/api/v1/users", headers=s.headers).status_code == 200
    assert _fallbacks(client, "lag") >= before + 2


def test_read_your_writes_while_the_replica_is_behind(
    make_client: Callable[..., TestClient],
    make_tenant: TenantFactory,
    platform: Platform,
    paused_replay: Callable[[], None],
) -> None:
    # The lag bound is huge: only read-your-writes can send reads to the primary.
    client = make_client(replica_max_lag_seconds=3600, replica_lag_cache_seconds=0)
    s = admin_session(client, make_tenant())
    body = login(client, s.tenant.slug, s.tenant.admin_email, s.tenant.admin_password)
    other = bearer(body["access_token"])
    # Let the replica catch up with the login writes, then stop it.
    wait_replica(platform, timeout=30)
    paused_replay()
    before = _fallbacks(client, "read_your_writes")
    r = client.put("/api/v1/profile/preferences", json={"theme_mode": "dark"}, headers=s.headers)
    assert r.status_code == 200
    r = client.get("/api/v1/profile/preferences", headers=s.headers)
    assert r.json() == {"theme_mode": "dark"}
    assert _fallbacks(client, "read_your_writes") == before + 1
    # Another session of the same user has no pending write: it reads the
    # (paused, stale) replica. This is what proves the reads really go there.
    stale = client.get("/api/v1/profile/preferences", headers=other).json()
    assert stale == {"theme_mode": "system"}


def test_analytics_figures_are_read_on_the_replica(
    dashboard: Dashboard,
    platform: Platform,
    paused_replay: Callable[[], None],
) -> None:
    # Issue 10: "all reads on the replica". A deployment written on the
    # primary while the replica's replay is paused is not in the figures: the
    # lag bound is huge and nobody's session wrote it, so nothing sends the
    # read to the primary. Once replayed (and the data version moved) it is.
    client, s, deploy, figures = dashboard
    slug = s.tenant.slug
    deploy(1)
    wait_replica(platform, timeout=30)  # the session's own writes (login) included
    paused_replay()
    deploy(2)  # on the primary only
    before = (_fallbacks(client, "lag"), _fallbacks(client, "read_your_writes"))
    assert figures() == ["miss", 1] * 3
    assert (_fallbacks(client, "lag"), _fallbacks(client, "read_your_writes")) == before

    with platform.replica_engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_resume()"))
        conn.commit()
    wait_replica(platform, timeout=30)
    cache = client.app.state.clients.redis  # type: ignore[attr-defined]
    bump_data_version(cache, slug)
    assert figures() == ["miss", 2] * 3


def _etl_data_changed(platform: Platform, slug: str) -> None:
    """What the ETL does once a load has committed on the primary."""

    async def bump() -> None:
        cache = aioredis.Redis.from_url(platform.redis_url)
        try:
            async with await psycopg.AsyncConnection.connect(
                platform.primary_dsn, autocommit=True
            ) as db:
                await Events(TenantNames(slug), cache).data_changed(db)
        finally:
            await cache.aclose()

    asyncio.run(bump())


@pytest.fixture
def dashboard(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory, platform: Platform
) -> Dashboard:
    """A client whose replica never lags by time (only the LSNs decide), an
    admin, ``deploy(n)`` on the primary, and ``figures()``: each figure's
    cache result and sample size."""
    client = make_client(replica_max_lag_seconds=3600, replica_lag_cache_seconds=0)
    s = admin_session(client, make_tenant())
    repo = add_repository(platform, s.tenant)
    june = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

    def deploy(n: int) -> None:
        add_deployment(platform, s.tenant, repo, n, june + dt.timedelta(days=n))

    def figures() -> list[object]:
        params = {"start": june.isoformat(), "end": (june + dt.timedelta(days=28)).isoformat()}
        out: list[object] = []
        for path in ("deployment-frequency", "change-failure-rate", "rework-rate"):
            r = client.get(f"/api/v1/analytics/{path}", params=params, headers=s.headers)
            assert r.status_code == 200, r.text
            out += [r.headers["X-Cache"], r.json()["sample_size"]]
        return out

    return client, s, deploy, figures


def test_a_load_the_replica_has_not_replayed_is_not_cached_under_its_version(
    dashboard: Dashboard,
    platform: Platform,
    paused_replay: Callable[[], None],
) -> None:
    # The ETL loads and bumps the data version while the replica has not
    # replayed the load: the first request under the new version used to be
    # computed on the replica (1 deployment) and cached under that version,
    # so the dashboard showed the old figure until the entry expired.
    client, s, deploy, figures = dashboard
    deploy(1)
    _etl_data_changed(platform, s.tenant.slug)
    wait_replica(platform, timeout=30)
    assert figures() == ["miss", 1] * 3
    paused_replay()
    deploy(2)
    _etl_data_changed(platform, s.tenant.slug)
    before = _fallbacks(client, "read_your_writes")
    assert figures() == ["miss", 2] * 3
    assert _fallbacks(client, "read_your_writes") == before + 3
    with platform.replica_engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_resume()"))
        conn.commit()
    wait_replica(platform, timeout=30)
    assert figures() == ["hit", 2] * 3


def test_a_dora_settings_change_the_replica_has_not_replayed_is_not_cached_under_its_version(
    dashboard: Dashboard,
    platform: Platform,
    paused_replay: Callable[[], None],
) -> None:
    # An admin's new DORA rules (relinked, data version bumped) while the
    # replica has not replayed them: another user's next figure used to be
    # computed on the replica with the old rules and cached under the new
    # version, so everyone saw the old figure until the entry expired.
    client, s, deploy, _ = dashboard
    deploy(1)  # to "production"
    member = invite_and_login(client, s, "member")
    june = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    params = {"start": june.isoformat(), "end": (june + dt.timedelta(days=28)).isoformat()}

    def frequency() -> list[object]:
        r = client.get(
            "/api/v1/analytics/deployment-frequency", params=params, headers=member.headers
        )
        assert r.status_code == 200, r.text
        return [r.headers["X-Cache"], r.json()["sample_size"]]

    wait_replica(platform, timeout=30)
    assert frequency() == ["miss", 1]
    paused_replay()
    rules = client.get("/api/v1/analytics/settings", headers=s.headers).json()["rules"]
    body = {**rules, "production_pattern": "^(live)$"}
    r = client.put("/api/v1/analytics/settings", json=body, headers=s.headers)
    assert r.status_code == 200, r.text
    before = _fallbacks(client, "read_your_writes")
    assert frequency() == ["miss", 0]
    assert _fallbacks(client, "read_your_writes") == before + 1
    with platform.replica_engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_resume()"))
        conn.commit()
    wait_replica(platform, timeout=30)
    assert frequency() == ["hit", 0]


def test_a_settings_bump_moves_the_data_lsn_only_forward(
    redis_admin: redis.Redis, make_tenant: TenantFactory
) -> None:
    names = TenantNames(make_tenant().slug)
    assert bump_data_version(redis_admin, names.slug, "0/FF") == 1
    assert bump_data_version(redis_admin, names.slug, "0/10") == 2
    assert redis_admin.get(names.data_lsn_key) in ("0/FF", b"0/FF")
    bump_data_version(redis_admin, names.slug, "1/0")
    bump_data_version(redis_admin, names.slug, "not-an-lsn")
    bump_data_version(redis_admin, names.slug)
    assert redis_admin.get(names.data_lsn_key) in ("1/0", b"1/0")
    assert int(redis_admin.get(names.data_version_key) or 0) == 5


def test_a_tenant_the_replica_has_not_replayed_yet_is_read_on_the_primary(
    make_client: Callable[..., TestClient],
    make_tenant: TenantFactory,
    platform: Platform,
    paused_replay: Callable[[], None],
) -> None:
    # A tenant provisioned (its schema, role and tables) while the replica
    # lags: its first figure used to be a 500 ("relation deployments does
    # not exist") once the replay check rode in the opening's round trip,
    # since the opening ran on the replica before the check's answer was
    # read. The session's writes (the sign-in) must be seen: the primary.
    client = make_client(replica_max_lag_seconds=3600, replica_lag_cache_seconds=0)
    wait_replica(platform, timeout=30)  # the client's own roles, on the replica too
    paused_replay()
    s = admin_session(client, make_tenant())
    before = _all_fallbacks(client)
    r = client.get("/api/v1/analytics/engineering", params=RANGE, headers=s.headers)
    assert r.status_code == 200, r.text
    assert _all_fallbacks(client) == [before[0], before[1] + 1, before[2]]


def _all_fallbacks(client: TestClient) -> list[float]:
    return [_fallbacks(client, r) for r in ("lag", "read_your_writes", "replica_unreachable")]


def test_a_replica_that_has_replayed_the_load_stays_in_use(
    dashboard: Dashboard,
    platform: Platform,
    redis_admin: redis.Redis,
) -> None:
    client, s, deploy, figures = dashboard
    deploy(1)
    _etl_data_changed(platform, s.tenant.slug)
    assert redis_admin.get(TenantNames(s.tenant.slug).data_lsn_key)  # what is checked
    wait_replica(platform, timeout=30)
    before = _all_fallbacks(client)
    assert figures() == ["miss", 1] * 3
    assert _all_fallbacks(client) == before


def _session_id(token: str) -> int:
    payload = token.split(".")[1]
    return int(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sid"])


@pytest.mark.parametrize(
    "garbage", ["0/0'::pg_lsn; SELECT pg_sleep(60); --", "0/0\n", "0/ab", "123456789/0", "x"]
)
def test_an_lsn_in_redis_that_is_not_one_is_ignored(
    dashboard: Dashboard,
    platform: Platform,
    redis_admin: redis.Redis,
    garbage: str,
) -> None:
    # Neither interpolated into the replay check nor a 500: as if absent.
    client, s, _, figures = dashboard
    # The garbage replaces the session's marker, which kept its reads off a
    # replica that has not replayed the new tenant yet: let it catch up.
    wait_replica(platform, timeout=30)
    names = TenantNames(s.tenant.slug)
    ryw = ReplicaRouter.ryw_key(names.slug, _session_id(s.token))
    redis_admin.set(names.data_lsn_key, garbage, ex=60)
    redis_admin.set(ryw, garbage, ex=60)
    before = _all_fallbacks(client)
    assert figures() == ["miss", 0] * 3
    assert client.get("/api/v1/users", headers=s.headers).status_code == 200
    assert _all_fallbacks(client) == before
    # A well-formed LSN under the same keys is read and checked: one the
    # replica cannot have replayed sends each read to the primary.
    redis_admin.set(names.data_lsn_key, "FFFFFFFF/FFFFFFFF", ex=60)
    assert client.get("/api/v1/users", headers=s.headers).status_code == 200
    assert _fallbacks(client, "read_your_writes") == before[1] + 1
