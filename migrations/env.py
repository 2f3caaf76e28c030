"""Alembic environment for both lineages.

Without ``-x tenant=<slug>`` it migrates the control schema ``pulse`` (version
table ``pulse.alembic_version``). With it, it migrates ``tenant_<slug>`` as the
tenant's owner role with ``search_path`` set to that schema (version table in
the tenant schema), so that every tenant records its own revision. A revision
of the other lineage is refused, and the whole run rolls back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine, pool, text

from pulse_common.models import CONTROL_SCHEMA, ControlBase, TenantBase
from pulse_common.tenancy import TenantNames, quote_ident

config = context.config
x_args = context.get_x_argument(as_dictionary=True)
tenant_slug = x_args.get("tenant") or config.attributes.get("tenant")
names = TenantNames(tenant_slug) if tenant_slug else None
lineage = "tenant" if names else "control"


def _check(revision: Any) -> None:
    path = getattr(revision, "path", None)
    if path and Path(path).parent.name != lineage:
        raise RuntimeError(
            f"revision {revision.revision} belongs to the {Path(path).parent.name!r} lineage "
            f"but this run migrates the {lineage!r} schema; target "
            f"'{lineage}@head' (or '{lineage}@base')"
        )


def _check_target() -> None:
    """Refuses a target of the other lineage before anything runs."""
    target = context.get_revision_argument()
    for t in target if isinstance(target, tuple) else (target,):
        if not isinstance(t, str) or t in ("base", f"{lineage}@base"):
            continue
        try:
            revisions = context.script.get_revisions(t)
        except Exception:  # noqa: S112 - relative targets; _guard checks each step
            continue
        for revision in revisions:
            _check(revision)


def _guard(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    # Runs after each step inside the run's one transaction: raising rolls it all back.
    for revision in (*step.up_revisions, *step.down_revisions):
        _check(revision)


def _include_name(name: str | None, type_: str, parent: Any) -> bool:
    # The version table lives in the migrated schema, not in the models.
    return not (type_ == "table" and name == "alembic_version")


def _configure_and_run(connection: Connection) -> None:
    _check_target()
    if names:
        exists = connection.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": names.schema}
        ).first()
        if not exists:
            raise RuntimeError(
                f"schema {names.schema} does not exist: provision the tenant first "
                f"(pulse-db tenant provision {names.slug} ...)"
            )
        connection.execute(text(f"SET ROLE {quote_ident(names.owner_role)}"))
        connection.execute(text(f"SET search_path TO {quote_ident(names.schema)}"))
        metadata, version_schema = TenantBase.metadata, names.schema
    else:
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {CONTROL_SCHEMA}"))
        metadata, version_schema = ControlBase.metadata, CONTROL_SCHEMA

    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=version_schema,
        include_schemas=False,
        compare_type=True,
        on_version_apply=_guard,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = x_args.get("url") or os.environ.get("PULSE_DATABASE_ADMIN_URL")
    if not url:
        raise RuntimeError("no database: pass -x url=... or set PULSE_DATABASE_ADMIN_URL")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure_and_run(conn)
        conn.commit()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) mode is not supported: migrations need the live schema")
run_migrations_online()
