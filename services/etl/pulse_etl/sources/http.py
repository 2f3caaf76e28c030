"""An HTTP client for one source that never sends a request before the
source allows it: primary limits (``X-RateLimit-Remaining``/``Reset``),
secondary limits (403/429 with ``Retry-After``), backoff with full jitter on
5xx and transport errors, conditional requests (``If-None-Match``), and
errors as classes (permanent vs retryable). It sends the credentials to the
integration's own host only, never follows a redirect, and reads a body up
to a bound."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import structlog
from pydantic import BaseModel, TypeAdapter, ValidationError

from pulse_etl.errors import (
    AuthFailed,
    MalformedResponse,
    RequestRejected,
    SourceNotFound,
    SourceUnavailable,
)

log = structlog.get_logger("pulse_etl.http")
M = TypeVar("M")
Sleep = Callable[[float], Awaitable[None]]
# Told of a rate-limit wait before it is slept: its seconds and its end (epoch).
OnWait = Callable[[float, float], Awaitable[None]]
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
                        f"a run waits): {_until(until, wait)}",
                    )
                self.stats.rate_limit_waits += 1
                self.stats.rate_limit_wait_seconds += wait
                log.info("rate limit wait", category=self.source.upper(), seconds=round(wait, 2))
                if self.on_wait is not None:
                    await self.on_wait(wait, until)
                await self.sleep(wait)
                if self._remaining is not None and self.clock() >= self._reset_at:
                    self._remaining = None  # a new window; the next answer says how much
            self._inflight += 1

    def _observe(self, r: httpx.Response) -> None:
        remaining = r.headers.get("x-ratelimit-remaining")
        reset = r.headers.get("x-ratelimit-reset")
        if remaining is not None and remaining.isdigit():
            self._remaining = int(remaining)
        if reset:
            self._reset_at = _epoch(reset) or self._reset_at

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
                f"a link to {_host(target)} was not followed: "
                f"the credentials go to {_host(own)} only",
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
                        f"{_path(url)}: body larger than {self.max_body >> 20} MiB, "
                        "not read further",
                    )
        return r, bytes(body)

    async def _request(self, method: str, url: str, **kw: Any) -> Page:
        self._check_origin(url)
        attempt = limited = 0
        while True:
            await self._wait_turn()
            try:
                self.stats.requests += 1
                r, body = await self._read(method, url, **kw)
            except httpx.TransportError as exc:
                # Timeouts, refused or dropped connections, truncated bodies.
                problem = f"{type(exc).__name__} on {_path(url)}"
                r = None
            finally:
                self._inflight -= 1
            if r is not None:
                self._observe(r)
                page = self._classify(r, body, url)
                if page is not None:
                    return page
                problem = f"HTTP {r.status_code} on {_path(url)}"
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
        status, where = r.status_code, _path(url)
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
                self._not_before = now + (_seconds(r.headers["retry-after"], now) or 0.0)
            return None
        message = self.scrub(_message(body))[:200]
        if 300 <= status < 400 and "location" in r.headers:
            # Never followed: the credentials would go with it, wherever it
            # points. The admin learns where the API moved (a base URL to fix).
            try:
                moved = _host(r.url.join(r.headers["location"]))
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
        told = None if retry_after is None else _seconds(retry_after, now)
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


def _until(at: float, wait: float) -> str:
    """When the source says the run can go on, so the admin knows when to
    start it again; an absurd one (``Retry-After: 1e20``) as its seconds."""
    try:
        when = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError, OSError):
        return f"the source asked for {wait:.3g} s"
    return f"the source asked to wait until {when} UTC ({wait:.0f} s)"


def _host(url: httpx.URL) -> str:
    if not url.host:
        return url.path  # a relative link: never followed, the base is not the page's
    return f"{url.host}:{url.port}" if url.port else url.host


def _epoch(value: str) -> float | None:
    if value.isdigit():
        return float(value)
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _seconds(value: str, now: float) -> float | None:
    """``Retry-After``: delay-seconds, or an HTTP-date (RFC 9110 10.2.3, e.g.
    ``Wed, 21 Oct 2026 07:28:00 GMT``), which ISO parsing does not read: it
    was taken for "no wait" and the refused request was sent again at once.
    None when unreadable ("soon", "nan"): as if the header were absent, not
    "no wait" (the refused request was sent again a second later). A past
    date or a negative delay is no wait; "inf" is a wait the caller refuses."""
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)  # RFC 850 / asctime forms: always GMT
    return max(0.0, at.timestamp() - now)


def _path(url: str) -> str:
    return httpx.URL(url).path


def _message(body: bytes) -> str:
    """The source's own words, whole: cut after any secret is scrubbed, so
    that no cut-off secret survives."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        if isinstance(data.get("errorMessages"), list) and data["errorMessages"]:
            return str(data["errorMessages"][0])
        if "message" in data:
            return str(data["message"])
    return ""


# Validators built once per model: building one per page (or per PR's
# children) was a visible share of a sync's CPU.
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    found = _ADAPTERS.get(model)
    if found is None:
        found = _ADAPTERS[model] = TypeAdapter(model)
    return found


def list_adapter(model: type[M]) -> TypeAdapter[list[M]]:
    """A cached validator of a JSON array of ``model``."""
    return _adapter(list[model])  # type: ignore[valid-type]


def parse(source: str, what: str, model: type[M] | TypeAdapter[M], data: Any) -> M:
    """Validates a body; a mismatch names the first wrong field."""
    adapter: TypeAdapter[M] = model if isinstance(model, TypeAdapter) else _adapter(model)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(body)"
        item = _item(data, err["loc"])
        raise MalformedResponse(
            source,
            f"{what}: field {where}: {err['msg']} ({exc.error_count()} errors"
            + (f", the first in {item})" if item else ")"),
        ) from None


def _item(data: Any, loc: tuple[int | str, ...]) -> str | None:
    """The source's name of the listed item the error is in (an issue key, a
    PR number, an id), for the admin to look it up: the index alone named
    nothing they can find."""
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(part, int) and isinstance(node, dict):
            for name, shown in (("key", "{}"), ("number", "#{}"), ("id", "id {}")):
                value = node.get(name)
                if isinstance(value, str | int) and not isinstance(value, bool):
                    return shown.format(str(value)[:64])
    return None


class Strict(BaseModel):
    """Response models accept extra fields (APIs add them) but not wrong types."""

    model_config = {"extra": "ignore", "frozen": True}
