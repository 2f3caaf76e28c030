"""Platform-wide database setup: the control schema and the backend's role."""

from __future__ import annotations

from sqlalchemy import Engine, text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.models import CONTROL_SCHEMA
from pulse_common.provisioning.sql import role_exists, set_role_password
from pulse_common.tenancy import quote_ident

BACKEND_ROLE = "pulse_backend"


def ensure_platform(
    engine: Engine, *, backend_password: str | None = None, backend_role: str = BACKEND_ROLE
) -> str | None:
    """Migrates the control schema to head and sets up the backend role.

    The backend role is NOINHERIT: it is granted every tenant's login role but
    holds none of their rights until it ``SET ROLE``s to one, per request.
    Returns the control schema revision.
    """
    with connect(engine) as conn:
        # Tenants must not reach into each other's (or anybody's) objects by default.
        db = conn.execute(text("SELECT current_database()")).scalar_one()
        conn.execute(text(f"REVOKE ALL ON DATABASE {quote_ident(db)} FROM PUBLIC"))
        conn.execute(text("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
        migrate.upgrade_control(conn)
        if not role_exists(conn, backend_role):
            conn.execute(text(f"CREATE ROLE {quote_ident(backend_role)} LOGIN NOINHERIT"))
        conn.execute(text(f"ALTER ROLE {quote_ident(backend_role)} NOINHERIT"))
        if backend_password is not None:
            set_role_password(conn, backend_role, backend_password)
        role = quote_ident(backend_role)
        conn.execute(text(f"GRANT CONNECT ON DATABASE {quote_ident(db)} TO {role}"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA {CONTROL_SCHEMA} TO {role}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {CONTROL_SCHEMA} TO {role}"))
        return migrate.control_revision(conn)
