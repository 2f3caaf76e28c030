"""Small SQL helpers for DDL that cannot take bind parameters."""

from __future__ import annotations

from typing import Any

from psycopg import sql
from sqlalchemy import Connection, text

from pulse_common.security import scram_sha256_verifier


def role_exists(conn: Connection, role: str) -> bool:
    return (
        conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        is not None
    )


def schema_exists(conn: Connection, schema: str) -> bool:
    found = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema})
    return found.first() is not None


def schema_mark(conn: Connection, schema: str) -> str | None:
    return conn.execute(
        text("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = :s"),
        {"s": schema},
    ).scalar()


def role_mark(conn: Connection, role: str) -> str | None:
    return conn.execute(
        text("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = :r"),
        {"r": role},
    ).scalar()


def execute_composed(conn: Connection, query: sql.Composed) -> None:
    """Runs a psycopg-composed statement in the connection's transaction."""
    raw: Any = conn.connection.driver_connection
    raw.execute(query)


def set_role_password(conn: Connection, role: str, password: str) -> None:
    # A SCRAM verifier, not the password: the cleartext never reaches the server.
    execute_composed(
        conn,
        sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(scram_sha256_verifier(password))
        ),
    )


def terminate_sessions(conn: Connection, role: str) -> None:
    conn.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE usename = :r AND pid <> pg_backend_pid()"
        ),
        {"r": role},
    )
