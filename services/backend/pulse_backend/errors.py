"""One error shape for every response: RFC 9457 problem details.

Every error body is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail`` and a stable machine-readable ``code``; validation
errors add ``errors: [{field, message}]``. Nothing else leaks: no stack
trace, no SQL, no exception text of unexpected errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
import sqlalchemy.exc
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from pulse_backend.replica_conflicts import ReplicaConflict
from pulse_common import patterns
from pulse_common.errors import BackendUnavailable, Conflict, InvalidInput, PulseError

log = structlog.get_logger("pulse_backend.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://pulse.dev/problems/"


class Unauthenticated(PulseError):
    http_status = 401
    code = "unauthenticated"


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"


class Forbidden(PulseError):
    http_status = 403
    code = "forbidden"


class PermissionDenied(Forbidden):
    code = "permission_denied"


class TenantUnavailable(Forbidden):
    """The tenant is suspended or revoked: refused everywhere, login included."""

    code = "tenant_unavailable"


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"


class RefreshTokenReused(Unauthenticated):
    """A rotated refresh token came back: someone else may hold the family."""

    code = "refresh_token_reused"


class RateLimited(PulseError):
    retryable = True
    http_status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class OfField(PulseError):
    """An error about one request field: its answer names the field
    (``errors: [{field, message}]``), so a form shows it next to it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class FieldInvalid(OfField, InvalidInput):
    """A request field is valid for its schema but not for the operation."""


class FieldConflict(OfField, Conflict):
    """A field's value is taken (an email, a name): a 409."""


class FieldError(BaseModel):
    field: str
    message: str


class QueryRefused(InvalidInput):
    """Query parameters the route does not take, or a single-valued one
    given more than once (``known_query``): a 422 naming each."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class Problem(BaseModel):
    """The body of every error response (documented in the OpenAPI schema)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None


_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}

# Shown in the OpenAPI document for every route (what any route may answer).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": _TITLES[status]} for status in (401, 403, 422, 429)
}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=TYPE_BASE + code,
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "email") -> "email"; ("query", "limit") -> "limit"
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _pulse_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PulseError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if isinstance(exc, ReplicaConflict):
        headers = {"Retry-After": str(exc.retry_after)}
        request.app.state.clients.metrics.replica_conflicts.labels("unavailable").inc()
        detail = str(exc)
    elif isinstance(exc, BackendUnavailable):
        headers = {"Retry-After": "5"}
        log.warning("backend unavailable", category="ERROR", backend=exc.backend)
        # The backend's own message may name hosts; the client learns which service.
        detail = f"{exc.backend} is unavailable; retry later"
    elif exc.http_status >= 500:
        log.error("server error", category="ERROR", code=exc.code, error=type(exc).__name__)
        detail = "internal error"
    else:
        detail = str(exc) or _TITLES.get(exc.http_status, "error")
    if isinstance(exc, OfField):
        errors = [FieldError(field=exc.field, message=exc.message)]
        return problem(exc.http_status, exc.code, detail, errors=errors)
    if isinstance(exc, QueryRefused):
        return problem(exc.http_status, exc.code, detail, errors=exc.errors)
    if exc.http_status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return problem(exc.http_status, exc.code, detail, headers=headers)


# Pydantic's URL messages speak of parsing ("Input should be a valid URL,
# relative URL without a base"): what a person should type instead.
_URL_WORDS = "use a full address starting with https://, e.g. https://api.example.com"
# And the number types' ("Input should be a valid integer, unable to parse
# string as an integer").
_WORDED_TYPES = {
    "url_parsing": _URL_WORDS,
    "url_scheme": _URL_WORDS,
    "url_type": _URL_WORDS,
    "int_parsing": "use a whole number",
    "int_from_float": "use a whole number",
    "int_type": "use a whole number",
    "float_parsing": "use a number",
    "float_type": "use a number",
}


def _message(error: Any) -> str:
    # Pydantic prefixes a validator's ValueError with "Value error, "; the
    # rest is Pulse's own wording, meant to be shown as it is.
    msg = str(error["msg"])
    if error.get("type") in _WORDED_TYPES:
        return _WORDED_TYPES[str(error["type"])]
    if error.get("type") == "string_pattern_mismatch":
        # Never the regular expression: what it allows, in words.
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        return patterns.words(pattern) or "contains characters that are not allowed"
    return msg.removeprefix("Value error, ") if error.get("type") == "value_error" else msg


def _field_error(error: Any) -> FieldError:
    if error.get("type") == "json_invalid":
        # FastAPI puts the character offset where the field would be
        # ("body", 6): the field is the body, the offset goes in the words.
        reason = str((error.get("ctx") or {}).get("error", "")).lower() or "cannot be decoded"
        where = error["loc"][-1] if len(error["loc"]) > 1 else None
        at = f" at character {where}" if isinstance(where, int) else ""
        return FieldError(field="body", message=f"not valid JSON: {reason}{at}")
    return FieldError(field=_field(error["loc"]), message=_message(error))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(e) for e in exc.errors()]
    names = ", ".join(sorted({e.field for e in errors}))
    return problem(422, "invalid_input", f"invalid value for: {names}", errors=errors)


# FastAPI's words when the JSON decoder itself fails (e.g. a RecursionError on
# a body nested thousands of levels deep): they do not say what to change.
_FASTAPI_BODY_ERROR = "There was an error parsing the body"
_BODY_UNREADABLE = (
    "the request body could not be read as JSON: it is nested too deeply or malformed"
)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "error")
    if detail == _FASTAPI_BODY_ERROR:
        detail = _BODY_UNREADABLE
    return problem(exc.status_code, code, detail, headers=exc.headers)


QUERY_TIMEOUT = (
    "the query ran longer than the server allows and was cancelled; "
    "try a shorter period or fewer filters"
)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A statement cancelled at the backend's statement timeout (the pools
    are shared by every tenant: a slow statement gives its connection
    back) or a connection lost mid-request: a 503 saying which, not a 500."""
    assert isinstance(exc, sqlalchemy.exc.OperationalError)
    if isinstance(exc.orig, psycopg.errors.QueryCanceled):
        log.warning("statement cancelled", category="DB", path=request.url.path)
        return problem(503, "query_timeout", QUERY_TIMEOUT)
    if exc.connection_invalidated:
        return await _pulse_error(request, BackendUnavailable("postgresql", "connection lost"))
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The log line keeps the traceback for operators; the client gets nothing of it.
    log.error("unhandled error", category="ERROR", error=type(exc).__name__, exc_info=exc)
    return problem(500, "internal_error", "internal error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(PulseError, _pulse_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(sqlalchemy.exc.OperationalError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
