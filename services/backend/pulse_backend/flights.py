"""One computation per response-cache key at a time in this process.

Right after an ETL load bumps a tenant's data version, every dashboard open
on that tenant misses the cache at once, and each of its tiles asks for the
same figures its neighbours' tiles ask for: without this, each such request
runs the same statements on the replica (the executive summary's take a
quarter of a second at 1M work items). A miss whose key is already being
computed waits for that computation's body instead, which is what it would
have read from the cache a moment later: the key holds the tenant, the
route, its parameters and the data version, so sharing under it is exactly
as safe as the cache itself.

The computation runs as its own task: a leader that goes away (the client
disconnected) does not cancel it for the requests waiting on it. Only the
process's own requests join; another backend replica computes its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class Flights:
    """The computations in flight on this event loop, by key."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[bytes]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(
        self, key: str, compute: Callable[[], Coroutine[Any, Any, bytes]]
    ) -> tuple[bytes, bool]:
        """``compute()``'s body, or that of the one already running under
        ``key``; and whether this call started it (the one that stores it)."""
        task = self._running.get(key)
        led = task is None
        if task is None:
            task = asyncio.ensure_future(compute())
            self._running[key] = task
            task.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(task), led

    def _landed(self, key: str, task: asyncio.Task[bytes]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        # Every waiter may have gone: its error is theirs to report, and
        # asyncio would otherwise log it as never retrieved.
        if not task.cancelled():
            task.exception()
