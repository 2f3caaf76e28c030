"""A pre-imported parent that forks real ETL processes, so that tests which
start dozens of ``python -m pulse_etl.cli sync`` runs (the kill tests) pay
the imports once instead of ~2.7 s of CPU per process.

The parent (``python -m tests.etl.zygote <request fd> <reply fd>``) only
imports: it opens no connection, starts no thread and no event loop before
it forks, so a child starts as a fresh interpreter would after the same
imports. Each child is a real separate process: it takes the argv and the
whole environment it is given, writes its stdout and stderr to files, waits
at a gate until the test has armed its faults with the child's pid, then
runs the module exactly as ``python -m`` does (``runpy``, as ``__main__``)
and leaves through the interpreter's normal exit (SystemExit's code, atexit,
flushed streams). What it does not share with a fresh process: the hash
seed (every child inherits the parent's), and the modules are already
imported (the point).

The test side is ``Zygote``: ``fork`` → ``Forked`` (with the pid) →
``start`` → ``communicate``, like ``subprocess.Popen``."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import runpy
import select
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What a sync imports: the CLI itself, plus what its first HTTP request
# loads lazily (httpx's transport and its asyncio backend, the CA bundle).
PRELOAD = ("pulse_etl.cli", "httpcore._async", "anyio._backends._asyncio", "certifi")


# ---- the parent process ---------------------------------------------------


@dataclass
class _Request:
    module: str
    argv: list[str]
    env: dict[str, str]
    stdout: str
    stderr: str
    gate: int


def _serve(requests: int, replies: int) -> _Request | None:
    """Answer the test until it hangs up; returns only in a forked child.
    No try/finally or with-block here: a child leaves through this frame."""
    rfile = os.fdopen(requests, "rb", buffering=0)
    gates: dict[int, int] = {}  # pid -> write end of its gate
    while line := _readline(rfile):
        cmd: dict[str, Any] = json.loads(line)
        if cmd["op"] == "fork":
            gate_r, gate_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(gate_w)
                rfile.close()
                for fd in (*gates.values(), replies):
                    os.close(fd)
                return _Request(
                    cmd["module"], cmd["argv"], cmd["env"], cmd["stdout"], cmd["stderr"], gate_r
                )
            os.close(gate_r)
            gates[pid] = gate_w
            _reply(replies, {"pid": pid})
        elif cmd["op"] == "start":
            gate = gates.pop(cmd["pid"])
            os.write(gate, b"g")
            os.close(gate)
            _reply(replies, {"ok": True})
        elif cmd["op"] == "wait":
            _, status = os.waitpid(cmd["pid"], 0)
            gates.pop(cmd["pid"], None)
            _reply(replies, {"returncode": _returncode(status)})
    # The test hung up: no child outlives it.
    for pid in _children():
        _kill_and_reap(pid)
    return None


def _readline(f: Any) -> bytes:
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = f.read(1)
        if not chunk:
            return b""
        buf += chunk
    return buf


def _reply(fd: int, answer: dict[str, Any]) -> None:
    os.write(fd, json.dumps(answer).encode() + b"\n")


def _returncode(status: int) -> int:
    # As subprocess reports it: -N for a signal.
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _children() -> list[int]:
    me = os.getpid()
    try:
        text = Path(f"/proc/{me}/task/{me}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _kill_and_reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _become(req: _Request) -> None:
    """The child: take the run's streams, environment and argv, wait for the
    test to say go, then run the module as ``python -m`` would."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    for fd, path in ((1, req.stdout), (2, req.stderr)):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, fd)
        os.close(out)
    os.environ.clear()
    os.environ.update(req.env)
    go = os.read(req.gate, 1)
    os.close(req.gate)
    if not go:  # the test went away before starting this run
        os._exit(1)
    # ``python -m`` finds the module not yet imported (its imports are).
    sys.modules.pop(req.module, None)
    sys.argv = [req.module, *req.argv]
    runpy.run_module(req.module, run_name="__main__", alter_sys=True)


def main() -> None:
    requests, replies = int(sys.argv[1]), int(sys.argv[2])
    for name in PRELOAD:
        importlib.import_module(name)
    child = _serve(requests, replies)
    if child is not None:
        _become(child)


# ---- the test's side ------------------------------------------------------


class Zygote:
    """One parent process; ``fork`` as many runs as needed, one exchange at
    a time (a lock: ``communicate`` may run in a thread)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self.lock = threading.Lock()
        self._n = 0
        req_r, self._req = os.pipe()
        self._rep, rep_w = os.pipe()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.etl.zygote", str(req_r), str(rep_w)],
            pass_fds=(req_r, rep_w),
            stdin=subprocess.DEVNULL,
        )
        os.close(req_r)
        os.close(rep_w)

    def fork(self, module: str, argv: list[str], env: dict[str, str]) -> Forked:
        self._n += 1
        out = self._folder / f"run-{self._n}.out"
        err = self._folder / f"run-{self._n}.err"
        for path in (out, err):  # there even for a run killed before it opened them
            path.write_bytes(b"")
        cmd = {"op": "fork", "module": module, "argv": argv, "env": env}
        answer = self.ask({**cmd, "stdout": str(out), "stderr": str(err)})
        return Forked(self, int(answer["pid"]), out, err)

    def ask(self, cmd: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.send(cmd)
            return self.receive(60)

    def send(self, cmd: dict[str, Any]) -> None:
        os.write(self._req, json.dumps(cmd).encode() + b"\n")

    def receive(self, timeout: float) -> dict[str, Any]:
        buf = b""
        while not buf.endswith(b"\n"):
            ready, _, _ = select.select([self._rep], [], [], timeout)
            if not ready:
                raise TimeoutError("the zygote did not answer")
            chunk = os.read(self._rep, 4096)
            if not chunk:
                raise RuntimeError(f"the zygote exited ({self._proc.poll()})")
            buf += chunk
        answer: dict[str, Any] = json.loads(buf)
        return answer

    def close(self) -> None:
        os.close(self._req)  # the parent kills and reaps what is left, then exits
        self._proc.wait(timeout=60)
        os.close(self._rep)


class Forked:
    """A forked run, gated until ``start``."""

    def __init__(self, zygote: Zygote, pid: int, stdout: Path, stderr: Path) -> None:
        self._zygote = zygote
        self.pid = pid
        self._stdout = stdout
        self._stderr = stderr
        self.returncode: int | None = None

    def start(self) -> None:
        self._zygote.ask({"op": "start", "pid": self.pid})

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # already reaped
            os.kill(self.pid, signal.SIGKILL)

    def communicate(self, timeout: float) -> tuple[bytes, bytes]:
        """Wait for the exit (killing the run after ``timeout``, then raising
        ``subprocess.TimeoutExpired``) and return its stdout and stderr."""
        z = self._zygote
        with z.lock:
            z.send({"op": "wait", "pid": self.pid})
            try:
                answer = z.receive(timeout)
            except TimeoutError:
                os.kill(self.pid, signal.SIGKILL)
                z.receive(60)  # the wait's answer, now that it died
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout) from None
        self.returncode = int(answer["returncode"])
        return self._stdout.read_bytes(), self._stderr.read_bytes()


if __name__ == "__main__":
    main()
