"""Running the Alembic migrations from code (the operator, the CLI, tests).

The migrations live in the repository's ``migrations/`` folder; images copy it
and point ``PULSE_MIGRATIONS_DIR`` at its parent's ``alembic.ini`` location.
"""

from __future__ import annotations

import functools
import io
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from pulse_common.models import CONTROL_SCHEMA, TenantBase
from pulse_common.tenancy import TenantNames, quote_ident

# Alembic keeps the running migration in module-global proxies (alembic.context,
# alembic.op): two upgrades in threads of one process would run each other's
# DDL on the wrong connection. The operator reconciles tenants in threads, so
# every Alembic command in this process runs under one lock.
_ALEMBIC = threading.Lock()


def _locked(fn: Callable[[Config, str], None], cfg: Config, target: str) -> None:
    with _ALEMBIC:
        fn(cfg, target)


def alembic_ini() -> Path:
    root = os.environ.get("PULSE_MIGRATIONS_DIR")
    candidates = [Path(root)] if root else []
    candidates.append(Path(__file__).resolve().parents[3])
    for base in candidates:
        if (base / "alembic.ini").is_file():
            return base / "alembic.ini"
    raise FileNotFoundError(
        "alembic.ini not found: set PULSE_MIGRATIONS_DIR to the folder holding it"
    )


def _config(connection: Connection, tenant: str | None = None) -> Config:
    cfg = Config(str(alembic_ini()))
    cfg.attributes["connection"] = connection
    if tenant:
        cfg.attributes["tenant"] = tenant
    return cfg


def head(lineage: str) -> str:
    """The head revision of the ``control`` or ``tenant`` lineage."""
    script = ScriptDirectory.from_config(Config(str(alembic_ini())))
    rev = script.get_revision(f"{lineage}@head")
    assert rev is not None
    return rev.revision


def current(connection: Connection, schema: str) -> str | None:
    exists = connection.execute(
        text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{quote_ident(schema)}.alembic_version"}
    ).scalar_one()
    if not exists:
        return None
    return connection.execute(
        text(f"SELECT version_num FROM {quote_ident(schema)}.alembic_version")
    ).scalar()


def upgrade_control(connection: Connection, target: str = "control@head") -> None:
    _locked(command.upgrade, _config(connection), target)


def downgrade_control(connection: Connection, target: str = "control@base") -> None:
    _locked(command.downgrade, _config(connection), target)


def upgrade_tenant(connection: Connection, slug: str, target: str = "tenant@head") -> str | None:
    """Migrates one tenant schema (as its owner role); returns its new revision."""
    names = TenantNames(slug)
    _locked(command.upgrade, _config(connection, slug), target)
    connection.execute(text("RESET ROLE"))
    connection.execute(text("RESET search_path"))
    return current(connection, names.schema)


@functools.cache
def tenant_head_sql() -> tuple[str, str]:
    """(head revision, the SQL that builds an empty tenant schema at that head).

    Why: the online upgrade of a new tenant cost ~1.6 s of the ~2.3 s of
    provisioning it (one round trip per DDL statement, every revision script
    loaded again, SQLAlchemy schema objects built per run) and left ~1 MB of
    allocations per tenant behind. The migrations shipped with this process do
    not change while it runs, so Alembic renders them once here, offline
    (``--sql`` mode, the same revision scripts and ``op`` calls), into one
    script without any schema or role name: every statement is unqualified
    and resolves through ``search_path``, which ``create_tenant_at_head`` sets
    to the tenant's schema. The script creates and fills ``alembic_version``
    itself, so the schema is stamped at head in the same transaction, and
    later revisions reach it through the real online ``upgrade_tenant``.
    tests/operator/test_fast_schema.py compares the catalog of a schema built
    this way with one built by ``alembic upgrade`` (and after each downgrade
    and upgrade), so a revision that renders differently offline fails there.
    Two threads may both render on a cold cache; the results are identical.
    """
    cfg = Config(str(alembic_ini()))
    script = ScriptDirectory.from_config(cfg)
    target = "tenant@head"
    buffer = io.StringIO()

    def upgrade(rev: Any, context: Any) -> Iterable[Any]:
        return script._upgrade_revs(target, rev)

    with (
        _ALEMBIC,
        EnvironmentContext(
            cfg, script, fn=upgrade, as_sql=True, starting_rev=None, destination_rev=target
        ) as env,
    ):
        # As migrations/env.py configures an online tenant run (the models'
        # metadata carries the constraint naming convention the ops apply),
        # minus begin_transaction(): the caller's transaction wraps the script.
        env.configure(
            dialect_name="postgresql",
            output_buffer=buffer,
            literal_binds=True,
            target_metadata=TenantBase.metadata,
        )
        env.run_migrations()
    revision = script.get_revision(target)
    assert revision is not None
    return revision.revision, buffer.getvalue()


def schema_is_empty(connection: Connection, schema: str) -> bool:
    """No relation, type or routine lives in ``schema`` (a schema the
    provisioning just created, or one whose build never committed)."""
    return bool(
        connection.execute(
            text(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = n.oid) "
                "AND NOT EXISTS (SELECT 1 FROM pg_type WHERE typnamespace = n.oid) "
                "AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE pronamespace = n.oid) "
                "FROM pg_namespace n WHERE n.nspname = :s"
            ),
            {"s": schema},
        ).scalar()
    )


def create_tenant_at_head(connection: Connection, slug: str) -> str:
    """Builds an empty tenant schema at head in one round trip, as its owner
    role (see ``tenant_head_sql``); returns the head revision."""
    names = TenantNames(slug)
    revision, script = tenant_head_sql()
    connection.execute(text(f"SET ROLE {quote_ident(names.owner_role)}"))
    connection.execute(text(f"SET search_path TO {quote_ident(names.schema)}"))
    try:
        # Raw DBAPI cursor, no parameters: psycopg then sends the whole
        # multi-statement script as one simple query.
        cursor = connection.connection.cursor()
        try:
            cursor.execute(script)
        finally:
            cursor.close()
    finally:
        connection.execute(text("RESET ROLE"))
        connection.execute(text("RESET search_path"))
    return revision


def build_or_upgrade_tenant(connection: Connection, slug: str) -> str | None:
    """A new (empty) tenant schema gets the rendered head script; a schema
    that already holds anything is upgraded by real online Alembic."""
    names = TenantNames(slug)
    if current(connection, names.schema) is None and schema_is_empty(connection, names.schema):
        return create_tenant_at_head(connection, slug)
    return upgrade_tenant(connection, slug)


def downgrade_tenant(connection: Connection, slug: str, target: str = "tenant@base") -> None:
    _locked(command.downgrade, _config(connection, slug), target)
    connection.execute(text("RESET ROLE"))
    connection.execute(text("RESET search_path"))


def control_revision(connection: Connection) -> str | None:
    return current(connection, CONTROL_SCHEMA)
