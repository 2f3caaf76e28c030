"""Many viewers at once after a data version bump (``dora_api.py --burst``):
``viewers`` identical uncached requests sent together, as when an ETL load
lands while a team's dashboards are open. Printed: the wall time until the
last answer and how many computations ran, with the app's flights
(``pulse_backend.flights``: one computation per key) and without them (each
request computes, the app before flights), next to the floor: the
endpoint's statements run once, bare (everyone's answer is the same)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from pulse_backend.flights import Flights


class _Solo(Flights):
    """Flights that never share: every request computes its own."""

    async def run(
        self, key: str, compute: Callable[[], Coroutine[Any, Any, bytes]]
    ) -> tuple[bytes, bool]:
        return await compute(), True


def _wall(client: Any, url: str, params: dict[str, str], viewers: int) -> float:
    async def together() -> float:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://testserver", headers=client.headers
        ) as ac:
            t0 = time.perf_counter()
            answers = await asyncio.gather(*(ac.get(url, params=params) for _ in range(viewers)))
            wall = (time.perf_counter() - t0) * 1000
        seen = [(a.status_code, a.headers["X-Cache"]) for a in answers]
        assert seen == [(200, "miss")] * viewers, seen
        assert len({a.content for a in answers}) == 1
        return wall

    return float(client.portal.call(together))


def burst(
    client: Any,
    clients: Any,
    label: str,
    url: str,
    params: dict[str, str],
    bump: Callable[[], None],
    floor: Callable[[], None],
    viewers: int,
    runs: int,
) -> None:
    joined = clients.metrics.joined
    # Warm: the async Redis client opens a connection per concurrent command
    # on first use (a handshake the first burst would wait on).
    bump()
    _wall(client, url, params, viewers)
    shared, alone, flo, computed = [], [], [], []
    for _ in range(runs):
        bump()
        before = joined._value.get()
        shared.append(_wall(client, url, params, viewers))
        computed.append(viewers - round(joined._value.get() - before))
        bump()
        clients.flights, kept = _Solo(), clients.flights
        try:
            alone.append(_wall(client, url, params, viewers))
        finally:
            clients.flights = kept
        t0 = time.perf_counter()
        floor()
        flo.append((time.perf_counter() - t0) * 1000)
    f, s, a = (statistics.median(x) for x in (flo, shared, alone))
    print(
        f"{label:22} {viewers:7d} {f:10.1f} {s:12.1f} {max(computed):9d} {a:14.1f} {viewers:9d}"
        f" {s / f:7.2f} {a / f:7.2f}"
    )


def header() -> None:
    print(
        f"{'endpoint':22} {'viewers':>7} {'floor p50':>10} {'flights p50':>12} {'computed':>9}"
        f" {'no flights p50':>14} {'computed':>9} {'ratio':>7} {'ratio':>7}"
    )
