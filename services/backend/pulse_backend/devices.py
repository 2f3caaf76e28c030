"""Device trust for sign-in (OWASP's "device cookies"), so that guessing a
user's password cannot lock that user out of their own account.

The per tenant+email limit (``auth_service.login``) counts failed sign-ins
from anywhere: N wrong guesses by someone who knows the email lock the email
for the window. A browser that has signed in successfully as a user gets a
device token (cookie ``pulse_device``, HttpOnly, Secure, SameSite=Strict,
sent to the login route only). A sign-in that presents a trusted device
token for that email is counted against the device's own failure limit
instead of the email's, so guesses made elsewhere do not lock the known
device out, while guesses made with a stolen device token are limited too:
per device, and a device whose failures go over its limit is distrusted for
the rest of its token's life (its attempts then count as a stranger's).

The token is a JWT from the key ring with its own audience (``DEVICE``: the
API and the ETLs never take it for an access token) and no secret inside:
``sub`` user, ``tid``/``ten`` tenant, ``em`` the SHA-256 of the email (trust
is decided before the database is read), ``did`` a random device id, ``gen``
the user's device generation in Redis and ``rev`` the user's device
revocation count in PostgreSQL when it was issued. It is not a session: it
grants nothing but a limit of its own, and signing out keeps it (the browser
stays a known device).

A password change, a set-password link and an admin deactivating the user
distrust every device of the user at once (``distrust_all``), in two places:

- PostgreSQL is the truth: ``users.device_revocations`` goes up by one in
  the transaction that makes the change, so the revocation commits with it
  or not at all, whether or not Redis is reachable. Sign-in reads the user's
  row anyway; a token whose ``rev`` is not the row's current count (or whose
  ``sub`` is not that row's user) is a stranger's (``require_current``
  raises ``Revoked``): ``auth_service.login`` gives the device's slot back,
  charges the attempt to the email's limit and goes on untrusted, and
  remembers the device as distrusted in Redis so that its next attempts are
  a stranger's from the start. A revoked device therefore cannot keep
  guessing at the device limit, even when Redis missed the revocation.
- Redis is the fast path, decided before the database is read: per user a
  random generation, ``devgen:<user id>`` under the tenant's prefix (like
  the limits it chooses between), which ``distrust_all`` deletes; a token is
  trusted only while its ``gen`` is the current one. A lost generation
  (eviction, a flushed Redis) distrusts the devices too: the safe side. A
  delete that fails (Redis unreachable) is counted in
  ``pulse_redis_errors_total`` and left to PostgreSQL's count.

Sign-in itself fails closed while Redis is down (its limits live there).
Tokens issued before ``rev`` existed lack it and are not trusted (their
browser is trusted again after its next sign-in).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import redis
import structlog
from sqlalchemy import Connection, Row

from pulse_backend import passwords, ratelimit, sessions, users_repo
from pulse_backend.errors import Unauthenticated
from pulse_backend.state import AppClients
from pulse_common.tenancy import TenantNames

log = structlog.get_logger("pulse_backend.devices")

COOKIE = "pulse_device"
COOKIE_PATH = "/api/v1/auth/login"
MAX_LENGTH = 1000  # ours are about 550 characters
DEVICE_CLAIMS = ("sub", "tid", "ten", "em", "did", "gen", "rev")
REQUIRED_CLAIMS = (*DEVICE_CLAIMS, "exp", "iat", "jti", "iss", "aud")


@dataclass(frozen=True)
class Device:
    """A trusted device token, as presented with a sign-in."""

    did: str
    user_id: int
    expires_at: int
    revocations: int  # the user's device_revocations when it was issued


class Revoked(Exception):
    """A device token that Redis still trusts but that was issued before the
    user's last revocation recorded in PostgreSQL (a revocation Redis
    missed): the sign-in is a stranger's. Never leaves ``auth_service``."""

    def __init__(self, device: Device) -> None:
        super().__init__("device token revoked")
        self.device = device


def audience(clients: AppClients) -> str:
    return f"{clients.keys.audience}:device"


def _generation_key(names: TenantNames, user_id: int) -> str:
    return f"{names.key_prefix}devgen:{user_id}"


def _distrusted_key(names: TenantNames, did: str) -> str:
    return f"{names.key_prefix}devoff:{did}"


def limit(clients: AppClients, names: TenantNames, device: Device) -> ratelimit.Limit:
    rate = clients.settings.rate
    return ratelimit.Limit(
        "login_device",
        f"{names.key_prefix}rl:login-dev:{device.did}",
        rate.login_per_device or rate.login_per_email,
        rate.login_window_seconds,
    )


