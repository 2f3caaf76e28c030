"""Database engines: the primary for writes, the replica for reads.

DSNs are plain ``postgresql://`` URLs (as CloudNativePG's secrets give them);
the psycopg 3 driver is chosen here so that callers never spell it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy.exc
from sqlalchemy import Connection, Engine, create_engine, make_url

from pulse_common.errors import BackendUnavailable, InvalidInput


def sqlalchemy_url(dsn: str) -> str:
    try:
        url = make_url(dsn)
    except sqlalchemy.exc.ArgumentError as exc:
        raise InvalidInput(f"not a database URL: {exc}") from None
    if url.get_backend_name() != "postgresql":
        raise InvalidInput(f"expected a postgresql:// URL, got {url.get_backend_name()}://")
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def make_engine(dsn: str, *, pool_size: int = 5, application_name: str = "pulse") -> Engine:
    return create_engine(
        sqlalchemy_url(dsn),
        pool_size=pool_size,
        pool_pre_ping=True,
        connect_args={"application_name": application_name, "connect_timeout": 10},
    )


@dataclass(frozen=True)
class Engines:
    primary: Engine
    replica: Engine

    @classmethod
    def from_dsns(cls, primary: str, replica: str | None = None, **kw: object) -> Engines:
        p = make_engine(primary, **kw)  # type: ignore[arg-type]
        return cls(p, make_engine(replica, **kw) if replica else p)  # type: ignore[arg-type]

    def dispose(self) -> None:
        self.primary.dispose()
        self.replica.dispose()


@contextmanager
def connect(engine: Engine) -> Iterator[Connection]:
    """A transaction on ``engine``; an unreachable server becomes BackendUnavailable."""
    try:
        conn = engine.connect()
    except sqlalchemy.exc.OperationalError as exc:
        raise BackendUnavailable("postgresql", _short(exc)) from None
    try:
        with conn.begin():
            yield conn
    finally:
        conn.close()


def _short(exc: sqlalchemy.exc.DBAPIError) -> str:
    # The driver message, not SQLAlchemy's wrapper with the statement (and no DSN).
    return str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
