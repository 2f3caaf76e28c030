"""Readiness: can this tenant's ETL reach its own data with its own
credentials? Each check returns a message that never contains a secret."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import psycopg
import redis.asyncio as aioredis
from qdrant_client import QdrantClient

from pulse_etl.settings import EtlSettings


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


def _database(settings: EtlSettings) -> CheckResult:
    try:
        with psycopg.connect(settings.database_url.get_secret_value(), connect_timeout=3) as conn:
            schema = conn.execute("SELECT current_schema()").fetchone()
            versioned = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
    except psycopg.OperationalError as exc:
        # psycopg's messages name host and user, never the password.
        return CheckResult(False, f"cannot log in: {str(exc).strip().splitlines()[-1]}")
    if schema != (settings.database_schema,) or versioned != (True,):
        return CheckResult(False, f"schema {settings.database_schema} not visible")
    return CheckResult(True, f"schema {settings.database_schema}")


async def _cache(client: aioredis.Redis, prefix: str) -> CheckResult:
    try:
        await client.ping()
        await client.exists(f"{prefix}ready-probe")  # within our ACL key pattern
    except aioredis.AuthenticationError:
        return CheckResult(False, "authentication failed")
    except (aioredis.ConnectionError, aioredis.TimeoutError) as exc:
        return CheckResult(False, f"unreachable: {type(exc).__name__}")
    except aioredis.ResponseError as exc:  # NOPERM: ACL rules changed
        return CheckResult(False, f"refused: {str(exc).split(':')[0]}")
    return CheckResult(True, f"keys {prefix}*")


def _vector(client: QdrantClient, collection: str) -> CheckResult:
    try:
        found = client.collection_exists(collection)
    except Exception as exc:
        return CheckResult(False, f"unreachable: {type(exc).__name__}")
    return CheckResult(found, f"collection {collection}" + ("" if found else " not found"))


async def check_all(
    settings: EtlSettings, cache: aioredis.Redis, vectors: QdrantClient
) -> dict[str, CheckResult]:
    db, rd, vs = await asyncio.gather(
        asyncio.to_thread(_database, settings),
        _cache(cache, settings.redis_key_prefix),
        asyncio.to_thread(_vector, vectors, settings.qdrant_collection),
    )
    return {"database": db, "cache": rd, "vectorStore": vs}
