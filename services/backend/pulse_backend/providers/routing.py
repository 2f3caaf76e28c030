"""The tenant's provider rows, with their keys decrypted, as the router's
``ProviderEntry`` list. A row whose key cannot be decrypted is left out
(and logged without the key) rather than failing every AI call: the router
then falls back to the others, and the admin sees the row as unreadable."""

from __future__ import annotations

import structlog
from sqlalchemy import Connection, select

from pulse_backend.crypto import EncryptionKeys
from pulse_backend.providers.service import _PROVIDER_TYPES, _T, CredentialsUnreadable, credentials
from pulse_common.ai.metrics import SqlMetricsRecorder
from pulse_common.ai.routing import ProviderEntry, Router

log = structlog.get_logger("pulse_backend.providers")


def provider_entries(conn: Connection, keys: EncryptionKeys, slug: str) -> list[ProviderEntry]:
    ids = conn.execute(
        select(_T.c.id).where(_T.c.type.in_(_PROVIDER_TYPES), _T.c.active).order_by(_T.c.id)
    ).scalars()
    entries: list[ProviderEntry] = []
    for provider_id in ids:
        try:
            provider, api_key = credentials(conn, keys, slug, provider_id)
        except CredentialsUnreadable:
            log.warning("provider skipped by routing", category="AI", provider_id=provider_id)
            continue
        entries.append(
            ProviderEntry(provider.name, provider.type, provider.config, api_key, provider.active)
        )
    return entries


def build_router(
    conn: Connection, keys: EncryptionKeys, slug: str, recorder: SqlMetricsRecorder | None
) -> Router:
    """Read the rows in the caller's transaction, then use the router after
    it has closed: provider calls must not hold a database connection."""
    return Router(provider_entries(conn, keys, slug), recorder)
