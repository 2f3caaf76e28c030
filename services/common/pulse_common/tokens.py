"""Access-token checks shared by the backend (which signs) and the tenant
ETLs (which verify forwarded tokens with the public keys alone): one
definition of the algorithm, the required claims and the reasons given."""

from __future__ import annotations

from typing import Any

import jwt

ALGORITHM = "EdDSA"

# The backend's calls to a tenant ETL carry a token of their own, not the
# user's: audience ``INTERNAL_AUDIENCE`` (so it is no access token for the
# API), the permissions the backend checked for that call in ``perm`` (a
# user's grants beyond its role included), valid ``INTERNAL_TTL_SECONDS``.
INTERNAL_AUDIENCE = "pulse-etl"
PERMISSIONS_CLAIM = "perm"
INTERNAL_TTL_SECONDS = 60


class TokenRejected(Exception):
    """The token is not acceptable; the message says why, never echoing it."""


def kid_of(token: str) -> str | None:
    """The unverified ``kid`` header, to pick the verifying key."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError:
        raise TokenRejected("malformed access token") from None
    return kid if isinstance(kid, str) else None


def decode(
    token: str,
    key: Any,
    *,
    issuer: str,
    audience: str | list[str],
    required: tuple[str, ...],
) -> dict[str, Any]:
    """The verified claims; ``audience``: the one accepted, or a list (any of them)."""
    if key is None:
        raise TokenRejected("access token signed by an unknown key")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={"require": list(required)},
        )
    except jwt.ExpiredSignatureError:
        raise TokenRejected("access token expired") from None
    except jwt.InvalidTokenError:
        raise TokenRejected("invalid access token") from None
    return claims
