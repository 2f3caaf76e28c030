"""Sign-in, refresh rotation and logout: the typed core behind
``routes/auth.py`` (passwords: ``password_service``).

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
from sqlalchemy import text

from pulse_backend import (
    devices,
    passwords,
    ratelimit,
    registry,
    session_state,
    sessions,
    users_repo,
)
from pulse_backend.context import Principal, tenant_lookup, tenant_record
from pulse_backend.db import tenant_write
from pulse_backend.errors import InvalidCredentials, RefreshTokenReused, Unauthenticated
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
    refused and distrusted, and one issued before the user's last device
    revocation (recorded in PostgreSQL, ``devices.require_current``) counts
    as a stranger's even if Redis missed that revocation. The per-address
    limit counts every attempt."""
    try:
        names = TenantNames(slug)
    except InvalidInput:
        raise InvalidCredentials(FAILED) from None
    device = devices.trusted(clients, names, email, device_token)
    limits = _login_limits(clients, names, email, client.address, device)
    try:
        return _counted(clients, names, email, password, client, device, limits)
    except devices.Revoked as revoked:
        # Redis trusted a device that PostgreSQL says was revoked (Redis
        # missed the revocation). Its slot is back; the attempt is a
        # stranger's, charged to the email (the address has counted it), and
        # Redis now distrusts the device, so its next attempts start there.
        devices.distrust(clients, names, revoked.device)
        per_email = _login_limits(clients, names, email, None, None)
        return _counted(clients, names, email, password, client, None, per_email)


def _counted(
    clients: AppClients,
    names: TenantNames,
    email: str,
    password: str,
    client: ClientInfo,
    device: devices.Device | None,
    limits: list[ratelimit.Limit],
) -> Issued:
    """One sign-in attempt counted against ``limits``: the first (the
    device's or the email's) gets its slot back unless the credentials were
    wrong or nothing could be counted."""
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
        devices.require_current(device, row)  # before the password: see ``login``
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
        permissions = session_state.cache(clients, conn, slug, sid, user)
    if lsn and clients.replica.has_replica:
        clients.replica.remember_write(slug, sid, lsn[0])
    log.info("login", category="AUTH", tenant=slug, user_id=user.id, session_id=sid)
    return Issued(
        access_token=_access_token(clients, record.tenant_id, slug, sid, user),
        expires_in=clients.settings.access_token_ttl_seconds,
        refresh_token=f"{slug}.{sid}.{refresh_secret}",
        user=user,
        permissions=permissions,
        device_token=devices.issue(clients, names, record.tenant_id, row, email, device),
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
            permissions = session_state.cache(clients, conn, names.slug, sid, user)
    if reused:
        session_state.forget(clients, names, [sid])
        log.warning("refresh token reused; session ended", category="AUTH", session_id=sid)
        raise RefreshTokenReused("refresh token already used; the session has been ended")
    return Issued(
        access_token=_access_token(clients, record.tenant_id, names.slug, sid, user),
        expires_in=clients.settings.access_token_ttl_seconds,
        refresh_token=f"{names.slug}.{sid}.{new_secret}",
        user=user,
        permissions=permissions,
    )


def logout(clients: AppClients, principal: Principal) -> None:
    with tenant_write(clients, principal) as conn:
        ended = sessions.revoke_in_db(conn, session_id=principal.session_id)
    session_state.forget(clients, principal.names, ended or [principal.session_id])
    log.info("logout", category="AUTH", session_id=principal.session_id)
