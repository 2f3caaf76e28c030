"""Tenant branding against the real primary/replica and Redis: the platform
default and the tenant override (and reset), WCAG contrast of every
computed text colour, the colour cache, the settings-changed event, logo
upload (sniffed, sanitised, ETag), feature flags, and tenant separation."""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from pulse_common.provisioning import apply_tenant_branding
from pulse_common.provisioning.models import Branding
from tests.backend.conftest import Platform, Session, TenantInfo, admin_session, invite_and_login
from tests.backend.support import tenant_sql, wait_until


def _lum(hex_color: str) -> float:
    # An independent WCAG 2.x relative luminance (not the code under test).
    out = []
    for i in (1, 3, 5):
        c = int(hex_color[i : i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]


def ratio(a: str, b: str) -> float:
    hi, lo = sorted((_lum(a), _lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def png(width: int = 2, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def webp() -> bytes:
    body = b"WEBP" + b"VP8L" + struct.pack("<I", 6) + b"\x2f\x00\x00\x00\x00\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


SVG_OK = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="5" fill="#123456"/><use href="#a"/></svg>'


def _branding(client: TestClient, s: Session) -> dict[str, Any]:
    r = client.get("/api/v1/settings/branding", headers=s.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _assert_accessible(body: dict[str, Any]) -> None:
    for mode in ("light", "dark"):
        scheme = body[mode]
        for base in ("primary", "secondary", "accent", "surface"):
            assert ratio(scheme[f"on_{base}"], scheme[f"{base}_color"]) >= 4.5, (mode, base, scheme)


def test_platform_default_then_override_then_reset(client: TestClient, admin: Session) -> None:
    body = _branding(client, admin)
    assert body["source"] == "platform"
    assert body["light"]["primary_color"] == "#1F6FEB"  # the spec default
    _assert_accessible(body)

    r = client.put(
        "/api/v1/settings/branding",
        json={
            "primary_color": "#ffd700",
            "secondary_color": "#00ff00",
            "dark": {"text_color": "#FAFAFA"},
        },
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "tenant"
    assert body["light"]["primary_color"] == "#FFD700"
    assert body["dark"]["text_color"] == "#FAFAFA"
    # Gold and lime need dark text; the computed colours say so.
    assert body["light"]["on_primary"] != "#FFFFFF"
    _assert_accessible(body)
    assert _branding(client, admin) == body

    r = client.delete("/api/v1/settings/branding", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "platform"
    assert r.json()["light"]["primary_color"] == "#1F6FEB"


@pytest.mark.parametrize(
    "brand",
    ["#000000", "#FFFFFF", "#777777", "#FF0000", "#0000FF", "#FFFF00", "#808000", "#00FFFF"],
)
def test_every_brand_colour_gets_text_of_at_least_4_5(
    client: TestClient, module_admin: Session, brand: str
) -> None:
    admin = module_admin  # each case overwrites the override and reads its own answer
    # White cannot be the primary colour (the next test); it can be the top bar's.
    primary = "#000000" if brand == "#FFFFFF" else brand
    r = client.put(
        "/api/v1/settings/branding",
        json={"primary_color": primary, "secondary_color": brand},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    _assert_accessible(r.json())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"primary_color": "#FFFFFF"}, "primary_color"),
        ({"primary_color": "#F5F5F5"}, "primary_color"),
        ({"primary_color": "#FFFFE0"}, "primary_color"),
        ({"primary_color": "#1F6FEB", "dark": {"primary_color": "#0D1117"}}, "dark.primary_color"),
        (
            {"primary_color": "#1F6FEB", "light": {"primary_color": "#FAFAFA"}},
            "light.primary_color",
        ),
    ],
)
def test_a_primary_colour_the_page_swallows_is_refused_naming_the_field_and_why(
    client: TestClient, module_admin: Session, body: dict[str, Any], field: str
) -> None:
    """White on white: the buttons and the selected navigation item vanished."""
    admin = module_admin
    good = {"primary_color": "#123456", "secondary_color": "#654321"}
    assert client.put("/api/v1/settings/branding", json=good, headers=admin.headers).is_success
    r = client.put(
        "/api/v1/settings/branding",
        json={"secondary_color": "#0B1F3A", **body},
        headers=admin.headers,
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "primary_color_invisible"
    assert [e["field"] for e in problem["errors"]] == [field]
    message = problem["errors"][0]["message"]
    assert "too close to the" in message and "at least 20" in message, message
    assert _branding(client, admin)["light"]["primary_color"] == "#123456"


@pytest.mark.parametrize("brand", ["#FFD600", "#FFFF00", "#FFEE88", "#000000", "#0B1F3A"])
def test_bright_and_dark_brand_colours_stay_usable_in_both_modes(
    client: TestClient, module_admin: Session, brand: str
) -> None:
    """Yellow gets dark text; black (and navy) are lightened in dark mode
    until they reach 3:1 on the dark page (black became #333333, 1.5:1)."""
    r = client.put(
        "/api/v1/settings/branding",
        json={"primary_color": brand, "secondary_color": "#0B1F3A"},
        headers=module_admin.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    _assert_accessible(body)
    dark = body["dark"]
    assert ratio(dark["primary_color"], dark["background_color"]) >= 3, dark
    assert ratio(dark["primary_color"], "#161B22") >= 3, dark  # the web app's dark cards


def test_a_malformed_colour_is_refused_in_words(client: TestClient, admin: Session) -> None:
    r = client.put(
        "/api/v1/settings/branding",
        json={"primary_color": "#12345", "secondary_color": "#000000"},
        headers=admin.headers,
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "primary_color", "message": "use a colour as #RRGGBB, e.g. #1F6FEB"}
    ]


def test_unreadable_text_is_refused_naming_the_field_and_keeps_the_old_override(
    client: TestClient, admin: Session
) -> None:
    good = {"primary_color": "#123456", "secondary_color": "#654321"}
    assert (
        client.put("/api/v1/settings/branding", json=good, headers=admin.headers).status_code == 200
    )
    bad = {**good, "light": {"text_color": "#EEEEEE"}}
    r = client.put("/api/v1/settings/branding", json=bad, headers=admin.headers)
    assert r.status_code == 422
    problem = r.json()
    assert problem["errors"][0]["field"] == "light.text_color"
    assert "4.5" in problem["errors"][0]["message"]
    r = client.put(
        "/api/v1/settings/branding",
        json={"primary_color": "blue", "secondary_color": "#000000"},
        headers=admin.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "primary_color"
    assert _branding(client, admin)["light"]["primary_color"] == "#123456"


def test_operator_default_changes_show_unless_overridden(
    client: TestClient, admin: Session, platform: Platform, redis_admin: redis.Redis
) -> None:
    t = admin.tenant
    client.put(
        "/api/v1/settings/branding",
        json={"primary_color": "#101010", "secondary_color": "#202020"},
        headers=admin.headers,
    )
    apply_tenant_branding(platform.engine, t.slug, t.tenant_id, Branding(primary_color="#AA0000"))
    redis_admin.delete(f"t:{t.slug}:colors")  # the cache TTL would do it in a minute
    assert _branding(client, admin)["light"]["primary_color"] == "#101010"
    r = client.delete("/api/v1/settings/branding", headers=admin.headers)
    assert r.json()["light"]["primary_color"] == "#AA0000"


def test_colour_cache_in_redis_and_dropped_on_change(
    client: TestClient, admin: Session, redis_admin: redis.Redis
) -> None:
    key = f"t:{admin.tenant.slug}:colors"
    first = _branding(client, admin)
    cached = redis_admin.get(key)
    assert cached is not None and json.loads(cached) == first
    assert 0 < redis_admin.ttl(key) <= 60
    _branding(client, admin)
    metrics = client.get("/metrics").text
    assert 'pulse_cache_requests_total{cache="colors",result="hit"} 1.0' in metrics
    client.put(
        "/api/v1/settings/branding",
        json={"primary_color": "#336699", "secondary_color": "#000000"},
        headers=admin.headers,
    )
    assert json.loads(redis_admin.get(key) or "{}")["light"]["primary_color"] == "#336699"


def test_settings_change_is_published_on_the_tenant_channel(
    client: TestClient, admin: Session, redis_admin: redis.Redis
) -> None:
    pubsub = redis_admin.pubsub()
    pubsub.subscribe(f"t:{admin.tenant.slug}:events")
    wait_until(lambda: pubsub.get_message(timeout=0.1))  # the subscribe confirmation
    r = client.put(
        "/api/v1/settings/features/beta_search", json={"enabled": True}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    message = wait_until(lambda: pubsub.get_message(timeout=0.1))
    event = json.loads(message["data"])
    assert event["type"] == "settings.changed" and event["what"] == "feature:beta_search"
    pubsub.close()


def test_viewer_reads_but_cannot_change(client: TestClient, admin: Session) -> None:
    viewer = invite_and_login(client, admin, "viewer")
    assert client.get("/api/v1/settings/branding", headers=viewer.headers).status_code == 200
    for method, path, kwargs in [
        (
            "PUT",
            "/api/v1/settings/branding",
            {"json": {"primary_color": "#000000", "secondary_color": "#000000"}},
        ),
        ("DELETE", "/api/v1/settings/branding", {}),
        (
            "PUT",
            "/api/v1/settings/branding/logo",
            {"files": {"file": ("l.png", png(), "image/png")}},
        ),
        ("PUT", "/api/v1/settings/features/ai", {"json": {"enabled": True}}),
    ]:
        r = client.request(method, path, headers=viewer.headers, **kwargs)
        assert r.status_code == 403 and r.json()["code"] == "permission_denied", (method, path)


def _upload(
    client: TestClient, s: Session, data: bytes, name: str = "logo.png", ctype: str = "image/png"
) -> Any:
    return client.put(
        "/api/v1/settings/branding/logo", files={"file": (name, data, ctype)}, headers=s.headers
    )


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (png(), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9", "image/jpeg"),
        (webp(), "image/webp"),
        (SVG_OK, "image/svg+xml"),
    ],
)
def test_logo_upload_is_served_with_etag_and_cache_headers(
    client: TestClient, module_admin: Session, data: bytes, content_type: str
) -> None:
    admin = module_admin  # each case uploads its own logo and deletes it
    # The declared name and type lie on purpose: the content decides.
    r = _upload(client, admin, data, name="logo.txt", ctype="text/plain")
    assert r.status_code == 200, r.text
    assert r.json()["logo_source"] == "tenant"
    url = r.json()["logo_url"]
    got = client.get(url, headers=admin.headers)
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"].startswith(content_type)
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "private" in got.headers["cache-control"]
    etag = got.headers["etag"]
    again = client.get(url, headers={**admin.headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    if content_type == "image/svg+xml":
        assert "sandbox" in got.headers["content-security-policy"]
    assert client.delete("/api/v1/settings/branding/logo", headers=admin.headers).status_code == 200
    gone = client.get(url, headers=admin.headers)
    assert gone.status_code == 404 and gone.json()["code"] == "logo_not_set"


BAD_LOGOS = {
    "text named png": (b"hello, I am not an image", "not a PNG, JPEG, WebP or SVG"),
    "truncated png": (b"\x89PNG\r\n\x1a\n\x00\x00", "not a PNG"),
    "script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "<script>",
    ),
    "event handler": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "event handlers",
    ),
    "external image": (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="https://evil.example/x.png"/></svg>',
        "outside itself",
    ),
    "javascript link": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
        "outside itself",
    ),
    "foreign object": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        "foreignobject",
    ),
    "entity expansion": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
        "DTD",
    ),
    "stylesheet instruction": (
        b'<?xml version="1.0"?><?xml-stylesheet href="https://evil.example/s.css"?>'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        "processing instructions",
    ),
    "css import": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/a.css);</style></svg>',
        "external resources",
    ),
    "style url": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://evil.example/#x)"/></svg>',
        "external resources",
    ),
    "not svg xml": (b"<html><body>hi</body></html>", "not an SVG"),
    "broken xml": (b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "not well-formed"),
}


