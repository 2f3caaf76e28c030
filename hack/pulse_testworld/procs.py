"""Starting and stopping the world's processes by pid, and waiting on them."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # If the test run is killed outright, its servers must not linger.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


# Ports handed out by this process, each held by a lock on its file in
# PORT_LOCKS until the process ends (the kernel drops the lock even on SIGKILL).
_held_ports: dict[int, int] = {}
# A fixed folder, not $TMPDIR: runs with different TMPDIRs must see each
# other's locks.
PORT_LOCKS = Path("/tmp/pulse-ports")  # noqa: S108 - names only, no data; flock, not O_EXCL


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for the source ports of outgoing connections."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def port_pool() -> range:
    """Where ``free_port`` looks: outside the ephemeral range. A port taken
    from it (``bind(0)``) and handed to a server races every outgoing
    connection of the machine: one of them (a test's client of the other
    worker's PostgreSQL) can take it as its source port before the server
    binds, and the server dies with 'address already in use'."""
    low, high = ephemeral_range()
    if low - 1 - 15000 >= 5000:
        return range(15000, low)
    return range(high + 1, 65536)


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As the servers themselves bind: a port left in TIME_WAIT is usable.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port nobody listens on, that no outgoing connection can
    take, and that no other process using this function is handed while this
    one lives (two test workers, two worlds, a ``make dev`` beside a test
    run). Ports are not given back: a run uses a few hundred of thousands."""
    PORT_LOCKS.mkdir(mode=0o1777, exist_ok=True)
    pool = port_pool()
    start = secrets.randbelow(len(pool))
    for i in range(len(pool)):
        port = pool[(start + i) % len(pool)]
        if port in _held_ports:
            continue
        fd = os.open(PORT_LOCKS / str(port), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if not _bindable(port):
            os.close(fd)
            continue
        _held_ports[port] = fd
        return port
    raise StartError(f"no free loopback port in {pool.start}-{pool.stop - 1}")


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def preferred_port(port: int) -> int:
    """``port`` when free, else any free one. With PULSE_DEV_FREE_PORTS=1
    (tests, which may run in parallel) always any free one: two runs that
    both see ``port`` free would race for it."""
    if os.environ.get("PULSE_DEV_FREE_PORTS") != "1" and port_free(port):
        return port
    return free_port()


class StartError(RuntimeError):
    """A service of the test world did not come up; the message says which and why."""


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    stop_signal: int = signal.SIGTERM
    argv: list[str] = field(default_factory=list)
    user: str | None = None
    env: dict[str, str] | None = None
    # How long a stop waits for the process to exit before SIGKILL.
    stop_timeout: float = 15.0

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(self.stop_signal)
        try:
            self.popen.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)


@dataclass
class Supervisor:
    """Owns every process the world starts, and stops them in reverse order."""

    log_dir: Path
    processes: list[Process] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        user: str | None = None,
        env: dict[str, str] | None = None,
        stop_signal: int = signal.SIGTERM,
        stop_timeout: float = 15.0,
    ) -> Process:
        log_path = self.log_dir / f"{name}.log"
        log = log_path.open("ab")
        kwargs: dict[str, object] = {}
        if user is not None:
            kwargs["user"] = user
            kwargs["group"] = user
        popen = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            preexec_fn=_die_with_parent,
            **kwargs,  # type: ignore[call-overload]
        )
        log.close()
        proc = Process(name, popen, log_path, stop_signal, argv, user, env, stop_timeout)
        self.processes.append(proc)
        return proc

    def find(self, name: str) -> Process:
        for proc in self.processes:
            if proc.name == name:
                return proc
        raise KeyError(f"no process named {name!r} in this world")

    def restart(self, name: str) -> Process:
        """Starts a stopped (or running) service again, same command and port."""
        old = self.find(name)
        old.stop()
        self.processes.remove(old)
        return self.start(
            name,
            old.argv,
            user=old.user,
            env=old.env,
            stop_signal=old.stop_signal,
            stop_timeout=old.stop_timeout,
        )

    def stop_all(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()


def wait_until(
    what: str,
    check: Callable[[], bool],
    *,
    timeout: float,
    proc: Process | None = None,
    interval: float = 0.2,
) -> None:
    """Polls ``check`` until it is true; fails early if ``proc`` died."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise StartError(f"{proc.name} exited while waiting for {what}:\n{proc.log_tail()}")
        try:
            if check():
                return
        except Exception as exc:
            last_error = f" (last error: {exc})"
        time.sleep(interval)
    tail = f"\n{proc.log_tail()}" if proc is not None else ""
    raise StartError(f"timed out after {timeout:.0f}s waiting for {what}{last_error}{tail}")
