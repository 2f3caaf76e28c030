"""A TCP relay to PostgreSQL that can stall: while stalled, the sessions
already open through it get no answer (the bytes wait in the relay, nothing
is closed), as behind a partition or a frozen peer. New sessions still pass
(the failure is of one session, not of the server). Released, the waiting
bytes flow again, so a session the server has ended meanwhile learns it."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from psycopg.conninfo import conninfo_to_dict, make_conninfo


class StallingRelay:
    def __init__(self, dsn: str) -> None:
        params = conninfo_to_dict(dsn)
        self.target = (str(params.get("host", "127.0.0.1")), int(params.get("port") or 5432))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.dsn = make_conninfo(dsn, host="127.0.0.1", port=self.listener.getsockname()[1])
        self.sockets: list[socket.socket] = []
        self._gates: list[threading.Event] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            gate = threading.Event()
            gate.set()
            self._gates.append(gate)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst, gate), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, gate: threading.Event) -> None:
        try:
            while data := src.recv(65536):
                gate.wait()
                dst.sendall(data)
            gate.wait()
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def stall(self) -> None:
        """The open sessions stop getting answers; new ones still pass."""
        for gate in self._gates:
            gate.clear()

    def release(self) -> None:
        for gate in self._gates:
            gate.set()

    def close(self, *_: Any) -> None:
        self.release()
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.close()
