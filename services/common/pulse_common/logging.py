"""structlog setup shared by every component: JSON lines in production,
readable console output for a terminal. Bind ``tenant=...`` for context."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog


class StderrLogger:
    """Prints to whatever ``sys.stderr`` is when a line is written. A stream
    bound at configure time may be closed later (pytest's capture, a daemon's
    redirection), and structlog's PrintLogger would then fail the caller."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def stderr_logger_factory(*_args: Any) -> StderrLogger:
    return StderrLogger()


def configure_logging(*, json: bool = True, level: str = "INFO") -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=stderr_logger_factory,
        cache_logger_on_first_use=True,
    )
