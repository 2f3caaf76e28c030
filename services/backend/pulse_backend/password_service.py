"""Passwords a user sets: changing one's own (signed in, rate-limited like
sign-in) and setting one with an emailed link. Either ends the user's other
sessions and distrusts every device of theirs, in the same transaction
(``session_state``); the routes are in ``routes/auth.py``.
"""

from __future__ import annotations

import secrets

import structlog

from pulse_backend import passwords, ratelimit, session_state, users_repo
from pulse_backend.context import Principal, tenant_record
from pulse_backend.db import tenant_write
from pulse_backend.errors import FieldInvalid, Unauthenticated
from pulse_backend.schemas import UserOut
from pulse_backend.state import AppClients
from pulse_backend.tx import write_transaction
from pulse_common.errors import BackendUnavailable

log = structlog.get_logger("pulse_backend.auth")


class WrongCurrentPassword(FieldInvalid):
    """A password change whose current password is wrong: a guess, the one
    thing the password-change limit counts. 422 on the field, not 401: the
    session itself is fine."""

    def __init__(self) -> None:
        super().__init__("current_password", "is not your current password")


def change_password(clients: AppClients, principal: Principal, current: str, new: str) -> UserOut:
    """Changes the caller's password. A stolen access token must not become a
    fast password oracle: like sign-in (``login``), each attempt takes a slot
    of the user's own limit before the current password is checked, and gives
    it back unless that password was wrong."""
    passwords.validate_new(new)
    rate = clients.settings.rate
    limit = ratelimit.Limit(
        "password_change",
        f"{principal.names.key_prefix}rl:pwchange:{principal.user_id}",
        rate.password_change_failures,
        rate.password_change_window_seconds,
    )
    keep = False
    try:
        ratelimit.check(clients.redis, clients.metrics, [limit], fail_closed=True)
        return _change_password(clients, principal, current, new)
    except (WrongCurrentPassword, BackendUnavailable):
        keep = True  # a guess, or nothing counted (Redis) / the safe side (PostgreSQL)
        raise
    finally:
        if not keep:
            ratelimit.give_back(clients.redis, limit)


def _change_password(clients: AppClients, principal: Principal, current: str, new: str) -> UserOut:
    with tenant_write(clients, principal) as conn:
        row = users_repo.by_id(conn, principal.user_id, for_update=True)
        if not passwords.verify(current, row.password_hash):
            raise WrongCurrentPassword()
        if secrets.compare_digest(current, new):
            raise FieldInvalid("new_password", "must differ from the current password")
        user = users_repo.set_password(conn, principal.user_id, passwords.hash_password(new))
        # Other sessions (possibly an attacker's) end; this one continues.
        ended = session_state.end_user_sessions(
            clients, conn, principal.names, user.id, principal.session_id
        )
        session_state.recache_user(clients, conn, principal.names, user)
    session_state.forget(clients, principal.names, ended)
    log.info("password changed", category="AUTH", sessions_ended=len(ended))
    return user


def set_password_with_link(clients: AppClients, token: str, new: str) -> UserOut:
    passwords.validate_new(new, "password")
    names, user_id = passwords.consume_link_token(clients.redis, token)
    tenant_record(clients, names.slug, None)
    with write_transaction(clients.engines.primary, names) as conn:
        row = users_repo.by_id(conn, user_id, for_update=True)
        if not row.active:
            raise Unauthenticated("invalid or expired set-password link")
        user = users_repo.set_password(conn, user_id, passwords.hash_password(new))
        ended = session_state.end_user_sessions(clients, conn, names, user_id, None)
    session_state.forget(clients, names, ended)
    log.info("password set with link", category="AUTH", tenant=names.slug, user_id=user_id)
    return user
