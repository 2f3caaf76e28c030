"""Drill-down pages passed to a response body as the statement wrote them.

Every figure's statement returns its drill-down page as a JSON array
(``common.parse_page``), and the API's answer is JSON again: parsing the
page into models only to write them out once more cost 0.25-0.6 ms of an
uncached request that takes 5-10 ms (docs/metrics.md, stop 20). Within
``passing_pages()`` (the backend's analytics miss) ``parse_page`` keeps the
text instead and returns a ``RawPage``: an empty tuple standing in for the
rows, which a ``Page`` field keeps as it is and writes out as a marker
string; ``splice`` then puts each page's text where its marker is.

The text is PostgreSQL's JSON of exactly the fields the page's model
declares, so the body is the one the models would write but for notation:
timestamps as PostgreSQL writes them (the analytics transaction pins the
time zone to UTC: ``+00:00`` where pydantic writes ``Z``; fractions of a
second without trailing zeros) and whole numbers of a float column without
``.0``. tests/backend/test_analytics_api.py holds every route's body to
the service function's figure (parsed by the response model) and every
page's rows to their model's fields; tests/dora/test_raw_pages.py the
mechanism.

Outside ``passing_pages()`` (the assistant, insights, tests) pages are
parsed as before.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, TypeVar, get_args

from pydantic import (
    BaseModel,
    GetCoreSchemaHandler,
    SerializationInfo,
    SerializerFunctionWrapHandler,
)
from pydantic_core import core_schema

T = TypeVar("T")

# Per process, so that no row's text can hold a marker by chance.
_TOKEN = secrets.token_hex(16)
_pages: ContextVar[list[str] | None] = ContextVar("raw_pages", default=None)


class RawPage(tuple[Any, ...]):
    """A page kept as JSON text: empty as a tuple, its text in the list of
    the enclosing ``passing_pages()`` at ``position``."""

    position: int  # not ``index``: tuple's method

    def __new__(cls, position: int) -> RawPage:
        page = super().__new__(cls, ())
        page.position = position
        return page

    @property
    def marker(self) -> str:
        return f"{_TOKEN}-{self.position}"


class SplicingError(RuntimeError):
    """A kept page has no marker in the body: a field that is not a ``Page``
    received it (and would have written it as an empty list)."""


@contextmanager
def passing_pages() -> Iterator[list[str]]:
    """Within the block, ``kept`` keeps pages as text; the list collects them."""
    pages: list[str] = []
    token = _pages.set(pages)
    try:
        yield pages
    finally:
        _pages.reset(token)


def kept(page: str) -> RawPage | None:
    """``page`` kept as text when passing pages, else None (parse it)."""
    pages = _pages.get()
    if pages is None:
        return None
    pages.append(page)
    return RawPage(len(pages) - 1)


def splice(body: bytes, pages: Sequence[str]) -> bytes:
    """``body`` with each kept page's text in place of its marker."""
    for index, page in enumerate(pages):
        marker = f'"{_TOKEN}-{index}"'.encode()
        if marker not in body:
            raise SplicingError(f"page {index} has no place in the body")
        body = body.replace(marker, page.encode(), 1)
    return body


def _validate(value: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> Any:
    return value if isinstance(value, RawPage) else handler(value)


def _serialize(value: Any, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
    if isinstance(value, RawPage):
        # Python mode (model_dump) sees the tuple it is: no rows.
        return value.marker if info.mode_is_json() else ()
    return handler(value)


class _PassThrough:
    """A ``tuple[T, ...]`` field that also holds a ``RawPage``; its JSON
    schema is the tuple's."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        inner = handler(source)
        return core_schema.no_info_wrap_validator_function(
            _validate,
            inner,
            serialization=core_schema.wrap_serializer_function_ser_schema(
                _serialize, schema=inner, info_arg=True
            ),
        )


Page = Annotated[tuple[T, ...], _PassThrough()]


def pages_of(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """``model``'s ``Page`` fields and the model of their rows."""
    return {
        name: get_args(field.annotation)[0]
        for name, field in model.model_fields.items()
        if any(isinstance(m, _PassThrough) for m in field.metadata)
    }
