"""Qdrant's API-key and JWT RBAC, as the server enforces them
(https://qdrant.tech/documentation/guides/security/): the ``api-key`` header
(or ``Authorization: Bearer``) holds the platform key, which means *manage*,
or a JWT signed with it (HS256) whose claims narrow what it may do:

- ``access``: absent means manage; ``"m"`` manage, ``"r"`` global read-only;
  or a list of ``{collection, access: "r"|"rw"}``.
- ``exp``: expiry, with Qdrant's 30-second leeway for clock skew.
- ``value_exists``: valid only while a point of that collection matches every
  ``{key, value}`` (revocation without changing the key).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

LEEWAY_SECONDS = 30


class Need(enum.Enum):
    """What an endpoint needs, as in Qdrant's table of access."""

    read = "read"  # get info, exists, retrieve, scroll, query, count
    write = "write"  # upsert/delete points, payload indexes
    manage = "manage"  # create/delete/update collections


class AuthError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Grant:
    """What a verified credential allows."""

    manage: bool
    read_all: bool
    collections: dict[str, str]  # collection → "r" | "rw"

    def can_see(self, collection: str) -> bool:
        return self.manage or self.read_all or collection in self.collections

    def check(self, need: Need, collection: str | None) -> None:
        if self.manage:
            return
        if need is Need.manage or collection is None:
            raise AuthError(403, "Forbidden: Global manage access is required")
        if need is Need.read and self.read_all:
            return
        level = self.collections.get(collection)
        if level is None or (need is Need.write and level != "rw"):
            wanted = "write" if need is Need.write else "read"
            raise AuthError(
                403,
                f"Forbidden: {wanted.capitalize()} access to collection {collection} is required",
            )


MANAGE = Grant(manage=True, read_all=True, collections={})

# (collection, key, value) → whether a point of that collection matches.
ValueExists = Callable[[str, list[tuple[str, Any]]], bool]


def credential(headers: dict[str, str]) -> str | None:
    key = headers.get("api-key")
    if key:
        return key
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def verify(token: str | None, api_key: str, value_exists: ValueExists) -> Grant:
    if not token:
        raise AuthError(401, "Must provide an API key or an Authorization bearer token")
    if token == api_key:
        return MANAGE
    try:
        claims = jwt.decode(
            token,
            api_key,
            algorithms=["HS256"],
            leeway=LEEWAY_SECONDS,
            options={"require": [], "verify_exp": True},
        )
    except jwt.PyJWTError:
        raise AuthError(401, "Invalid API key or JWT") from None
    check = claims.get("value_exists")
    if check is not None:
        matches = [(str(m["key"]), m["value"]) for m in check.get("matches", [])]
        if not value_exists(str(check.get("collection", "")), matches):
            raise AuthError(401, "Invalid JWT, value_exists check failed")
    return _grant(claims.get("access"))


def _grant(access: Any) -> Grant:
    if access is None or access == "m":
        return MANAGE
    if access == "r":
        return Grant(manage=False, read_all=True, collections={})
    if isinstance(access, list):
        collections: dict[str, str] = {}
        for item in access:
            if not isinstance(item, dict) or item.get("access") not in ("r", "rw"):
                raise AuthError(401, "Invalid JWT, malformed access claim")
            collections[str(item.get("collection"))] = str(item["access"])
        return Grant(manage=False, read_all=False, collections=collections)
    raise AuthError(401, "Invalid JWT, malformed access claim")
