"""Per-tenant Redis ACL users, confined to the tenant's key and channel prefix."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import redis

from pulse_common.errors import BackendUnavailable
from pulse_common.tenancy import TenantNames

T = TypeVar("T")

# Everything but the dangerous commands (KEYS, FLUSHALL, CONFIG, ACL, ...),
# on the tenant's own keys and channels only.
COMMAND_RULES = ["+@all", "-@dangerous"]


def acl_rules(names: TenantNames, password: str) -> list[str]:
    # Declarative: start from "reset" so nothing from an earlier rule set survives.
    return [
        "reset",
        "on",
        f">{password}",
        f"~{names.key_prefix}*",
        f"&{names.key_prefix}*",
        *COMMAND_RULES,
    ]


def _guard(what: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise BackendUnavailable("redis", f"{what}: {exc}") from None


def _save(client: redis.Redis) -> None:
    """Persists ACLs where the server has an ACL file (else it keeps them in memory)."""
    try:
        client.execute_command("ACL", "SAVE")
    except redis.ResponseError as exc:
        if "ACL file" not in str(exc) and "aclfile" not in str(exc):
            raise


def ensure_user(client: redis.Redis, names: TenantNames, password: str) -> None:
    _guard(
        "ACL SETUSER",
        lambda: client.execute_command(
            "ACL", "SETUSER", names.redis_user, *acl_rules(names, password)
        ),
    )
    _guard("ACL SAVE", lambda: _save(client))


def user_matches(client: redis.Redis, names: TenantNames, password: str) -> bool:
    """Whether the ACL user exists, is on, and has exactly the expected rules."""
    raw = _guard("ACL GETUSER", lambda: client.execute_command("ACL", "GETUSER", names.redis_user))
    if not raw:
        return False
    user = _as_dict(raw)
    digest = hashlib.sha256(password.encode()).hexdigest()
    return (
        "on" in user.get("flags", [])
        and user.get("passwords") == [digest]
        and user.get("keys") == f"~{names.key_prefix}*"
        and user.get("channels") == f"&{names.key_prefix}*"
        and user.get("commands") == " ".join(COMMAND_RULES)
    )


def disable_user(client: redis.Redis, names: TenantNames) -> None:
    """Retain: the user can no longer log in; keys are kept."""

    def run() -> None:
        if client.execute_command("ACL", "GETUSER", names.redis_user):
            client.execute_command("ACL", "SETUSER", names.redis_user, "off")
            client.execute_command("CLIENT", "KILL", "USER", names.redis_user)
        _save(client)

    try:
        _guard("disable user", run)
    except redis.ResponseError as exc:
        if "No such user" not in str(exc):  # CLIENT KILL when nobody is connected
            raise
        _guard("ACL SAVE", lambda: _save(client))


def delete_user_and_keys(client: redis.Redis, names: TenantNames) -> int:
    """Delete: the user and every key under the tenant prefix. Returns keys removed."""

    def run() -> int:
        client.execute_command("ACL", "DELUSER", names.redis_user)
        _save(client)
        removed = 0
        batch: list[Any] = []
        for key in client.scan_iter(match=f"{names.key_prefix}*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                removed += int(client.unlink(*batch))
                batch.clear()
        if batch:
            removed += int(client.unlink(*batch))
        return removed

    return _guard("delete user", run)


def _as_dict(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return {_s(k): _decode(v) for k, v in raw.items()}
    items = list(raw)
    return {_s(items[i]): _decode(items[i + 1]) for i in range(0, len(items), 2)}


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _decode(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list):
        return [_decode(x) for x in v]
    return v
