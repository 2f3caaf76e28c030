"""Bad input for the operations of the backend's OpenAPI document (the
values, how a request carries them) and what every answer to it must be:
below 500, a problem+json body of the documented ``Problem`` shape, a 422
naming the field a value is surely wrong for, no traceback, no secret.

Values are raw text: a body field's as JSON text (``1e309`` and a lone
surrogate have no Python value ``json.dumps`` would write), a query or path
parameter's as the URL carries it (percent-encoded)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pulse_backend.errors import Problem

MB = 1_000_000


@dataclass(frozen=True)
class Bad:
    label: str
    json: str  # as a body field's JSON text
    url: str  # as a query or path parameter, percent-encoded


BAD: list[Bad] = [
    Bad("wrong type (object)", '{"a": [1]}', "%7B%7D"),
    Bad("wrong type (list)", "[1, 2]", "abc"),
    Bad("wrong type (bool)", "true", "maybe"),
    Bad("empty", '""', ""),
    # A URL carries at most 64 KiB through httpx (servers stop far sooner).
    Bad("huge string", json.dumps("x" * MB), "x" * 32_000),
    Bad("2**63", str(2**63), str(2**63)),
    Bad("-1", "-1", "-1"),
    Bad("1e309", "1e309", "1e309"),
    Bad("NUL", '"a\\u0000b"', "a%00b"),
    Bad("lone surrogate", '"a\\ud800b"', "a%ED%A0%80b"),
    Bad("date 0000-00-00", '"0000-00-00"', "0000-00-00"),
    Bad("date 10000-01-01", '"10000-01-01"', "10000-01-01"),
    Bad("date 2026-02-30", '"2026-02-30"', "2026-02-30"),
    Bad("zone Mars/Base", '"Mars/Base"', "Mars%2FBase"),
]
# Path parameters also get traversal (encoded, so that it reaches the route).
TRAVERSAL = ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "..%5C..%5Cwindows"]


def nested_json(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@dataclass
class Operation:
    method: str
    path: str
    op: dict[str, Any]
    spec: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    def params(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.op.get("parameters", []) if p["in"] == where]

    @property
    def body_schema(self) -> dict[str, Any] | None:
        content = self.op.get("requestBody", {}).get("content", {})
        found = content.get("application/json", {}).get("schema")
        return resolve(self.spec, found) if found else None

    @property
    def fields(self) -> dict[str, dict[str, Any]]:
        schema = self.body_schema or {}
        return dict(schema.get("properties", {}))

    @property
    def has_body(self) -> bool:
        return "requestBody" in self.op


def operations(spec: dict[str, Any]) -> list[Operation]:
    return [
        Operation(method.upper(), path, op, spec)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    ]


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not ref:
        return schema
    found: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return found


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    rebased = json.loads(json.dumps(schema).replace('"#/components', '"urn:spec#/components'))
    return Draft202012Validator(rebased, registry=registry)


def surely_invalid(spec: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    """The value breaks the field's own schema (type, bounds, length,
    pattern, enum): the app must refuse it by the field's name."""
    return not _validator(spec, schema).is_valid(value)


def query_value(schema: dict[str, Any], text: str) -> Any:
    """What a query parameter's text stands for under its schema's type."""
    types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    if "array" in types:
        return [text]
    if types & {"integer", "number", "boolean"}:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def url_text(encoded: str) -> str:
    return unquote(encoded, errors="replace")


def quoted(text: str) -> str:
    return quote(text, safe="")


@dataclass
class Expect:
    """What every answer must satisfy; ``secrets`` must never show."""

    secrets: list[str]
    failures: list[str] = field(default_factory=list)

    def check(self, what: str, r: httpx.Response, names: str | None = None) -> None:
        def fail(why: str) -> None:
            self.failures.append(f"{what}: {why} -> {r.status_code} {r.text[:300]!r}")

        if r.status_code >= 500:
            fail("a 5xx")
        if "Traceback" in r.text or 'File "/' in r.text:
            fail("a traceback")
        for secret in self.secrets:
            if secret and secret in r.text:
                fail("a secret in the answer")
        if r.status_code < 400:
            return
        if not r.headers.get("content-type", "").startswith("application/problem+json"):
            fail("not problem+json")
            return
        try:
            body = Problem.model_validate(r.json())
        except ValueError:
            fail("not the Problem shape")
            return
        if body.status != r.status_code or not body.detail.strip():
            fail("status or detail wrong")
        if r.status_code == 422 and names is not None:
            named = {e.field for e in body.errors or []}
            if not any(n == names or n.startswith(names + ".") for n in named):
                fail(f"422 without naming {names!r} (named {sorted(named)})")
