"""Redis runs with ACLs: a user limited to a key prefix cannot leave it."""

from __future__ import annotations

import secrets

import pytest
import redis

from pulse_testworld import World

pytestmark = pytest.mark.redis


def test_acl_user_is_confined_to_its_prefix(world: World, redis_admin: redis.Redis) -> None:
    password = secrets.token_urlsafe(12)
    redis_admin.execute_command(
        "ACL",
        "SETUSER",
        "smoke_a",
        "reset",
        "on",
        f">{password}",
        "~t:smoke_a:*",
        "&t:smoke_a:*",
        "+@all",
        "-@dangerous",
    )
    redis_admin.set("t:other:secret", "x")
    user = redis.Redis(
        host=world.redis.host,
        port=world.redis.port,
        username="smoke_a",
        password=password,
        decode_responses=True,
    )
    try:
        user.set("t:smoke_a:k", "mine")
        assert user.get("t:smoke_a:k") == "mine"
        with pytest.raises(redis.exceptions.NoPermissionError):
            user.get("t:other:secret")
        with pytest.raises(redis.exceptions.NoPermissionError):
            user.publish("t:other:events", "x")
        with pytest.raises(redis.exceptions.NoPermissionError):
            user.execute_command("ACL", "LIST")
    finally:
        user.close()
        redis_admin.execute_command("ACL", "DELUSER", "smoke_a")


def test_default_user_is_off(world: World) -> None:
    anon = redis.Redis(host=world.redis.host, port=world.redis.port)
    with pytest.raises(redis.exceptions.AuthenticationError):
        anon.ping()
    anon.close()


def test_acl_save_persists_users(world: World, redis_admin: redis.Redis) -> None:
    redis_admin.execute_command("ACL", "SETUSER", "smoke_persist", "reset", "off")
    try:
        redis_admin.execute_command("ACL", "SAVE")
        assert "user smoke_persist" in world.redis.acl_file.read_text()
    finally:
        redis_admin.execute_command("ACL", "DELUSER", "smoke_persist")
        redis_admin.execute_command("ACL", "SAVE")
