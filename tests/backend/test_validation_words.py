"""Pattern mismatches answer with what is allowed, in words, never with the
regular expression ("String should match pattern '^[a-z0-9]...'"), in the
API's 422 problem format naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from pulse_common import patterns
from tests.backend.conftest import Session

PROVIDER = {
    "name": "Bad Name",
    "type": "ai",
    "api_key": "sk-test",
    "config": {"kind": "openai-compatible", "base_url": "https://x.example", "model": "m"},
}


def _errors(r: Any) -> dict[str, str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "invalid_input" and body["status"] == 422
    assert "pattern" not in r.text and "^" not in r.text, r.text
    return {e["field"]: e["message"] for e in body["errors"]}


def test_pattern_mismatches_say_what_is_allowed(client: TestClient, admin: Session) -> None:
    r = client.post("/api/v1/ai-providers", json=PROVIDER, headers=admin.headers)
    assert _errors(r) == {
        "name": "use 1-63 lowercase letters, digits and dashes, starting with a letter or digit"
    }
    assert r.json()["detail"] == "invalid value for: name"

    branding = {"primary_color": "blue", "secondary_color": "#0B1F3A"}
    r = client.put("/api/v1/settings/branding", json=branding, headers=admin.headers)
    assert _errors(r) == {"primary_color": "use a colour as #RRGGBB, e.g. #1F6FEB"}

    r = client.put("/api/v1/settings/features/Bad-Flag", json={}, headers=admin.headers)
    assert _errors(r)["name"] == (
        "use 2-41 lowercase letters, digits and underscores, starting with a letter"
    )

    login = {"tenant": "Not A Slug", "email": "a@b.example", "password": "x"}
    assert _errors(client.post("/api/v1/auth/login", json=login)) == {
        "tenant": "use 3-30 lowercase letters, digits and dashes, starting with a letter "
        "and ending with a letter or digit"
    }

    r = client.get("/api/v1/logs", params={"category": "auth"}, headers=admin.headers)
    assert _errors(r) == {"category.0": "use 2-20 uppercase letters"}


def test_a_malformed_address_is_explained_in_words(client: TestClient, admin: Session) -> None:
    for url in ("not a url", "ftp://x.example", "https://"):
        body = {**PROVIDER, "name": "ok-name", "config": {**PROVIDER["config"], "base_url": url}}
        r = client.post("/api/v1/ai-providers", json=body, headers=admin.headers)
        assert _errors(r) == {
            "config.base_url": "use a full address starting with https://,"
            " e.g. https://api.example.com"
        }, url
        assert "relative URL" not in r.text and "scheme" not in r.text


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def test_every_pattern_of_the_api_is_worded(client: TestClient) -> None:
    found = set(_patterns(client.app.openapi()))  # type: ignore[attr-defined]
    assert found, "the OpenAPI document names no pattern: the walk is wrong"
    assert {p for p in found if patterns.words(p) is None} == set()


def test_a_number_that_is_not_one_is_explained_in_words(client: TestClient, admin: Session) -> None:
    # Not pydantic's "Input should be a valid integer, unable to parse
    # string as an integer": what to type instead.
    r = client.get("/api/v1/analytics/lead-time", params={"limit": "ten"}, headers=admin.headers)
    assert _errors(r) == {"limit": "use a whole number"}
    r = client.get("/api/v1/analytics/lead-time", params={"limit": "2.5"}, headers=admin.headers)
    assert _errors(r) == {"limit": "use a whole number"}


def test_a_body_that_is_not_json_names_the_body_not_a_character_offset(
    client: TestClient, admin: Session
) -> None:
    # FastAPI puts the decoder's character offset where the field goes
    # ("field": "6"), which a form cannot show next to anything.
    headers = {**admin.headers, "Content-Type": "application/json"}
    r = client.post("/api/v1/ai-providers", content=b'{"name": ', headers=headers)
    assert _errors(r) == {"body": "not valid JSON: expecting value at character 9"}

    deep = b"[" * 10_000 + b"]" * 10_000
    r = client.post("/api/v1/ai-providers", content=deep, headers=headers)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == (
        "the request body could not be read as JSON: it is nested too deeply or malformed"
    )
