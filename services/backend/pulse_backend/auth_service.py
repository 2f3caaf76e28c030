"""Login, refresh rotation, logout and passwords: the typed core behind
``routes/auth.py``.

Refresh tokens are ``<slug>.<session id>.<secret>``; ``users_sessions``
stores only the secret's SHA-256. Each refresh replaces the secret (rotation).
A refresh token whose session exists but whose secret is not the current
one can only be a rotated (stolen or replayed) token: the whole session (the
token family, with every access token issued in it) ends at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import structlog
from sqlalchemy import Connection, text

from pulse_backend import devices, passwords, ratelimit, registry, sessions, users_repo
from pulse_backend.context import Principal, tenant_lookup, tenant_record
from pulse_backend.db import tenant_write
from pulse_backend.errors import (
    FieldInvalid,
    InvalidCredentials,
    RefreshTokenReused,
    Unauthenticated,
)
from pulse_backend.rbac import ROLE_PERMISSIONS
from pulse_backend.schemas import UserOut
from pulse_backend.state import AppClients
from pulse_backend.tx import write_transaction
from pulse_common.errors import BackendUnavailable, InvalidInput
from pulse_common.tenancy import TenantNames

log = structlog.get_logger("pulse_backend.auth")
FAILED = "invalid tenant, email or password"


@dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    refresh_token: str
    user: UserOut
    permissions: frozenset[str]  # the role's and the user's extra grants
    device_token: str | None = None  # sign-in only: the browser is a trusted device


@dataclass(frozen=True)
class ClientInfo:
    address: str | None
    user_agent: str | None


def _access_token(clients: AppClients, tenant_id: int, slug: str, sid: int, user: UserOut) -> str:
    claims = {"sub": str(user.id), "tid": tenant_id, "ten": slug, "role": user.role.value}
    return clients.keys.sign({**claims, "sid": sid}, clients.settings.access_token_ttl_seconds)


def _cache_session(
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


def _login_limits(
    clients: AppClients,
    names: TenantNames,
    email: str,
    address: str | None,
    device: devices.Device | None,
) -> list[ratelimit.Limit]:
    """Per trusted device, else per tenant+email, first (``login`` gives its
    count back), then per address."""
    rate = clients.settings.rate
    limits = [
        devices.limit(clients, names, device)
        if device
        else ratelimit.Limit(
            "login_email",
            f"{names.key_prefix}rl:login:{passwords.digest(email)}",
            rate.login_per_email,
            rate.login_window_seconds,
        )
    ]
    if address:
        limits.append(
            ratelimit.Limit(
                "login_address",
                f"pulse:rl:login-addr:{address}",
                rate.login_per_address,
                rate.login_window_seconds,
            )
        )
    return limits


def login(
    clients: AppClients,
    slug: str,
    email: str,
    password: str,
    client: ClientInfo,
    device_token: str | None = None,
) -> Issued:
    """Signs in. The per-email limit counts failed sign-ins only: each attempt
    takes a slot before the password is checked (so parallel guesses cannot
    overrun it) and gives it back unless its credentials were wrong, so a
    person signing in from many tabs is never locked out, nor by attempts
    refused for their network address. A success does not clear earlier
    failures: guesses stay capped at the limit per window whatever the victim
    does, and a lock-out ends with the window that the first failure opened
    (refused attempts do not extend it). A trusted device (``devices``) is
    counted against its own limit instead of the email's, so that guesses
    made elsewhere cannot lock it out; one that goes over its limit is
    refused and distrusted. The per-address limit counts every attempt."""
    try:
        names = TenantNames(slug)
    except InvalidInput:
        raise InvalidCredentials(FAILED) from None
    device = devices.trusted(clients, names, email, device_token)
    limits = _login_limits(clients, names, email, client.address, device)
    keep = False
    try:
        exceeded = ratelimit.count(clients.redis, clients.metrics, limits, fail_closed=True)
        if device and exceeded and exceeded[0] is limits[0]:
            devices.distrust(clients, names, device)
        ratelimit.refuse(clients.metrics, exceeded)
        return _login(clients, names, email, password, client, device)
    except InvalidCredentials:
        keep = True  # a wrong guess: what the limit is for
        raise
    except BackendUnavailable:
        keep = True  # Redis down: nothing was counted; PostgreSQL down: the safe side
        raise
    finally:
        if not keep:
            ratelimit.give_back(clients.redis, limits[0])


def _login(
    clients: AppClients,
    names: TenantNames,
    email: str,
    password: str,
    client: ClientInfo,
    device: devices.Device | None,
) -> Issued:
    slug = names.slug
    record = tenant_lookup(clients, slug)
    if record is None:
        passwords.verify(password, None)
        raise InvalidCredentials(FAILED)
    registry.require_active(record)
    refresh_secret = secrets.token_urlsafe(32)
    lsn: list[str] = []
    with write_transaction(clients.engines.primary, names, lsn) as conn:
        row = users_repo.by_email(conn, email)
        ok = passwords.verify(password, row.password_hash if row else None)
        if row is None or not ok or not row.active:
            log.info("login refused", category="AUTH", tenant=slug)
            raise InvalidCredentials(FAILED)
        if passwords.needs_rehash(row.password_hash):
            users_repo.update_user(conn, row.id, password_hash=passwords.hash_password(password))
        users_repo.touch_login(conn, row.id)
        user = users_repo.get(conn, row.id)
        sid = sessions.create(
            conn,
            tenant_id=record.tenant_id,
            user_id=user.id,
            token_hash=passwords.digest(refresh_secret),
            ttl_seconds=clients.settings.refresh_token_ttl_seconds,
            ip_address=client.address,
            user_agent=client.user_agent,
        )
        permissions = _cache_session(clients, conn, slug, sid, user)
    if lsn and clients.replica.has_replica:
        clients.replica.remember_write(slug, sid, lsn[0])
    log.info("login", category="AUTH", tenant=slug, user_id=user.id, session_id=sid)
    return Issued(
        access_token=_access_token(clients, record.tenant_id, slug, sid, user),
        expires_in=clients.settings.access_token_ttl_seconds,
        refresh_token=f"{slug}.{sid}.{refresh_secret}",
        user=user,
        permissions=permissions,
        device_token=devices.issue(clients, names, record.tenant_id, user.id, email, device),
    )


def _parse_refresh(token: str) -> tuple[TenantNames, int, str]:
    try:
        slug, sid, secret = token.split(".", 2)
        return TenantNames(slug), int(sid), secret
    except (ValueError, InvalidInput):
        raise Unauthenticated("invalid refresh token") from None


def refresh(clients: AppClients, token: str) -> Issued:
    names, sid, secret = _parse_refresh(token)
    record = tenant_record(clients, names.slug, None)
    new_secret = secrets.token_urlsafe(32)
    reused = False
    with write_transaction(clients.engines.primary, names) as conn:
        row = conn.execute(
            text(
                "SELECT user_id, token_hash FROM users_sessions "
                "WHERE id = :sid AND active AND expires_at > now() FOR UPDATE"
            ),
            {"sid": sid},
        ).first()
        if row is None:
            raise Unauthenticated("session ended")
        if not secrets.compare_digest(row.token_hash, passwords.digest(secret)):
            # Committed (not raised here): the revocation must survive.
            sessions.revoke_in_db(conn, session_id=sid)
            reused = True
        else:
            info = sessions.load(conn, sid)
            if info is None:  # the user was deactivated
                raise Unauthenticated("session ended")
            conn.execute(
                text(
                    "UPDATE users_sessions SET token_hash = :h, last_updated_at = now(), "
                    "expires_at = now() + make_interval(secs => :ttl) WHERE id = :sid"
                ),
                {
                    "h": passwords.digest(new_secret),
                    "ttl": clients.settings.refresh_token_ttl_seconds,
                    "sid": sid,
                },
            )
            user = users_repo.get(conn, info.user_id)
            permissions = _cache_session(clients, conn, names.slug, sid, user)
    if reused:
        _forget_sessions(clients, names, [sid])
        log.warning("refresh token reused; session ended", category="AUTH", session_id=sid)
        raise RefreshTokenReused("refresh token already used; the session has been ended")
    return Issued(
        access_token=_access_token(clients, record.tenant_id, names.slug, sid, user),
        expires_in=clients.settings.access_token_ttl_seconds,
        refresh_token=f"{names.slug}.{sid}.{new_secret}",
        user=user,
        permissions=permissions,
    )


def _forget_sessions(clients: AppClients, names: TenantNames, ids: list[int]) -> None:
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


def logout(clients: AppClients, principal: Principal) -> None:
    with tenant_write(clients, principal) as conn:
        ended = sessions.revoke_in_db(conn, session_id=principal.session_id)
    _forget_sessions(clients, principal.names, ended or [principal.session_id])
    log.info("logout", category="AUTH", session_id=principal.session_id)


def end_user_sessions(
    clients: AppClients, conn: Connection, names: TenantNames, user_id: int, keep: int | None
) -> list[int]:
    """Ends a user's sessions in the transaction (``keep``: the caller's own)
    and distrusts all their devices (before the commit: no moment where the
    change is visible and the devices still trusted); call ``forget`` after
    commit."""
    devices.distrust_all(clients, names, user_id)
    ids = [s for s in sessions.live_ids(conn, user_id) if s != keep]
    for sid in ids:
        sessions.revoke_in_db(conn, session_id=sid)
    return ids


def forget(clients: AppClients, names: TenantNames, ids: list[int]) -> None:
    _forget_sessions(clients, names, ids)


def recache_user(clients: AppClients, conn: Connection, names: TenantNames, user: UserOut) -> None:
    """After a role or password-state change: live sessions see it at once."""
    for sid in sessions.live_ids(conn, user.id):
        _cache_session(clients, conn, names.slug, sid, user)


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
        ended = end_user_sessions(clients, conn, principal.names, user.id, principal.session_id)
        recache_user(clients, conn, principal.names, user)
    forget(clients, principal.names, ended)
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
        ended = end_user_sessions(clients, conn, names, user_id, None)
    forget(clients, names, ended)
    log.info("password set with link", category="AUTH", tenant=names.slug, user_id=user_id)
    return user
