"""An HTTP client for one source that never sends a request before the
source allows it: primary limits (``X-RateLimit-Remaining``/``Reset``),
secondary limits (403/429 with ``Retry-After``), backoff with full jitter on
5xx and transport errors, conditional requests (``If-None-Match``), and
errors as classes (permanent vs retryable). It sends the credentials to the
integration's own host only, follows redirects there only
(``redirects.py``), and reads a body up to a bound."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog

from pulse_etl.errors import (
    AuthFailed,
    MalformedResponse,
    RequestRejected,
    SourceNotFound,
    SourceUnavailable,
)
from pulse_etl.sources import answers, redirects

log = structlog.get_logger("pulse_etl.http")
Sleep = Callable[[float], Awaitable[None]]
# Told of a rate-limit wait before it is slept (its seconds and its end, epoch)
# and once it is over (0 and None).
OnWait = Callable[[float, float | None], Awaitable[None]]
Clock = Callable[[], float]  # epoch seconds


@dataclass
class Retry:
    attempts: int = 5  # per request, for 5xx and transport errors
    base: float = 0.5
    cap: float = 30.0
    secondary_default: float = 60.0  # GitHub: wait at least a minute without Retry-After
    max_wait: float = 3600.0  # one rate-limit wait longer than this fails the job
    rate_limited: int = 20  # refusals in a row before the job gives up
    refused_floor: float = 1.0  # the least wait after a rate-limit refusal


@dataclass
class Stats:
    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    rate_limit_wait_seconds: float = 0.0


@dataclass
class Page:
    status: int
    body: Any
    headers: httpx.Headers

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def link(self, rel: str) -> str | None:
        links = httpx.Response(200, headers=self.headers).links
        target = links.get(rel, {}).get("url")
        return str(target) if target else None


@dataclass
class SourceClient:
    source: str  # "jira" / "github", for messages and logs
    http: httpx.AsyncClient
    retry: Retry = field(default_factory=Retry)
    sleep: Sleep = asyncio.sleep
    # Injected with ``sleep`` in tests, so that a wait is checked without
    # being slept: the waits are computed from this clock.
    clock: Clock = time.time
    # The credentials sent (the token, a Basic header's encoded form): an
    # upstream that echoes one in an error body must not put it in the job's
    # error, the log or the progress event.
    secrets: tuple[str, ...] = ()
    # ``scheme://host:port`` the credentials are for; a URL elsewhere (a
    # ``Link`` or a resumed cursor naming another host) is refused before
    # any request, since the client sends the credentials with every one.
    origin: str | None = None
    # A page larger than this is an upstream gone wrong (an endless stream, an
    # error page of tens of MB): read whole, it held the run's memory.
    # ``PULSE_ETL_MAX_BODY_MIB``.
    max_body: int = 64 << 20
    # A wait can last up to ``max_wait`` (an hour) between two batches: the
    # job's progress says it is waiting, not a run that stopped moving.
    on_wait: OnWait | None = None
    stats: Stats = field(default_factory=Stats)
    _remaining: int | None = None
    _reset_at: float = 0.0  # epoch seconds
    _not_before: float = 0.0  # epoch seconds (Retry-After)
    _inflight: int = 0
    _gate: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def get(
        self, url: str, params: dict[str, Any] | None = None, etag: str | None = None
    ) -> Page:
        headers = {"If-None-Match": etag} if etag else {}
        return await self._request("GET", url, params=params, headers=headers)

    async def post(self, url: str, body: dict[str, Any]) -> Page:
        return await self._request("POST", url, json=body)

    async def _wait_turn(self) -> None:
        """Reserves a request slot, sleeping first until the source allows one."""
        async with self._gate:
            while True:
                now = self.clock()
                until = self._not_before
                if self._remaining is not None and self._remaining - self._inflight <= 0:
                    until = max(until, self._reset_at)
                if until <= now:
                    break
                wait = until - now
                if wait > self.retry.max_wait:
                    raise SourceUnavailable(
                        self.source,
                        f"rate limited for more than {self.retry.max_wait:.0f} s (the longest "
                        f"a run waits): {answers.until(until, wait)}",
                    )
                self.stats.rate_limit_waits += 1
                self.stats.rate_limit_wait_seconds += wait
                log.info("rate limit wait", category=self.source.upper(), seconds=round(wait, 2))
                if self.on_wait is not None:
                    await self.on_wait(wait, until)
                await self.sleep(wait)
                if self.on_wait is not None:
                    await self.on_wait(0.0, None)
                if self._remaining is not None and self.clock() >= self._reset_at:
                    self._remaining = None  # a new window; the next answer says how much
            self._inflight += 1

    def _observe(self, r: httpx.Response) -> None:
        remaining = r.headers.get("x-ratelimit-remaining")
        reset = r.headers.get("x-ratelimit-reset")
        if remaining is not None and remaining.isdigit():
            self._remaining = int(remaining)
        if reset:
            self._reset_at = answers.epoch(reset) or self._reset_at

    def _check_origin(self, url: str) -> None:
        if self.origin is None:
            return
        own = httpx.URL(self.origin)
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL:
            raise MalformedResponse(self.source, "a link that is no URL was not followed") from None
        if (target.scheme, target.host, target.port) != (own.scheme, own.host, own.port):
            raise MalformedResponse(
                self.source,
                f"a link to {answers.host(target)} was not followed: "
                f"the credentials go to {answers.host(own)} only",
            )

    async def _read(self, method: str, url: str, **kw: Any) -> tuple[httpx.Response, bytes]:
        """The answer and its body, read up to ``max_body`` bytes."""
        async with self.http.stream(method, url, **kw) as r:
            body = bytearray()
            async for chunk in r.aiter_bytes():
                body += chunk
                if len(body) > self.max_body:
                    raise MalformedResponse(
                        self.source,
                        f"{answers.path(url)}: body larger than {self.max_body >> 20} MiB "
                        "(PULSE_ETL_MAX_BODY_MIB), not read further",
                    )
        return r, bytes(body)

    async def _request(self, method: str, url: str, **kw: Any) -> Page:
        self._check_origin(url)
        first, hops = url, 0
        attempt = limited = 0
        while True:
            await self._wait_turn()
            try:
                self.stats.requests += 1
                r, body = await self._read(method, url, **kw)
            except httpx.TransportError as exc:
                # Timeouts, refused or dropped connections, truncated bodies.
                problem = f"{type(exc).__name__} on {answers.path(url)}"
                r = None
            finally:
                self._inflight -= 1
            if r is not None:
                self._observe(r)
                moved = redirects.target(r, self.origin)
                if moved is not None:
                    hops += 1
                    if hops > redirects.MAX_HOPS:
                        raise redirects.too_many(self.source, first, moved)
                    url = moved
                    kw.pop("params", None)  # the Location carries the query
                    continue
                page = self._classify(r, body, url)
                if page is not None:
                    return page
                problem = f"HTTP {r.status_code} on {answers.path(url)}"
                if r.status_code in (403, 429):
                    limited += 1  # _classify set the wait; not a failed attempt
                    if limited <= self.retry.rate_limited:
                        continue
            attempt += 1
            if attempt >= self.retry.attempts:
                raise SourceUnavailable(self.source, f"{problem} after {attempt} attempts")
            self.stats.retries += 1
            delay = random.uniform(0, min(self.retry.cap, self.retry.base * 2**attempt))  # noqa: S311
            log.warning(
                "retrying", category=self.source.upper(), problem=problem, delay=round(delay, 2)
            )
            await self.sleep(delay)

    def _classify(self, r: httpx.Response, body: bytes, url: str) -> Page | None:
        """A page, None to retry (after the wait it set), or raises."""
        status, where = r.status_code, answers.path(url)
        if status in (200, 201):
            try:
                return Page(status, json.loads(body), r.headers)
            except ValueError:
                # What came instead (a proxy's HTML login page, a cut body),
                # never the body itself: it may echo the request.
                kind = r.headers.get("content-type", "no content type").split(";")[0].strip()
                raise MalformedResponse(
                    self.source, f"{where}: body is not JSON ({kind}, {len(body)} bytes)"
                ) from None
        if status == 304:
            self.stats.not_modified += 1
            return Page(status, None, r.headers)
        if status in (403, 429) and self._rate_limited(r, body):
            return None
        if status >= 500:
            if "retry-after" in r.headers:
                # A 503 may say when to come back (RFC 9110): the jittered
                # backoff alone asked again sooner, and gave up before then.
                now = self.clock()
                self._not_before = now + (answers.seconds(r.headers["retry-after"], now) or 0.0)
            return None
        message = self.scrub(answers.message(body))[:200]
        if 300 <= status < 400 and "location" in r.headers:
            # One to another host (``redirects.target`` followed the rest) is
            # never followed: the credentials would go with it. The admin
            # learns where the API moved (a base URL to fix).
            try:
                moved = answers.host(r.url.join(r.headers["location"]))
            except httpx.InvalidURL:
                moved = "an address that is no URL"
            message = f"(a redirect to {moved}, not followed) {message}"
        if status in (401, 403):
            raise AuthFailed(self.source, f"{where}: HTTP {status} {message}".strip())
        if status == 404:
            raise SourceNotFound(self.source, f"{where}: not found {message}".strip())
        raise RequestRejected(self.source, f"{where}: HTTP {status} {message}".strip())

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "[redacted]")
        return text

    def _rate_limited(self, r: httpx.Response, body: bytes) -> bool:
        now = self.clock()
        retry_after = r.headers.get("retry-after")
        told = None if retry_after is None else answers.seconds(retry_after, now)
        if told is not None:
            wait = told
        elif r.headers.get("x-ratelimit-remaining") == "0":
            wait = 0.0  # primary limit: _observe recorded the reset
        elif (
            retry_after is not None
            or r.status_code == 429
            or b"secondary rate limit" in body.lower()
        ):
            wait = self.retry.secondary_default
        else:
            return False
        # A refused request is never sent again at once: a reset already
        # past (clock skew, GitHub's whole seconds) or "Retry-After: 0" made
        # the client ask up to ``rate_limited`` times in a row, all refused.
        self._not_before = max(self._not_before, now + max(wait, self.retry.refused_floor))
        return True
