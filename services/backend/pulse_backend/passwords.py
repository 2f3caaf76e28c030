"""User passwords and one-time set-password links.

Hashing is ``pulse_common.security``'s (argon2id). ``needs_rehash`` is used
when that module offers it, so that hashes written with older parameters (or
the earlier scrypt format) are upgraded at the next successful login.

Set-password links (invites, admin-issued resets) carry a random secret; only
its SHA-256 is stored, in Redis under the tenant's prefix with the link's
expiry, and it is consumed atomically (``GETDEL``), so a link works once.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

import redis

from pulse_backend.errors import FieldInvalid, Unauthenticated
from pulse_common import security
from pulse_common.errors import BackendUnavailable
from pulse_common.tenancy import TenantNames, validate_slug

MIN_LENGTH = 12
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return security.hash_password(password)


@functools.cache
def _dummy_hash() -> str:
    return security.hash_password(secrets.token_urlsafe(16))


def verify(password: str, stored: str | None) -> bool:
    """Constant work whether or not the user exists or has a password, so
    that response time does not reveal which emails are registered."""
    if not stored:
        security.verify_password(password, _dummy_hash())
        return False
    return security.verify_password(password, stored)


def needs_rehash(stored: str) -> bool:
    check = getattr(security, "needs_rehash", None)
    return bool(check(stored)) if callable(check) else False


def validate_new(password: str, field: str = "new_password") -> str:
    if len(password) < MIN_LENGTH:
        raise FieldInvalid(field, f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise FieldInvalid(field, f"must be at most {MAX_LENGTH} characters")
    return password


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _link_key(names: TenantNames, secret: str) -> str:
    return f"{names.key_prefix}setpw:{digest(secret)}"


def issue_link_token(cache: redis.Redis, names: TenantNames, user_id: int, ttl: int) -> str:
    secret = secrets.token_urlsafe(32)
    try:
        cache.set(_link_key(names, secret), str(user_id), ex=ttl)
    except redis.RedisError:
        raise BackendUnavailable("redis", "cannot store the set-password link") from None
    return f"{names.slug}.{secret}"


def consume_link_token(cache: redis.Redis, token: str) -> tuple[TenantNames, int]:
    slug, _, secret = token.partition(".")
    try:
        names = TenantNames(validate_slug(slug))
    except Exception:
        raise Unauthenticated("invalid or expired set-password link") from None
    try:
        user_id = cache.getdel(_link_key(names, secret)) if secret else None
    except redis.RedisError:
        raise BackendUnavailable("redis", "cannot check the set-password link") from None
    if not user_id:
        raise Unauthenticated("invalid or expired set-password link")
    return names, int(str(user_id))
