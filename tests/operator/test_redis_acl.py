"""Issue 8 item 2: a tenant's Redis user runs only the allow-listed commands,
on its own keys and channels, and learns nothing about other tenants."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from pulse_common import cache
from pulse_common.tenancy import TenantNames
from pulse_testworld import World

pytestmark = pytest.mark.redis


@pytest.fixture
def admin(world: World) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(world.redis.url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def pair(admin: redis.Redis) -> Iterator[tuple[TenantNames, TenantNames]]:
    base = uuid.uuid4().hex[:6]
    a, b = TenantNames(f"acl-{base}"), TenantNames(f"acl-{base}-b")
    for i, n in enumerate((a, b)):
        cache.ensure_user(admin, n, f"pw-{n.slug}", 9000 + i)
    yield a, b
    for i, n in enumerate((a, b)):
        cache.delete_user_and_keys(admin, n, 9000 + i)


def _login(world: World, n: TenantNames) -> redis.Redis:
    return redis.Redis(
        host="127.0.0.1",
        port=world.redis.port,
        username=n.redis_user,
        password=f"pw-{n.slug}",
        decode_responses=True,
    )


def _all_commands(admin: redis.Redis) -> dict[str, int]:
    """Every command and subcommand the server knows, with its arity."""
    out: dict[str, int] = {}
    for name, info in admin.command().items():
        subs: list[Any] = info.get("subcommands") or []
        if subs:
            for sub in subs:
                out[str(sub[0]).lower()] = int(sub[1])
        else:
            out[str(name).lower()] = int(info["arity"])
    return out


def test_every_command_outside_the_allow_list_is_refused(
    admin: redis.Redis, pair: tuple[TenantNames, TenantNames]
) -> None:
    a, _ = pair
    commands = _all_commands(admin)
    assert len(commands) > 200  # the server's whole table, not a sample
    allowed = set(cache.ALLOWED_COMMANDS)
    assert allowed <= set(commands), allowed - set(commands)
    wrong: list[str] = []
    for name, arity in sorted(commands.items()):
        # Arguments in key positions name the tenant's own keys and channels,
        # so that only the command permission decides.
        # (PSUBSCRIBE patterns must equal an allowed pattern literally.)
        arg = f"{a.key_prefix}*" if name == "psubscribe" else f"{a.key_prefix}x"
        args = [*name.split("|"), *[arg] * (abs(arity) - 1 - name.count("|"))]
        reply = str(admin.execute_command("ACL", "DRYRUN", a.redis_user, *args))
        permitted = reply == "OK"
        if permitted != (name in allowed):
            wrong.append(f"{name}: {reply}")
    assert not wrong, wrong


def test_another_tenant_cannot_be_seen_or_disturbed(
    world: World, admin: redis.Redis, pair: tuple[TenantNames, TenantNames]
) -> None:
    a, b = pair
    admin.set(f"{b.key_prefix}session:1", "secret-session")
    library = f"pulsetest{uuid.uuid4().hex[:6]}"
    admin.function_load(
        f"#!lua name={library}\nredis.register_function('{library}', function() return 1 end)"
    )
    script = admin.script_load("return 1")
    user = _login(world, a)
    try:
        user.set(f"{a.key_prefix}mine", "1")
        assert user.get(f"{a.key_prefix}mine") == "1"
        for probe in (
            lambda: user.scan(0),
            lambda: user.keys("*"),
            lambda: user.randomkey(),
            lambda: user.dbsize(),
            lambda: user.pubsub_channels(),
            lambda: user.pubsub_numsub(f"{b.key_prefix}events"),
            lambda: user.execute_command("SELECT", 1),
            lambda: user.script_flush(),
            lambda: user.execute_command("FUNCTION", "FLUSH"),
            lambda: user.info("keyspace"),
            lambda: user.get(f"{b.key_prefix}session:1"),
            lambda: user.publish(f"{b.key_prefix}events", "x"),
            lambda: user.eval("return redis.call('GET', KEYS[1])", 1, f"{b.key_prefix}session:1"),
            lambda: user.flushall(),
        ):
            with pytest.raises(redis.exceptions.NoPermissionError):
                probe()
        # Nothing changed for the other tenant or the server.
        assert admin.get(f"{b.key_prefix}session:1") == "secret-session"
        assert admin.script_exists(script) == [True]
        assert admin.function_list(library=library)
        # Its own channel works.
        assert user.publish(f"{a.key_prefix}events", "hello") == 0
    finally:
        user.close()
        admin.function_delete(library)


def test_user_matches_only_the_exact_rules(
    admin: redis.Redis, pair: tuple[TenantNames, TenantNames]
) -> None:
    a, _ = pair
    assert cache.user_matches(admin, a, f"pw-{a.slug}", 9000)
    assert not cache.user_matches(admin, a, f"pw-{a.slug}", 9001)  # another tenant id
    admin.execute_command("ACL", "SETUSER", a.redis_user, "+keys")
    assert not cache.user_matches(admin, a, f"pw-{a.slug}", 9000)
    cache.ensure_user(admin, a, f"pw-{a.slug}", 9000)
    assert cache.user_matches(admin, a, f"pw-{a.slug}", 9000)


def test_delete_refuses_a_user_marked_for_another_tenant(
    admin: redis.Redis, pair: tuple[TenantNames, TenantNames]
) -> None:
    a, _ = pair
    admin.set(f"{a.key_prefix}kept", "1")
    from pulse_common.errors import Conflict

    with pytest.raises(Conflict, match="tenant id"):
        cache.delete_user_and_keys(admin, a, 4242)
    assert admin.get(f"{a.key_prefix}kept") == "1"
    assert admin.execute_command("ACL", "GETUSER", a.redis_user)
