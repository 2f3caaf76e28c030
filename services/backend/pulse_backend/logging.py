"""structlog for the backend: a ``category`` on every line (HTTP, AUTH, WS,
COLOR, ERROR, ...), the request id and tenant bound per request through
contextvars, JSON in a cluster and coloured console in dev.

Secrets never reach a log line: values of keys that name a secret are
replaced, and bearer tokens / refresh cookies inside strings are masked, so
that even a careless ``log.info(..., headers=...)`` leaks nothing.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from pulse_backend.settings import LogFormat
from pulse_common.logging import stderr_logger_factory

CATEGORIES = ("HTTP", "AUTH", "DB", "CACHE", "WS", "COLOR", "ETL", "AI", "ERROR", "SYSTEM")

_SECRET_KEY = re.compile(
    r"pass(word)?|secret|token|authorization|cookie|api[_-]?key|credential|dsn|_url$", re.I
)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
REDACTED = "[redacted]"
# Keys that look secret by name but hold none (ids, counts, flags).
_SAFE_KEYS = {"token_type", "must_change_password", "password_change_required"}


def _scrub_text(value: str) -> str:
    value = _BEARER.sub(r"\1" + REDACTED, value)
    value = _JWT.sub(REDACTED, value)
    return _URL_PASSWORD.sub(r"\1" + REDACTED + "@", value)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, dict):
        return {k: (REDACTED if _is_secret_key(k) else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and key not in _SAFE_KEYS and bool(_SECRET_KEY.search(key))


def redact_secrets(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event):
        if _is_secret_key(key):
            event[key] = REDACTED
        else:
            event[key] = _scrub(event[key])
    return event


def default_category(
    _logger: Any, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    event.setdefault("category", "ERROR" if method in {"error", "exception"} else "SYSTEM")
    return event


def configure(fmt: LogFormat, level: str = "INFO", stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    # Without an explicit stream, resolve stderr per line (see StderrLogger).
    factory: Any = structlog.PrintLoggerFactory(stream) if stream else stderr_logger_factory
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt is LogFormat.json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            default_category,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=factory,
        # Not cached: tests reconfigure the output per app instance.
        cache_logger_on_first_use=False,
    )
