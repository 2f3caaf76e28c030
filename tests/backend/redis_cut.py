"""A TCP proxy between one backend app and the real Redis that a test can cut,
so that Redis becomes unreachable for that backend at a chosen moment: at
once (``down``), or in the middle of a request, at the first command that
matches a pattern (``cut_at``; the commands before it were answered, that
one never reaches Redis). While down, new connections are accepted and
closed at once, as a server that went away; ``up`` forwards again."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

TAIL = 4096  # bytes of a connection's stream kept, for a command split over two reads


class RedisCut:
    def __init__(self, redis_url: str) -> None:
        target = urlsplit(redis_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 6379)
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        userinfo, at, _ = target.netloc.rpartition("@")
        netloc = f"{userinfo}{at}127.0.0.1:{port}"
        self.url = urlunsplit(target._replace(netloc=netloc))
        self._lock = threading.Lock()
        self._down = False
        self._trigger: re.Pattern[bytes] | None = None
        self._open: set[socket.socket] = set()
        self.cuts = 0  # how many times it went down
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_at(self, pattern: bytes) -> None:
        """Goes down when a client sends a command matching ``pattern`` (a
        regular expression over the RESP bytes), before forwarding it."""
        self._trigger = re.compile(pattern)

    def down(self) -> None:
        with self._lock:
            self._down = True
            self._trigger = None
            self.cuts += 1
            conns, self._open = self._open, set()
        for conn in conns:
            _close(conn)

    def up(self) -> None:
        with self._lock:
            self._down = False

    def close(self) -> None:
        self.down()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                down = self._down
            if down:
                _close(client)
                continue
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._open |= {client, upstream}
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, from_client: bool) -> None:
        seen = b""
        try:
            while data := src.recv(65536):
                trigger = self._trigger
                if from_client and trigger is not None:
                    seen = (seen + data)[-TAIL:]
                    if trigger.search(seen):
                        self.down()  # that command never reaches Redis
                        return
                dst.sendall(data)
        except OSError:
            return  # cut (``down``), or closed by either side
        finally:
            _close(src)
            _close(dst)


def _close(conn: socket.socket) -> None:
    with suppress(OSError):  # already closed by the other side
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


@contextmanager
def redis_cut(redis_url: str) -> Iterator[RedisCut]:
    cut = RedisCut(redis_url)
    try:
        yield cut
    finally:
        cut.close()
