"""Sessions: ``users_sessions`` in the tenant schema is the truth, Redis
(``t:<slug>:sess:<sid>``) the per-request fast path.

Every authenticated request checks that its session still exists, so a
logout, a reused refresh token or a deactivated user ends access at once,
not at token expiry. The Redis entry also carries what may change during a
session (role, extra grants, must-change-password), so that a role change
takes effect on the next request. A Redis miss (restart, eviction) is
answered from PostgreSQL and re-cached; a revoked session is remembered in
Redis so that its leftover tokens do not reach the database. Entries live
``CACHE_SECONDS``: if Redis was unreachable when a session was revoked, a
stale entry can outlive the revocation by at most that long.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy import Connection, text

from pulse_backend.metrics import Metrics
from pulse_backend.rbac import Role

REVOKED = "-"
CACHE_SECONDS = 60


@dataclass(frozen=True)
class SessionInfo:
    session_id: int
    user_id: int
    role: Role
    must_change_password: bool
    grants: frozenset[str]


def key(slug: str, session_id: int) -> str:
    return f"t:{slug}:sess:{session_id}"


def parse(raw: dict[Any, Any], session_id: int) -> SessionInfo | str | None:
    """A cached session hash: the session, ``REVOKED``, or None if empty."""
    if not raw:
        return None
    if raw.get("revoked"):
        return REVOKED
    grants = frozenset(g for g in str(raw.get("grants", "")).split(",") if g)
    return SessionInfo(
        session_id=session_id,
        user_id=int(raw["uid"]),
        role=Role(str(raw["role"])),
        must_change_password=raw.get("mcp") == "1",
        grants=grants,
    )


def cache_put(cache: redis.Redis, slug: str, info: SessionInfo, ttl_seconds: int) -> None:
    k = key(slug, info.session_id)
    pipe = cache.pipeline()
    pipe.delete(k)
    pipe.hset(
        k,
        mapping={
            "uid": info.user_id,
            "role": info.role.value,
            "mcp": "1" if info.must_change_password else "0",
            "grants": ",".join(sorted(info.grants)),
        },
    )
    pipe.expire(k, max(1, ttl_seconds))
    pipe.execute()


def cache_revoke(cache: redis.Redis, slug: str, session_ids: Iterable[int], ttl: int) -> None:
    pipe = cache.pipeline()
    for sid in session_ids:
        k = key(slug, sid)
        pipe.delete(k)
        pipe.hset(k, "revoked", "1")
        pipe.expire(k, max(1, ttl))
    pipe.execute()


def load(conn: Connection, session_id: int) -> SessionInfo | None:
    """The live session from the tenant schema (inside a tenant transaction)."""
    row = conn.execute(
        text(
            "SELECT s.user_id, u.role, u.must_change_password FROM users_sessions s "
            "JOIN users u ON u.id = s.user_id "
            "WHERE s.id = :sid AND s.active AND s.expires_at > now() AND u.active"
        ),
        {"sid": session_id},
    ).first()
    if row is None:
        return None
    return SessionInfo(
        session_id=session_id,
        user_id=int(row.user_id),
        role=Role.from_db(row.role),
        must_change_password=bool(row.must_change_password),
        grants=load_grants(conn, int(row.user_id)),
    )


def load_grants(conn: Connection, user_id: int) -> frozenset[str]:
    rows = conn.execute(
        text("SELECT resource, action FROM users_permissions WHERE user_id = :u AND active"),
        {"u": user_id},
    )
    return frozenset(f"{r.resource}:{r.action}" for r in rows)


def create(
    conn: Connection,
    *,
    tenant_id: int,
    user_id: int,
    token_hash: str,
    ttl_seconds: int,
    ip_address: str | None,
    user_agent: str | None,
) -> int:
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=ttl_seconds)
    sid = conn.execute(
        text(
            "INSERT INTO users_sessions (tenant_id, user_id, token_hash, expires_at, "
            "ip_address, user_agent) VALUES (:t, :u, :h, :e, :ip, :ua) RETURNING id"
        ),
        {
            "t": tenant_id,
            "u": user_id,
            "h": token_hash,
            "e": expires,
            "ip": ip_address[:45] if ip_address else None,
            "ua": user_agent[:400] if user_agent else None,
        },
    ).scalar_one()
    return int(sid)


def revoke_in_db(
    conn: Connection, *, session_id: int | None = None, user_id: int | None = None
) -> list[int]:
    """Ends one session or every session of a user; returns the ids ended."""
    if session_id is not None:
        where, params = "id = :v", {"v": session_id}
    elif user_id is not None:
        where, params = "user_id = :v", {"v": user_id}
    else:
        raise ValueError("session_id or user_id")
    rows = conn.execute(
        text(
            f"UPDATE users_sessions SET active = false, last_updated_at = now() "
            f"WHERE {where} AND active RETURNING id"
        ),
        params,
    )
    return [int(r.id) for r in rows]


def live_ids(conn: Connection, user_id: int) -> list[int]:
    rows = conn.execute(
        text("SELECT id FROM users_sessions WHERE user_id = :u AND active AND expires_at > now()"),
        {"u": user_id},
    )
    return [int(r.id) for r in rows]


def safe(metrics: Metrics, what: str, fn: Callable[..., object], *args: object) -> bool:
    """Runs a cache write; a Redis outage is counted, never fatal (the database
    stays the truth and a cache miss is answered from it)."""
    try:
        fn(*args)
    except redis.RedisError:
        metrics.redis_errors.labels(what).inc()
        return False
    return True