def trusted(
    clients: AppClients, names: TenantNames, email: str, token: str | None
) -> Device | None:
    """The device, if ``token`` is a device token of this tenant and email
    that is still trusted; None for anything else (no token, forged, expired,
    another tenant's or user's, distrusted), never an error: an untrusted
    sign-in is simply counted per email."""
    if not token or len(token) > MAX_LENGTH:
        return None
    try:
        claims = clients.keys.verify_other(
            token, audience=audience(clients), required=REQUIRED_CLAIMS
        )
    except Unauthenticated:
        return None
    if claims["ten"] != names.slug or not secrets.compare_digest(
        str(claims["em"]), passwords.digest(email.lower())
    ):
        return None
    device = Device(
        did=str(claims["did"]),
        user_id=int(claims["sub"]),
        expires_at=int(claims["exp"]),
        revocations=int(claims["rev"]),
    )
    try:
        pipe = clients.redis.pipeline(transaction=False)
        pipe.get(_generation_key(names, device.user_id))
        pipe.exists(_distrusted_key(names, device.did))
        generation, distrusted = pipe.execute()
    except redis.RedisError:
        return None  # the sign-in's own limit check then fails closed
    if distrusted or not generation or not secrets.compare_digest(generation, str(claims["gen"])):
        return None
    return device


def require_current(device: Device | None, user: Row[Any] | None) -> None:
    """Raises ``Revoked`` if ``device`` (trusted by Redis) is not a current
    device of ``user``, the row signing in (``users_repo.by_email``): another
    user's (the email's user was re-created) or issued at another revocation
    count. Checked before the password, so the attempt is counted again as a
    stranger's whatever its outcome."""
    if device is None:
        return
    if user is None or user.id != device.user_id or user.device_revocations != device.revocations:
        raise Revoked(device)


def issue(
    clients: AppClients,
    names: TenantNames,
    tenant_id: int,
    user: Row[Any],
    email: str,
    presented: Device | None,
) -> str | None:
    """A device token for the browser that just signed in as ``user`` (its
    row as read at sign-in: the token carries its revocation count, so a
    revocation committed meanwhile distrusts it too). A device that was
    already trusted keeps its id, so its failures within the window stay
    counted (a success does not clear them, as per email). None if Redis
    cannot hold the generation: the sign-in goes on untrusted."""
    user_id = int(user.id)
    ttl = clients.settings.device_token_ttl_seconds
    key = _generation_key(names, user_id)
    try:
        pipe = clients.redis.pipeline(transaction=False)
        pipe.set(key, secrets.token_urlsafe(16), nx=True, ex=ttl)
        pipe.expire(key, ttl)
        pipe.get(key)
        generation = pipe.execute()[2]
    except redis.RedisError:
        clients.metrics.redis_errors.labels("device_not_trusted").inc()
        return None
    if not generation:  # expired between the commands
        return None
    known = presented is not None and presented.user_id == user_id
    did = presented.did if presented is not None and known else secrets.token_urlsafe(16)
    claims = {
        "sub": str(user_id),
        "tid": tenant_id,
        "ten": names.slug,
        "em": passwords.digest(email.lower()),
        "did": did,
        "gen": generation,
        "rev": int(user.device_revocations),
    }
    return clients.keys.sign(claims, ttl, audience=audience(clients))


def distrust(clients: AppClients, names: TenantNames, device: Device) -> None:
    """One device went over its failure limit, or was found revoked in
    PostgreSQL though Redis still trusted it: its token is no longer trusted
    (a copy of it included) until it expires."""
    remaining = max(1, device.expires_at - int(time.time()))
    sessions.safe(
        clients.metrics,
        "device_distrust_lost",
        clients.redis.set,
        _distrusted_key(names, device.did),
        "1",
        remaining,
    )
    log.info("device distrusted", category="AUTH", tenant=names.slug, user_id=device.user_id)


def distrust_all(clients: AppClients, conn: Connection, names: TenantNames, user_id: int) -> None:
    """Every device of the user (password changed or set, user deactivated),
    in the caller's transaction: the count in PostgreSQL commits with the
    change (the truth), the generation in Redis goes now (the fast path; a
    failure is counted and left to the count)."""
    users_repo.revoke_devices(conn, user_id)
    sessions.safe(
        clients.metrics,
        "device_distrust_lost",
        clients.redis.delete,
        _generation_key(names, user_id),
    )
