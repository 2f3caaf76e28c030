"""``flights.Flights``: one computation per key at a time, its body for
every caller of that key, nothing kept once it lands."""

from __future__ import annotations

import asyncio

import pytest

from pulse_backend.flights import Flights


class Gate:
    """A computation that waits until let go, counting its starts."""

    def __init__(self, body: bytes = b"{}", error: Exception | None = None) -> None:
        self.body, self.error = body, error
        self.started = 0
        self.open = asyncio.Event()
        self.cancelled = False

    async def __call__(self) -> bytes:
        self.started += 1
        try:
            await self.open.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if self.error is not None:
            raise self.error
        return self.body


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_callers_of_one_key_share_one_computation() -> None:
    async def scenario() -> None:
        flights, gate, other = Flights(), Gate(b"a"), Gate(b"b")
        calls = [
            asyncio.ensure_future(flights.run(k, g))
            for k, g in (("k", gate), ("k", gate), ("j", other), ("k", gate))
        ]
        await settle()
        assert (gate.started, other.started, len(flights)) == (1, 1, 2)
        gate.open.set()
        other.open.set()
        assert await asyncio.gather(*calls) == [
            (b"a", True),
            (b"a", False),
            (b"b", True),
            (b"a", False),
        ]
        assert len(flights) == 0
        # Landed: the next caller computes anew.
        again = Gate(b"c")
        again.open.set()
        assert await flights.run("k", again) == (b"c", True)

    asyncio.run(scenario())


def test_an_error_reaches_every_caller_and_frees_the_key() -> None:
    async def scenario() -> None:
        flights, gate = Flights(), Gate(error=RuntimeError("statement failed"))
        calls = [asyncio.ensure_future(flights.run("k", gate)) for _ in range(3)]
        await settle()
        gate.open.set()
        results = await asyncio.gather(*calls, return_exceptions=True)
        assert [str(r) for r in results] == ["statement failed"] * 3
        assert gate.started == 1 and len(flights) == 0

    asyncio.run(scenario())


def test_a_caller_that_goes_away_does_not_cancel_the_others() -> None:
    async def scenario() -> None:
        flights, gate = Flights(), Gate(b"body")
        leader = asyncio.ensure_future(flights.run("k", gate))
        follower = asyncio.ensure_future(flights.run("k", gate))
        await settle()
        leader.cancel()
        await settle()
        assert leader.cancelled() and not gate.cancelled
        gate.open.set()
        assert await follower == (b"body", False)

    asyncio.run(scenario())


def test_a_computation_nobody_waits_for_any_more_lands_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        flights, gate = Flights(), Gate(error=RuntimeError("late"))
        only = asyncio.ensure_future(flights.run("k", gate))
        await settle()
        only.cancel()
        gate.open.set()
        await settle()
        assert len(flights) == 0

    asyncio.run(scenario())
    assert "never retrieved" not in caplog.text
