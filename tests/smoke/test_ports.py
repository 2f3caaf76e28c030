"""The test world's ports: two workers (or a ``make dev`` beside a test run)
never get the same one, and no outgoing connection can take one before its
server binds it (the race that failed a CI with 'address already in use')."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from pulse_testworld import procs
from pulse_testworld.procs import StartError, ephemeral_range, free_port, port_pool

_TAKE = textwrap.dedent(
    """
    import json, sys
    from pulse_testworld import procs
    if len(sys.argv) > 2:
        procs.port_pool = lambda: range(int(sys.argv[2]), int(sys.argv[2]) + 1)
    ports = [procs.free_port() for _ in range(int(sys.argv[1]))]
    print(json.dumps(ports), flush=True)
    sys.stdin.read()  # hold the ports until told to go
    """
)


def _taker(n: int, *pool: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _TAKE, str(n), *map(str, pool)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _ports(proc: subprocess.Popen[str]) -> list[int]:
    assert proc.stdout is not None
    ports: list[int] = json.loads(proc.stdout.readline())
    return ports


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_ports_lie_outside_the_range_of_outgoing_connections() -> None:
    low, high = ephemeral_range()
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == 20
    assert all(not low <= p <= high for p in ports)
    assert all(p in port_pool() for p in ports)


def test_processes_taking_ports_at_once_never_share_one() -> None:
    takers = [_taker(150) for _ in range(3)]
    mine = {free_port() for _ in range(50)}
    try:
        theirs = [set(_ports(t)) for t in takers]
    finally:
        for t in takers:
            t.communicate("")
    everyone = [mine, *theirs]
    assert sum(map(len, everyone)) == len(set().union(*everyone)) == 500


def test_a_port_is_held_until_its_process_ends() -> None:
    first = _taker(1)
    (port,) = _ports(first)
    second = _taker(1, port)  # a pool of that one port, held: fails
    out, _ = second.communicate("")
    assert second.returncode != 0 and not out
    first.communicate("")
    third = _taker(1, port)
    assert _ports(third) == [port]
    third.communicate("")


def test_a_port_someone_listens_on_is_skipped(
    listener: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(procs, "port_pool", lambda: range(listener, listener + 1))
    with pytest.raises(StartError, match=f"no free loopback port in {listener}-{listener}"):
        free_port()
