"""Errors that carry their meaning: whether a retry can help, and how an API
should answer them. Operators, CLIs and HTTP layers map these, never strings."""

from __future__ import annotations


class PulseError(Exception):
    """Base of every Pulse error. ``retryable`` tells callers whether trying
    again later can succeed; ``http_status``/``code`` how an API reports it."""

    retryable: bool = False
    http_status: int = 500
    code: str = "internal_error"


class InvalidInput(PulseError):
    """Input from outside (manifest, request, CLI argument) is wrong; permanent."""

    http_status = 422
    code = "invalid_input"


class NotFound(PulseError):
    http_status = 404
    code = "not_found"


class Conflict(PulseError):
    http_status = 409
    code = "conflict"


class BackendUnavailable(PulseError):
    """A backing service (PostgreSQL, Redis, Qdrant, Kubernetes) cannot be
    reached or failed transiently; retry with backoff."""

    retryable = True
    http_status = 503
    code = "backend_unavailable"

    def __init__(self, backend: str, message: str) -> None:
        super().__init__(f"{backend}: {message}")
        self.backend = backend


class MigrationFailed(PulseError):
    """A schema migration failed; the tenant's schema is left as it was."""

    code = "migration_failed"

    def __init__(self, slug: str, message: str) -> None:
        super().__init__(f"migration of tenant {slug!r} failed: {message}")
        self.slug = slug
