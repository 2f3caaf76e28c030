"""Per-tenant Redis ACL users, confined to the tenant's key and channel prefix."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import redis

from pulse_common.errors import BackendUnavailable, Conflict
from pulse_common.tenancy import TenantNames, ownership_mark

T = TypeVar("T")

# An allow-list, not a deny-list: every command a tenant may run is named
# here, and each one either works on keys (checked against ``~t:<slug>:*``),
# on channels (``&t:<slug>:*``) or on the connection itself. Left out on
# purpose: anything that enumerates or counts the keyspace (SCAN, KEYS,
# RANDOMKEY, DBSIZE, INFO, PUBSUB CHANNELS/NUMSUB), SELECT, server and
# cluster administration, MONITOR, CLIENT LIST/KILL, OBJECT/DEBUG/MEMORY, and
# scripting (EVAL*, FCALL*, SCRIPT*, FUNCTION*): Redis checks the ACL on
# every command a script calls, so scripts could not reach another tenant's
# keys, but they fill the server-wide script cache and a slow one blocks
# every tenant until an admin's SCRIPT KILL. Rate limits use INCR + EXPIRE.
_ALLOWED_BY_GROUP = {
    "connection": "ping echo hello auth quit reset client|setname client|getname",
    "transactions": "multi exec discard watch unwatch",
    "keys (own keys only)": "del unlink exists type touch expire pexpire expireat pexpireat "
    "expiretime pexpiretime ttl pttl persist",
    "strings and counters": "get set setnx setex psetex getset getdel getex mget mset msetnx "
    "incr incrby incrbyfloat decr decrby append strlen getrange setrange",
    "hashes": "hget hset hsetnx hmget hmset hdel hgetall hexists hincrby hincrbyfloat hkeys "
    "hvals hlen hstrlen hscan hrandfield",
    "sets": "sadd srem smembers sismember smismember scard spop srandmember sscan sinter "
    "sunion sdiff sinterstore sunionstore sdiffstore smove",
    "sorted sets": "zadd zrem zrange zrangebyscore zrevrange zrevrangebyscore zrangestore "
    "zscore zmscore zcard zcount zincrby zremrangebyscore zremrangebyrank zrank zrevrank "
    "zpopmin zpopmax zscan",
    "lists": "lpush rpush lpushx rpushx lpop rpop lrange llen ltrim lindex lrem lset lmove "
    "lpos blpop brpop blmove",
    "streams (ETL progress)": "xadd xread xrange xrevrange xlen xtrim xdel xack xreadgroup "
    "xclaim xautoclaim xpending xgroup|create xgroup|destroy xgroup|createconsumer "
    "xgroup|delconsumer xgroup|setid xinfo|stream xinfo|groups xinfo|consumers",
    "pub/sub on own channels": "publish subscribe unsubscribe psubscribe punsubscribe",
}
ALLOWED_COMMANDS = tuple(c for group in _ALLOWED_BY_GROUP.values() for c in group.split())
COMMAND_RULES = ["-@all", *(f"+{c}" for c in ALLOWED_COMMANDS)]


def acl_rules(names: TenantNames, password: str, *, enabled: bool = True) -> list[str]:
    # Declarative: start from "reset" so nothing from an earlier rule set survives.
    return [
        "reset",
        "on" if enabled else "off",
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


def owner_key(names: TenantNames) -> str:
    """Which tenant id owns the user and prefix. Outside every tenant's key
    pattern, so only the platform can write it."""
    return f"pulse:owner:{names.redis_user}"


# The server rewrites command rules into its own compact form (categories
# plus exceptions), so the rules cannot be compared as written. ``ensure_user``
# stores the form the server answered next to a digest of the rules it sent;
# ``user_matches`` compares against that, so a changed allow-list (a new
# release) or a hand-edited user are both re-applied.
RULES_DIGEST = hashlib.sha256(" ".join(COMMAND_RULES).encode()).hexdigest()


def _owner(client: redis.Redis, names: TenantNames) -> dict[str, str]:
    raw = _guard("HGETALL owner", lambda: client.hgetall(owner_key(names)))
    return {_s(k): _s(v) for k, v in raw.items()}


def _mark(client: redis.Redis, names: TenantNames) -> str | None:
    return _owner(client, names).get("mark")


def _getuser(client: redis.Redis, names: TenantNames) -> dict[str, Any] | None:
    raw = _guard("ACL GETUSER", lambda: client.execute_command("ACL", "GETUSER", names.redis_user))
    return _as_dict(raw) if raw else None


def ensure_user(
    client: redis.Redis, names: TenantNames, password: str, tenant_id: int, *, enabled: bool = True
) -> None:
    """Creates or resets the tenant's ACL user; ``enabled=False`` (suspension)
    also disconnects its clients, since "off" only stops new logins."""
    mark = _mark(client, names)
    if mark not in (None, ownership_mark(tenant_id)):
        raise Conflict(
            f"Redis user {names.redis_user} is marked {mark!r}, not as tenant id {tenant_id}: "
            "refusing to adopt it"
        )
    _guard(
        "ACL SETUSER",
        lambda: client.execute_command(
            "ACL", "SETUSER", names.redis_user, *acl_rules(names, password, enabled=enabled)
        ),
    )
    _guard("ACL SAVE", lambda: _save(client))
    answered = str((_getuser(client, names) or {}).get("commands", ""))
    owner: dict[Any, Any] = {
        "mark": ownership_mark(tenant_id),
        "rules": RULES_DIGEST,
        "commands": answered,
    }
    _guard("HSET owner", lambda: client.hset(owner_key(names), mapping=owner))
    if not enabled:
        _guard(
            "CLIENT KILL",
            lambda: client.execute_command("CLIENT", "KILL", "USER", names.redis_user),
        )


def user_matches(
    client: redis.Redis, names: TenantNames, password: str, tenant_id: int, *, enabled: bool = True
) -> bool:
    """Whether the ACL user exists, is on (off when not ``enabled``), has
    exactly the expected rules and is marked as this tenant's."""
    owner = _owner(client, names)
    if owner.get("mark") != ownership_mark(tenant_id) or owner.get("rules") != RULES_DIGEST:
        return False
    user = _getuser(client, names)
    if user is None:
        return False
    digest = hashlib.sha256(password.encode()).hexdigest()
    return (
        ("on" if enabled else "off") in user.get("flags", [])
        and user.get("passwords") == [digest]
        and user.get("keys") == f"~{names.key_prefix}*"
        and user.get("channels") == f"&{names.key_prefix}*"
        and user.get("commands") == owner.get("commands")
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


def delete_user_and_keys(client: redis.Redis, names: TenantNames, tenant_id: int | None) -> int:
    """Delete: the user and every key under the tenant prefix, only when they
    are marked as ``tenant_id``'s (else Conflict). Returns keys removed."""
    mark = _mark(client, names)
    if mark is None and _getuser(client, names) is None:
        return 0  # never provisioned, or already deleted (the mark goes last)
    if tenant_id is None or mark != ownership_mark(tenant_id):
        raise Conflict(
            f"Redis user {names.redis_user} is marked {mark or 'as nobody'!r}, not as tenant id "
            f"{tenant_id}: refusing to delete it or its keys"
        )

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
        client.delete(owner_key(names))
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
