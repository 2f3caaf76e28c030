"""Typed access to the tenant's ``system_settings`` rows (key -> JSON value).

Branding overrides, the uploaded logo and feature flags are stored here:
``client_color_settings`` belongs to the operator (it rewrites it from
``spec.branding`` on every change of the spec), so a tenant's own choices
must live elsewhere to survive it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert

from pulse_common.models.base import table_of
from pulse_common.models.tenant_settings import SystemSetting

_TABLE = table_of(SystemSetting)


def get(conn: Connection, key: str) -> Any | None:
    return conn.execute(select(_TABLE.c.value).where(_TABLE.c.key == key)).scalar_one_or_none()


def get_prefixed(conn: Connection, prefix: str) -> dict[str, Any]:
    rows = conn.execute(
        select(_TABLE.c.key, _TABLE.c.value)
        .where(_TABLE.c.key.startswith(prefix, autoescape=True))
        .order_by(_TABLE.c.key)
    )
    return {r.key: r.value for r in rows}


def all_settings(conn: Connection) -> list[tuple[str, Any, str | None]]:
    rows = conn.execute(
        select(_TABLE.c.key, _TABLE.c.value, _TABLE.c.description).order_by(_TABLE.c.key)
    )
    return [(r.key, r.value, r.description) for r in rows]


def put(
    conn: Connection, tenant_id: int, key: str, value: Any, description: str | None = None
) -> None:
    stmt = insert(_TABLE).values(tenant_id=tenant_id, key=key, value=value, description=description)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"value": stmt.excluded.value, "last_updated_at": stmt.excluded.last_updated_at},
        )
    )


def remove(conn: Connection, key: str) -> bool:
    return conn.execute(delete(_TABLE).where(_TABLE.c.key == key)).rowcount > 0
