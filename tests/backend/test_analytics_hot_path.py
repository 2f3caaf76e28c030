"""A cached analytics answer is served on the event loop: authentication
(signature, tenant state, live session, limits) and the cache GET need no
thread-pool hop when Redis has what they read. Proved by taking the app's
whole thread pool away while asking: a hit (or a refusal) still answers, a
miss (which needs the database, in the pool) waits for the pool."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient

from pulse_backend import analytics_service as svc
from tests.backend.conftest import Session, TenantFactory, admin_session

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

API = "/api/v1/analytics"
AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
RANGE = {"start": (AS_OF - dt.timedelta(days=30)).isoformat(), "end": AS_OF.isoformat()}
# Far longer than a hit takes on the slowest machine; only a request that
# waits for a thread can reach it.
WAIT_SECONDS = 20.0


def without_thread_pool(
    client: TestClient,
    scenario: Callable[[httpx.AsyncClient, Callable[[], None]], Awaitable[Any]],
) -> Any:
    """Runs ``scenario`` in the app's event loop while every token of the
    loop's default thread limiter (what ``run_in_threadpool`` waits on) is
    held by a blocked thread, until the scenario calls its second argument
    (or returns)."""

    async def run() -> Any:
        limiter = anyio.to_thread.current_default_thread_limiter()
        total, limiter.total_tokens = limiter.total_tokens, 1
        release, holding = threading.Event(), anyio.Event()

        def hold() -> None:
            anyio.from_thread.run_sync(holding.set)
            release.wait()

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(anyio.to_thread.run_sync, hold)
                await holding.wait()
                try:
                    transport = httpx.ASGITransport(app=client.app)
                    async with httpx.AsyncClient(
                        transport=transport, base_url="https://testserver"
                    ) as ac:
                        return await scenario(ac, release.set)
                finally:
                    release.set()
        finally:
            limiter.total_tokens = total

    assert client.portal is not None, "the client's lifespan must be entered"
    return client.portal.call(run)


def test_a_cached_figure_answers_without_the_thread_pool(
    client: TestClient, make_tenant: TenantFactory
) -> None:
    s = admin_session(client, make_tenant())
    warm = client.get(f"{API}/summary", params=RANGE, headers=s.headers)
    assert (warm.status_code, warm.headers["X-Cache"]) == (200, "miss"), warm.text

    async def scenario(ac: httpx.AsyncClient, _: object) -> tuple[httpx.Response, bool]:
        with anyio.fail_after(WAIT_SECONDS):
            hit = await ac.get(f"{API}/summary", params=RANGE, headers=s.headers)
        # The control: a miss needs the pool, so it cannot finish meanwhile.
        with anyio.move_on_after(1.0) as waiting:
            await ac.get(f"{API}/summary", params={**RANGE, "limit": 7}, headers=s.headers)
        return hit, waiting.cancelled_caught

    hit, miss_waited = without_thread_pool(client, scenario)
    assert (hit.status_code, hit.headers["X-Cache"]) == (200, "hit"), hit.text
    assert hit.content == warm.content
    assert miss_waited
    # With the pool back, the miss is computed as before.
    again = client.get(f"{API}/summary", params={**RANGE, "limit": 7}, headers=s.headers)
    assert (again.status_code, again.headers["X-Cache"]) == (200, "miss")


def test_an_ended_session_is_refused_at_once_on_the_event_loop(
    client: TestClient, make_tenant: TenantFactory
) -> None:
    s: Session = admin_session(client, make_tenant())
    assert client.get(f"{API}/lead-time", params=RANGE, headers=s.headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=s.headers).status_code == 204

    async def scenario(ac: httpx.AsyncClient, _: object) -> httpx.Response:
        with anyio.fail_after(WAIT_SECONDS):
            return await ac.get(f"{API}/lead-time", params=RANGE, headers=s.headers)

    refused = without_thread_pool(client, scenario)
    assert refused.status_code == 401, refused.text
    assert refused.json()["detail"] == "session ended"


def test_concurrent_misses_of_one_key_share_one_computation(
    client: TestClient, make_tenant: TenantFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three identical misses queued behind a busy pool run the statements
    once (``flights``); a miss of another key still runs its own."""
    s = admin_session(client, make_tenant())
    clients = client.app.state.clients  # type: ignore[attr-defined]
    computed: list[int] = []
    compute = svc._miss

    def counting(*args: Any) -> bytes:
        computed.append(args[2].drilldown_limit)
        return compute(*args)

    monkeypatch.setattr(svc, "_miss", counting)
    entered: list[str] = []
    everyone = anyio.Event()
    run = clients.flights.run

    async def joining(key: str, start: Any) -> tuple[bytes, bool]:
        entered.append(key)
        if len(entered) == len(asked):
            everyone.set()
        return await run(key, start)

    monkeypatch.setattr(clients.flights, "run", joining)
    asked = [RANGE, RANGE, {**RANGE, "limit": 7}, RANGE]

    async def scenario(ac: httpx.AsyncClient, release: Callable[[], None]) -> list[httpx.Response]:
        calls = [
            asyncio.ensure_future(ac.get(f"{API}/summary", params=p, headers=s.headers))
            for p in asked
        ]
        with anyio.fail_after(WAIT_SECONDS):
            await everyone.wait()
        # Every request is waiting on its key before any statement runs.
        assert len(clients.flights) == 2 and computed == []
        release()
        with anyio.fail_after(WAIT_SECONDS):
            return list(await asyncio.gather(*calls))

    answers = without_thread_pool(client, scenario)
    assert [(a.status_code, a.headers["X-Cache"]) for a in answers] == [(200, "miss")] * 4
    assert sorted(computed) == [7, 100]
    same = [a.content for a, p in zip(answers, asked, strict=True) if p is RANGE]
    assert same[0] == same[1] == same[2]
    assert answers[2].json()["lines"] == answers[0].json()["lines"]
    joined = clients.metrics.registry.get_sample_value("pulse_cache_misses_joined_total")
    assert joined == 2
    assert len(clients.flights) == 0
    # The one that computed stored it for everyone.
    hit = client.get(f"{API}/summary", params=RANGE, headers=s.headers)
    assert (hit.headers["X-Cache"], hit.content) == ("hit", same[0])
