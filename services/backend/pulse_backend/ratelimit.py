"""Fixed-window rate limits in Redis (``INCR`` + ``EXPIRE NX``, one round trip;
a request's per-user and per-tenant limits are counted by its preflight's
script, ``preflight.SCRIPT``, the same commands).

What happens when Redis is down differs on purpose:

- **Login fails closed** (503): without counters nothing stops password
  guessing, and refusing logins for the length of an outage costs little
  (existing sessions keep working).
- **Everything else fails open**: those requests already carry a verified
  token and a live session; refusing them would turn a cache outage into a
  full API outage, while the abuse they could do is bounded by the session
  itself. The outage is counted in ``pulse_redis_errors_total``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import redis
import structlog
from redis.asyncio.client import Pipeline as AsyncPipeline
from redis.client import Pipeline

from pulse_backend.errors import RateLimited
from pulse_backend.metrics import Metrics
from pulse_common.errors import BackendUnavailable
from pulse_common.wording import count_of

log = structlog.get_logger("pulse_backend.ratelimit")


@dataclass(frozen=True)
class Limit:
    name: str  # metric label and log field: "login_email", "user", ...
    key: str
    allowed: int
    window_seconds: int


# The request's preflight queues its commands on either client.
AnyPipeline = Pipeline | AsyncPipeline


def over(limits: list[Limit], counted: list[Any]) -> tuple[Limit, int] | None:
    """The first exceeded limit and its Retry-After, from each limit's count
    and the seconds left in its window (``counted``: two values per limit)."""
    for i, lim in enumerate(limits):
        count, ttl = int(counted[i * 2]), int(counted[i * 2 + 1])
        if count > lim.allowed:
            return lim, ttl if ttl > 0 else lim.window_seconds
    return None


def _hit(cache: redis.Redis, limits: list[Limit]) -> tuple[Limit, int] | None:
    pipe = cache.pipeline(transaction=False)
    for lim in limits:
        pipe.incr(lim.key)
        pipe.expire(lim.key, lim.window_seconds, nx=True)
        pipe.ttl(lim.key)
    out = pipe.execute()
    del out[1::3]  # EXPIRE's answers
    return over(limits, out)


# What each limit counts, worded for the person who reached it (the name
# stays the metric label and the log's).
_COUNTED = {
    "login_email": "sign-in attempts for this email",
    # The same words on purpose: a refusal must not tell whether the device is trusted.
    "login_device": "sign-in attempts for this email",
    "login_address": "sign-in attempts from your network address",
    "password_change": "password change attempts",
    "user": "requests from your account",
    "tenant": "requests from your organisation",
}


def _wait(seconds: int) -> str:
    if seconds < 90:
        return count_of(seconds, "second")
    return f"{round(seconds / 60)} minutes"


def message(lim: Limit, retry_after: int) -> str:
    counted = _COUNTED.get(lim.name, "requests")
    return f"too many {counted}; retry in {_wait(retry_after)}"


def refuse(metrics: Metrics, exceeded: tuple[Limit, int] | None) -> None:
    """Raises RateLimited (429 with Retry-After) for an exceeded limit."""
    if exceeded is None:
        return
    lim, retry_after = exceeded
    metrics.rate_limited.labels(lim.name).inc()
    log.info("rate limited", category="HTTP", limit=lim.name, retry_after=retry_after)
    raise RateLimited(message(lim, retry_after), retry_after)


def count(
    cache: redis.Redis, metrics: Metrics, limits: list[Limit], *, fail_closed: bool
) -> tuple[Limit, int] | None:
    """Counts one request against every limit; returns the first exceeded
    one and its Retry-After (for ``refuse``), so a caller can act on which."""
    try:
        return _hit(cache, limits)
    except redis.RedisError:
        metrics.redis_errors.labels("ratelimit_closed" if fail_closed else "ratelimit_open").inc()
        if fail_closed:
            raise BackendUnavailable("redis", "rate limits unavailable") from None
        return None


def check(cache: redis.Redis, metrics: Metrics, limits: list[Limit], *, fail_closed: bool) -> None:
    """Counts one request against every limit; raises RateLimited (429 with
    Retry-After) when one is exceeded."""
    refuse(metrics, count(cache, metrics, limits, fail_closed=fail_closed))


def give_back(cache: redis.Redis, lim: Limit) -> None:
    """Returns one counted attempt (it turned out not to be abuse: a sign-in
    or password change that succeeded). WATCH makes it exact: the count never goes below zero,
    and a window that ends meanwhile (an expired watched key aborts EXEC) is
    not recreated without its expiry. Lost on a Redis error: the attempt then
    stays counted, the safe side."""

    def decrement(pipe: Pipeline) -> None:
        if int(pipe.get(lim.key) or 0) > 0:
            pipe.multi()
            pipe.decr(lim.key)

    with contextlib.suppress(redis.RedisError):
        cache.transaction(decrement, lim.key)
