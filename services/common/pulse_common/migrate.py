"""Running the Alembic migrations from code (the operator, the CLI, tests).

The migrations live in the repository's ``migrations/`` folder; images copy it
and point ``PULSE_MIGRATIONS_DIR`` at its parent's ``alembic.ini`` location.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from pulse_common.models import CONTROL_SCHEMA
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


def downgrade_tenant(connection: Connection, slug: str, target: str = "tenant@base") -> None:
    _locked(command.downgrade, _config(connection, slug), target)
    connection.execute(text("RESET ROLE"))
    connection.execute(text("RESET search_path"))


def control_revision(connection: Connection) -> str | None:
    return current(connection, CONTROL_SCHEMA)
