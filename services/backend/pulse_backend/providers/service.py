"""AI and embedding providers: rows of ``integrations`` of type ``ai`` or
``embedding`` with the routing config in ``settings`` and the API key in
``credentials_encrypted``.

The key is sealed with the platform key ring (``pulse_backend.crypto``,
AES-256-GCM, the key id stored with the ciphertext) and bound to the tenant
and provider name as associated data, so a ciphertext copied to another
row or tenant does not decrypt. It never leaves the server: responses carry
only ``has_credentials`` and its last four characters, which are stored in
clear next to the config (``credentials_last4``) so that listing never
decrypts. Names are immutable because they are part of the binding.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy.exc
import structlog
from pydantic import SecretStr
from sqlalchemy import Connection, Row, delete, insert, select, update

from pulse_backend.context import Principal
from pulse_backend.crypto import DecryptionFailed, EncryptionKeys
from pulse_backend.errors import FieldConflict, FieldInvalid
from pulse_backend.providers.models import (
    DataIntegrationOut,
    ProviderConfig,
    ProviderCreate,
    ProviderOut,
    ProviderPatch,
    ProviderType,
    RotationResult,
    SyncStatus,
)
from pulse_common.errors import Conflict, NotFound
from pulse_common.models.base import table_of
from pulse_common.models.enums import IntegrationType
from pulse_common.models.tenant_settings import EtlJob, Integration

log = structlog.get_logger("pulse_backend.providers")
_T = table_of(Integration)
_JOBS = table_of(EtlJob)
_PROVIDER_TYPES = (IntegrationType.ai, IntegrationType.embedding)
LAST4 = "credentials_last4"


class ProviderNotFound(NotFound):
    code = "provider_not_found"


class CredentialsUnreadable(Conflict):
    """Sealed with a key the platform no longer has, or copied from another
    row: only a new key helps."""

    code = "credentials_unreadable"


def _aad(slug: str, name: str) -> str:
    return f"tenant:{slug}:provider:{name}"


def _out(row: Row[Any]) -> ProviderOut:
    m = row._mapping
    settings = dict(m["settings"])
    last4 = settings.pop(LAST4, None)
    return ProviderOut(
        id=m["id"],
        name=m["name"],
        type=ProviderType(m["type"]),
        active=m["active"],
        config=ProviderConfig.model_validate(settings),
        has_credentials=m["credentials_encrypted"] is not None,
        credentials_last4=last4,
        created_at=m["created_at"],
        last_updated_at=m["last_updated_at"],
    )


def _row(conn: Connection, provider_id: int, *, for_update: bool = False) -> Row[Any]:
    stmt = select(_T).where(_T.c.id == provider_id, _T.c.type.in_(_PROVIDER_TYPES))
    row = conn.execute(stmt.with_for_update() if for_update else stmt).first()
    if row is None:
        raise ProviderNotFound(f"no AI or embedding provider with id {provider_id}")
    return row


def _settings(config: ProviderConfig, last4: str | None) -> dict[str, Any]:
    out = config.model_dump(mode="json")
    if last4 is not None:
        out[LAST4] = last4
    return out


def _seal(keys: EncryptionKeys, slug: str, name: str, secret: SecretStr) -> tuple[bytes, str]:
    value = secret.get_secret_value()
    if not value.strip():
        raise FieldInvalid("api_key", "must not be blank")
    return keys.encrypt(value, _aad(slug, name)).encode(), value[-4:]


def _check_fallback(
    conn: Connection, name: str, type_: ProviderType, config: ProviderConfig
) -> None:
    if config.fallback is None:
        return
    if config.fallback == name:
        raise FieldInvalid("config.fallback", "a provider cannot fall back to itself")
    other = conn.execute(
        select(_T.c.type).where(_T.c.name == config.fallback, _T.c.type.in_(_PROVIDER_TYPES))
    ).scalar_one_or_none()
    if other is None:
        raise FieldInvalid("config.fallback", f"no provider named {config.fallback!r}")
    if other != type_.value:
        raise FieldInvalid(
            "config.fallback", f"{config.fallback!r} is not an {type_.value} provider"
        )


def list_providers(conn: Connection) -> list[ProviderOut]:
    rows = conn.execute(select(_T).where(_T.c.type.in_(_PROVIDER_TYPES)).order_by(_T.c.id))
    return [_out(r) for r in rows]


def get_provider(conn: Connection, provider_id: int) -> ProviderOut:
    return _out(_row(conn, provider_id))


def create_provider(
    conn: Connection, keys: EncryptionKeys, principal: Principal, body: ProviderCreate
) -> ProviderOut:
    _check_fallback(conn, body.name, body.type, body.config)
    sealed, last4 = (None, None)
    if body.api_key is not None:
        sealed, last4 = _seal(keys, principal.slug, body.name, body.api_key)
    try:
        with conn.begin_nested():
            row = conn.execute(
                insert(_T)
                .values(
                    tenant_id=principal.tenant_id,
                    name=body.name,
                    type=body.type.value,
                    provider=body.config.kind.value,
                    base_url=_url(body.config),
                    credentials_encrypted=sealed,
                    settings=_settings(body.config, last4),
                )
                .returning(*_T.c)
            ).one()
    except sqlalchemy.exc.IntegrityError:
        raise FieldConflict("name", "an integration with this name already exists") from None
    log.info("provider created", category="AI", provider_id=row.id, type=body.type.value)
    return _out(row)


def _url(config: ProviderConfig) -> str | None:
    return None if config.base_url is None else str(config.base_url)


def update_provider(
    conn: Connection,
    keys: EncryptionKeys,
    principal: Principal,
    provider_id: int,
    body: ProviderPatch,
) -> ProviderOut:
    row = _row(conn, provider_id, for_update=True)
    current = _out(row)
    config = body.config or current.config
    _check_fallback(conn, current.name, current.type, config)
    values: dict[str, Any] = {"provider": config.kind.value, "base_url": _url(config)}
    last4 = current.credentials_last4
    if body.clear_api_key:
        values["credentials_encrypted"], last4 = None, None
    if body.api_key is not None:
        values["credentials_encrypted"], last4 = _seal(
            keys, principal.slug, current.name, body.api_key
        )
    if body.active is not None:
        values["active"] = body.active
    values["settings"] = _settings(config, last4)
    updated = conn.execute(
        update(_T).where(_T.c.id == provider_id).values(**values).returning(*_T.c)
    ).one()
    log.info("provider updated", category="AI", provider_id=provider_id)
    return _out(updated)


def delete_provider(conn: Connection, provider_id: int) -> None:
    row = _row(conn, provider_id, for_update=True)
    referrers = (
        conn.execute(
            select(_T.c.name).where(
                _T.c.type.in_(_PROVIDER_TYPES), _T.c.settings["fallback"].astext == row.name
            )
        )
        .scalars()
        .all()
    )
    if referrers:
        raise Conflict(f"provider {row.name!r} is the fallback of {', '.join(referrers)}")
    conn.execute(delete(_T).where(_T.c.id == provider_id))
    log.info("provider deleted", category="AI", provider_id=provider_id)


def credentials(
    conn: Connection, keys: EncryptionKeys, slug: str, provider_id: int
) -> tuple[ProviderOut, str | None]:
    """The provider and its decrypted API key, for server-side use only."""
    row = _row(conn, provider_id)
    sealed = row.credentials_encrypted
    if not sealed:
        return _out(row), None
    try:
        return _out(row), keys.decrypt(bytes(sealed).decode(), _aad(slug, row.name))
    except DecryptionFailed:
        log.error("provider credentials unreadable", category="AI", provider_id=provider_id)
        raise CredentialsUnreadable(
            "the stored API key cannot be decrypted with the platform keys; set it again"
        ) from None


def rotate(conn: Connection, keys: EncryptionKeys, slug: str) -> RotationResult:
    """Re-encrypts every credential not sealed with the active key."""
    rows = conn.execute(
        select(_T.c.id, _T.c.name, _T.c.credentials_encrypted)
        .where(_T.c.credentials_encrypted.is_not(None))
        .with_for_update()
    ).all()
    count = unreadable = 0
    for row in rows:
        token = bytes(row.credentials_encrypted).decode()
        if not keys.needs_reencrypt(token):
            continue
        try:
            plain = keys.decrypt(token, _aad(slug, row.name))
        except DecryptionFailed:
            # Left as it is (its key may come back); reported, not fatal.
            unreadable += 1
            continue
        sealed = keys.encrypt(plain, _aad(slug, row.name)).encode()
        conn.execute(update(_T).where(_T.c.id == row.id).values(credentials_encrypted=sealed))
        count += 1
    log.info(
        "credentials re-encrypted",
        category="AI",
        count=count,
        unreadable=unreadable,
        active_key=keys.active,
    )
    return RotationResult(reencrypted=count, unreadable=unreadable, active_key=keys.active)


def list_data_integrations(conn: Connection) -> list[DataIntegrationOut]:
    rows = conn.execute(
        select(_T).where(_T.c.type == IntegrationType.data.value).order_by(_T.c.id)
    ).all()
    jobs = conn.execute(select(_JOBS).order_by(_JOBS.c.job_name)).mappings().all()
    by_integration: dict[int, list[SyncStatus]] = {}
    for j in jobs:
        if j["integration_id"] is not None:
            by_integration.setdefault(j["integration_id"], []).append(
                SyncStatus.model_validate(dict(j))
            )
    return [
        DataIntegrationOut(
            id=r.id,
            name=r.name,
            provider=r.provider,
            base_url=r.base_url,
            active=r.active,
            last_sync_at=r.last_sync_at,
            # Data integrations keep no secret in settings (the token is a
            # Kubernetes Secret mounted into the ETL), but be sure anyway.
            settings={k: v for k, v in dict(r.settings).items() if "token" not in k.lower()},
            jobs=by_integration.get(r.id, []),
        )
        for r in rows
    ]
