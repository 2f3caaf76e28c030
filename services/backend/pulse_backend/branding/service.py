"""Branding, logo and feature flags of the caller's tenant.

Reads go through a colour cache in Redis (``t:<slug>:colors``): dropped on
every change made here and given a short TTL because the platform default
changes behind the backend's back (the operator rewrites it from the spec).
Every change publishes ``settings.changed`` on the tenant's event channel.
"""

from __future__ import annotations

import base64
import re
from typing import Literal

import redis
import structlog

from pulse_backend import events, system_settings
from pulse_backend.branding import logo as logos
from pulse_backend.branding.models import BrandingOut, BrandingUpdate, FeatureFlags
from pulse_backend.branding.schemes import (
    check_primary_visible,
    check_readable,
    overridden,
    platform_default,
    scheme,
)
from pulse_backend.context import Principal
from pulse_backend.db import tenant_write
from pulse_backend.errors import FieldInvalid
from pulse_backend.state import AppClients
from pulse_backend.tx import read_transaction
from pulse_common.errors import NotFound
from pulse_common.models.enums import ColorMode
from pulse_common.tenancy import TenantNames

log = structlog.get_logger("pulse_backend.branding")

OVERRIDE_KEY = "branding.override"
LOGO_KEY = "branding.logo"
COLOR_CACHE_SECONDS = 60
LOGO_PATH = "/api/v1/settings/branding/logo"
FLAG_SUFFIX = ".enabled"
FLAG_NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


class LogoNotSet(NotFound):
    code = "logo_not_set"


def _cache_key(slug: str) -> str:
    return f"{TenantNames(slug).key_prefix}colors"


def _compute(clients: AppClients, principal: Principal) -> BrandingOut:
    with read_transaction(clients.replica, principal.names, principal.session_id) as conn:
        default, default_logo = platform_default(conn)
        raw = system_settings.get(conn, OVERRIDE_KEY)
        logo = system_settings.get(conn, LOGO_KEY)
    override = BrandingUpdate.model_validate(raw) if raw is not None else None
    colors = overridden(override) if override is not None else default
    logo_source: Literal["platform", "tenant", "none"] = "none"
    logo_url = default_logo
    if logo is not None:
        logo_url, logo_source = f"{LOGO_PATH}?v={logo['etag']}", "tenant"
    elif default_logo:
        logo_source = "platform"
    return BrandingOut(
        source="tenant" if override is not None else "platform",
        light=scheme(ColorMode.light, colors[ColorMode.light]),
        dark=scheme(ColorMode.dark, colors[ColorMode.dark]),
        logo_url=logo_url,
        logo_source=logo_source,
    )


def get_branding(clients: AppClients, principal: Principal) -> BrandingOut:
    key = _cache_key(principal.slug)
    try:
        cached = clients.redis.get(key)
    except redis.RedisError:
        clients.metrics.redis_errors.labels("colors_from_db").inc()
        cached = None
    if isinstance(cached, str):
        clients.metrics.cache.labels("colors", "hit").inc()
        return BrandingOut.model_validate_json(cached)
    clients.metrics.cache.labels("colors", "miss").inc()
    out = _compute(clients, principal)
    try:
        clients.redis.set(key, out.model_dump_json(), ex=COLOR_CACHE_SECONDS)
    except redis.RedisError:
        clients.metrics.redis_errors.labels("colors_not_cached").inc()
    return out


def _changed(clients: AppClients, principal: Principal, what: str) -> None:
    try:
        clients.redis.delete(_cache_key(principal.slug))
    except redis.RedisError:
        # The TTL bounds how long the old colours can be served.
        clients.metrics.redis_errors.labels("colors_stale").inc()
    events.publish(
        clients.redis,
        clients.metrics,
        principal.slug,
        "settings.changed",
        what=what,
        by=principal.user_id,
    )
    log.info("settings changed", category="COLOR", what=what)


def set_branding(clients: AppClients, principal: Principal, body: BrandingUpdate) -> BrandingOut:
    check_primary_visible(body)
    check_readable(body)
    with tenant_write(clients, principal) as conn:
        system_settings.put(
            conn,
            principal.tenant_id,
            OVERRIDE_KEY,
            body.model_dump(mode="json"),
            "Tenant override of the platform branding",
        )
    _changed(clients, principal, "branding")
    return get_branding(clients, principal)


def reset_branding(clients: AppClients, principal: Principal) -> BrandingOut:
    """Back to the platform default (the operator's spec.branding); the
    uploaded logo, if any, is kept (it has its own reset)."""
    with tenant_write(clients, principal) as conn:
        system_settings.remove(conn, OVERRIDE_KEY)
    _changed(clients, principal, "branding")
    return get_branding(clients, principal)


def upload_logo(
    clients: AppClients, principal: Principal, data: bytes, max_bytes: int
) -> BrandingOut:
    logo = logos.validate(data, max_bytes)
    value = {
        "content_type": logo.content_type,
        "etag": logo.etag,
        "size": len(logo.data),
        "data": base64.b64encode(logo.data).decode(),
    }
    with tenant_write(clients, principal) as conn:
        system_settings.put(conn, principal.tenant_id, LOGO_KEY, value, "Uploaded logo")
    _changed(clients, principal, "logo")
    return get_branding(clients, principal)


def delete_logo(clients: AppClients, principal: Principal) -> BrandingOut:
    with tenant_write(clients, principal) as conn:
        system_settings.remove(conn, LOGO_KEY)
    _changed(clients, principal, "logo")
    return get_branding(clients, principal)


def read_logo(clients: AppClients, principal: Principal) -> logos.Logo:
    with read_transaction(
        clients.replica, principal.names, principal.session_id, principal.pending_lsn
    ) as conn:
        value = system_settings.get(conn, LOGO_KEY)
    if value is None:
        raise LogoNotSet("no logo uploaded; the platform default is logo_url in the branding")
    return logos.Logo(str(value["content_type"]), base64.b64decode(value["data"]))


def _flag_key(name: str) -> str:
    if not FLAG_NAME.fullmatch(name):
        raise FieldInvalid("name", "lower-case letters, digits and _ (2-41 characters)")
    return name + FLAG_SUFFIX


def get_flags(clients: AppClients, principal: Principal) -> FeatureFlags:
    with read_transaction(clients.replica, principal.names, principal.session_id) as conn:
        rows = system_settings.all_settings(conn)
    return FeatureFlags(
        flags={
            key.removesuffix(FLAG_SUFFIX): value
            for key, value, _ in rows
            if key.endswith(FLAG_SUFFIX) and isinstance(value, bool)
        }
    )


def set_flag(clients: AppClients, principal: Principal, name: str, enabled: bool) -> FeatureFlags:
    key = _flag_key(name)
    with tenant_write(clients, principal) as conn:
        system_settings.put(conn, principal.tenant_id, key, enabled, f"Feature flag {name}")
    _changed(clients, principal, f"feature:{name}")
    return get_flags(clients, principal)
