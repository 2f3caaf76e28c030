"""A user's live sessions kept in step with their account: the cached access
state of a session (``cache``), ending sessions in a transaction
(``end_user_sessions``) and telling Redis after the commit (``forget``).

Sign-in, refresh, password changes and user administration all change what
a session may do; each goes through here so that the cache (which every
request reads first, ``context``) never says more than the database.
"""

from __future__ import annotations

from sqlalchemy import Connection

from pulse_backend import devices, sessions
from pulse_backend.rbac import ROLE_PERMISSIONS
from pulse_backend.schemas import UserOut
from pulse_backend.state import AppClients
from pulse_common.tenancy import TenantNames


def cache(
    clients: AppClients, conn: Connection, slug: str, sid: int, user: UserOut
) -> frozenset[str]:
    """Caches the session's access state; returns the user's effective permissions."""
    info = sessions.SessionInfo(
        session_id=sid,
        user_id=user.id,
        role=user.role,
        must_change_password=user.must_change_password,
        grants=sessions.load_grants(conn, user.id),
    )
    sessions.safe(
        clients.metrics,
        "session_not_cached",
        sessions.cache_put,
        clients.redis,
        slug,
        info,
        sessions.CACHE_SECONDS,
    )
    return ROLE_PERMISSIONS[user.role] | info.grants


def forget(clients: AppClients, names: TenantNames, ids: list[int]) -> None:
    """Marks ended sessions revoked in the cache (after the commit that ended them)."""
    if ids:
        sessions.safe(
            clients.metrics,
            "session_revoke_not_cached",
            sessions.cache_revoke,
            clients.redis,
            names.slug,
            ids,
            sessions.CACHE_SECONDS,
        )


def end_user_sessions(
    clients: AppClients, conn: Connection, names: TenantNames, user_id: int, keep: int | None
) -> list[int]:
    """Ends a user's sessions in the transaction (``keep``: the caller's own)
    and distrusts all their devices (in PostgreSQL with the change, in Redis
    before the commit: no moment where the change is visible and the devices
    still trusted); call ``forget`` after commit."""
    devices.distrust_all(clients, conn, names, user_id)
    ids = [s for s in sessions.live_ids(conn, user_id) if s != keep]
    for sid in ids:
        sessions.revoke_in_db(conn, session_id=sid)
    return ids


def recache_user(clients: AppClients, conn: Connection, names: TenantNames, user: UserOut) -> None:
    """After a role or password-state change: live sessions see it at once."""
    for sid in sessions.live_ids(conn, user.id):
        cache(clients, conn, names.slug, sid, user)
