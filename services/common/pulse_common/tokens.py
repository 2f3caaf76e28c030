"""Access-token checks shared by the backend (which signs) and the tenant
ETLs (which verify forwarded tokens with the public keys alone): one
definition of the algorithm, the required claims and the reasons given."""

from __future__ import annotations

from typing import Any

import jwt

ALGORITHM = "EdDSA"


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
    token: str, key: Any, *, issuer: str, audience: str, required: tuple[str, ...]
) -> dict[str, Any]:
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
