"""A tenant's recent log events, for its admins' log viewer.

A structlog processor copies every log line bound to a tenant (after the
secret redaction, so nothing is stored that the log itself would not show)
into the capped stream ``t:<slug>:logs`` and publishes it on the pub/sub
channel of the same name for live viewers (the WebSocket). Best effort: a
Redis outage drops these copies, never the log line or the request.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import queue
import threading
from collections.abc import MutableMapping
from typing import Any, cast

import redis
import structlog
from pydantic import BaseModel

from pulse_common.errors import BackendUnavailable, InvalidInput
from pulse_common.tenant_log import STREAM_MAXLEN as STREAM_MAXLEN
from pulse_common.tenant_log import entry
from pulse_common.tenant_log import stream_key as stream_key

QUEUE_SIZE = 10_000
BATCH = 200
_CORE = ("timestamp", "level", "category", "event", "tenant")


class Level(enum.StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"
    critical = "critical"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class LogEvent(BaseModel):
    id: str
    timestamp: str
    level: str
    category: str
    event: str
    fields: dict[str, Any]


class TenantLogStream:
    """The structlog processor. It only queues the entry: a log call may run
    on the event loop (the access log), which must not wait for Redis. A
    writer thread sends the queue in pipelined batches; when Redis is slow
    or down the queue fills and further entries are dropped."""

    def __init__(self, cache: redis.Redis, maxlen: int = STREAM_MAXLEN) -> None:
        self.cache = cache
        self.maxlen = maxlen
        self.queue: queue.Queue[tuple[str, dict[str, str]] | None] = queue.Queue(QUEUE_SIZE)
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="tenant-log-stream", daemon=True)

    def __call__(
        self, _logger: Any, method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        slug = event.get("tenant")
        if not isinstance(slug, str):
            return event
        try:
            key = stream_key(slug)
        except InvalidInput:
            return event
        line = entry(
            timestamp=str(event.get("timestamp") or dt.datetime.now(dt.UTC).isoformat()),
            level=str(event.get("level", method)),
            category=str(event.get("category", "SYSTEM")),
            event=str(event.get("event", "")),
            fields={k: v for k, v in event.items() if k not in _CORE},
        )
        try:
            self.queue.put_nowait((key, line))
        except queue.Full:
            self.dropped += 1
        return event

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            batch = [item]
            while len(batch) < BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            entries = [b for b in batch if b is not None]
            if entries:
                self._send(entries)
            if len(entries) < len(batch):
                return

    def _send(self, entries: list[tuple[str, dict[str, str]]]) -> None:
        try:
            pipe = self.cache.pipeline(transaction=False)
            for key, line in entries:
                pipe.xadd(key, line, maxlen=self.maxlen, approximate=True)  # type: ignore[arg-type]
                pipe.publish(key, json.dumps(line))
            pipe.execute()
        except redis.RedisError:
            # Logging about a logging failure would recurse.
            self.dropped += len(entries)


def install(processor: TenantLogStream) -> None:
    """Starts the writer and puts the processor just before the renderer
    (after the secret redaction)."""
    processors = [
        p for p in structlog.get_config()["processors"] if not isinstance(p, TenantLogStream)
    ]
    processors.insert(len(processors) - 1, processor)
    structlog.configure(processors=processors)
    processor.start()


def uninstall(processor: TenantLogStream) -> None:
    processors = [p for p in structlog.get_config()["processors"] if p is not processor]
    structlog.configure(processors=processors)
    processor.stop()


def _entry(entry_id: str, data: dict[str, str]) -> LogEvent:
    try:
        fields = json.loads(data.get("fields", "{}"))
    except ValueError:
        fields = {}
    return LogEvent(
        id=entry_id,
        timestamp=data.get("timestamp", ""),
        level=data.get("level", ""),
        category=data.get("category", ""),
        event=data.get("event", ""),
        fields=fields if isinstance(fields, dict) else {},
    )


def matches(event: LogEvent, min_level: Level | None, categories: set[str] | None) -> bool:
    if min_level is not None:
        level = Level.__members__.get(event.level, Level.critical)
        if level.rank < min_level.rank:
            return False
    return categories is None or event.category in categories


def recent(
    cache: redis.Redis,
    slug: str,
    *,
    min_level: Level | None,
    categories: set[str] | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
) -> list[LogEvent]:
    """Newest first. Stream ids are millisecond timestamps, so the time
    bounds are stream id bounds."""
    low = str(int(since.timestamp() * 1000)) if since else "-"
    high = str(int(until.timestamp() * 1000)) if until else "+"
    try:
        raw = cache.xrevrange(stream_key(slug), max=high, min=low, count=STREAM_MAXLEN)
    except redis.RedisError:
        raise BackendUnavailable("redis", "log stream unreadable") from None
    out: list[LogEvent] = []
    for entry_id, data in cast(list[tuple[str, dict[str, str]]], raw):
        event = _entry(entry_id, data)
        if matches(event, min_level, categories):
            out.append(event)
            if len(out) >= limit:
                break
    return out