@pytest.mark.parametrize("case", sorted(BAD_LOGOS))
def test_bad_logos_are_refused_with_a_clear_error(
    client: TestClient, module_admin: Session, case: str
) -> None:
    admin = module_admin  # each case first stores its own good logo
    assert _upload(client, admin, png()).status_code == 200
    data, message = BAD_LOGOS[case]
    r = _upload(client, admin, data, name="logo.svg", ctype="image/svg+xml")
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "logo_rejected"
    assert problem["errors"][0]["field"] == "file"
    assert message.lower() in problem["detail"].lower()
    # The logo already stored is untouched.
    assert client.get("/api/v1/settings/branding/logo", headers=admin.headers).content == png()


def test_oversized_logo_is_413(client: TestClient, admin: Session) -> None:
    big = png() + b"\x00" * (512 * 1024)
    r = _upload(client, admin, big)
    assert r.status_code == 413 and r.json()["code"] == "logo_too_large"


def test_feature_flags(client: TestClient, admin: Session) -> None:
    r = client.get("/api/v1/settings/features", headers=admin.headers)
    assert r.status_code == 200 and r.json()["flags"]["ai"] is False  # seeded ai.enabled
    r = client.put("/api/v1/settings/features/ai", json={"enabled": True}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["flags"]["ai"] is True
    r = client.put(
        "/api/v1/settings/features/Bad-Name", json={"enabled": True}, headers=admin.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"
    r = client.put("/api/v1/settings/features/ai", json={"enabled": "maybe"}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enabled"
    keys = {s["key"] for s in client.get("/api/v1/settings/system", headers=admin.headers).json()}
    assert "ai.enabled" in keys and "etl.default_lookback_days" in keys
    assert not any(k.startswith("dora.") for k in keys)  # dora_settings replaced them


def test_tenants_do_not_see_each_others_branding(
    client: TestClient, admin: Session, make_tenant: Any, platform: Platform
) -> None:
    other: TenantInfo = make_tenant()
    b = admin_session(client, other)
    client.put(
        "/api/v1/settings/branding",
        json={"primary_color": "#010203", "secondary_color": "#040506"},
        headers=admin.headers,
    )
    assert _upload(client, admin, png()).status_code == 200
    assert _branding(client, b)["source"] == "platform"
    assert client.get("/api/v1/settings/branding/logo", headers=b.headers).status_code == 404
    rows = tenant_sql(
        platform, other.slug, "SELECT key FROM system_settings WHERE key LIKE 'branding.%'"
    )
    assert rows == []
