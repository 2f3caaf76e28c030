"""The guards every tenant provisioning step takes before touching shared
PostgreSQL state: the advisory locks that serialize concurrent runs, and the
ownership marks that keep one tenant's run from adopting or dropping another
tenant's roles or schema. Separate because creation (``ensure``) and the
access changes (``access``) both take them, and their ordering rule (tenant
lock before catalog lock) must hold in one place."""

from __future__ import annotations

from sqlalchemy import Connection, text

from pulse_common.errors import Conflict
from pulse_common.tenancy import ownership_mark

# Statements that change shared catalog rows (the database's ACL, role
# membership) fail with "tuple concurrently updated" when tenants are
# provisioned in parallel; a transaction-scoped advisory lock serializes just
# those, taken right before them so that it is held only until the commit
# (held for whole steps, it queued every parallel reconcile behind each
# other's role and schema work: ~14 % of reconcile time at 40 tenants).
CATALOG_LOCK = 0x50554C5345  # "PULSE"
# One tenant's own roles and schema: two runs for the same tenant (operator
# and CLI, or a deletion) never interleave, while other tenants go on.
# Two-key advisory locks live apart from the one-key CATALOG_LOCK.
TENANT_LOCK_CLASS = 0x50554C53  # "PULS"


def catalog_lock(conn: Connection) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CATALOG_LOCK})


def tenant_lock(conn: Connection, slug: str) -> None:
    """Taken before ``catalog_lock`` wherever both are held (no deadlock)."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(:k, hashtext(:s))"),
        {"k": TENANT_LOCK_CLASS, "s": slug},
    )


def claim(kind: str, name: str, mark: str | None, tenant_id: int, *, adopt: bool) -> None:
    """Refuses an object marked for another tenant id. Unmarked objects (made
    before issue 8) are adopted by ``ensure`` but never dropped."""
    expected = ownership_mark(tenant_id)
    if mark == expected or (mark is None and adopt):
        return
    raise Conflict(
        f"{kind} {name} is marked {mark or 'as nobody'!r}, not as tenant id {tenant_id}: "
        "refusing to " + ("adopt" if adopt else "drop") + " it"
    )
