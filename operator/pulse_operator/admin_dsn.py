"""The operator's admin connection to PostgreSQL.

CloudNativePG's ``<cluster>-superuser`` Secret (type basic-auth) carries
``username``, ``password``, ``host``, ``port``, ``dbname``, ``pgpass``, ``uri``
and ``jdbc-uri``; for the superuser ``dbname`` is ``*`` and so is the database
of ``uri``, which no connection can use. The chart therefore maps the fields
(``host``, ``port``, ``username``, ``password``) to the environment and the
DSN is built here, with the database the platform is configured for.

A whole DSN (``PULSE_OPERATOR_DATABASE_ADMIN_URL``) is still accepted for
development and tests; its database is replaced by the configured one too, so
that the operator can never provision tenants in another database than the one
their workloads are sent to.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings
from sqlalchemy import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from pulse_common.errors import InvalidInput
from pulse_common.provisioning import ensure_platform


class AdminDatabaseSettings(BaseSettings):
    """Mixed into ``OperatorConfig`` (``PULSE_OPERATOR_`` prefix)."""

    database_admin_url: SecretStr | None = None
    database_admin_host: str = Field(default="", pattern=r"^[^:/@\s]*$")
    database_admin_port: int = Field(default=5432, ge=1, le=65535)
    database_admin_user: str = ""
    database_admin_password: SecretStr = SecretStr("")
    tenant_database_name: str = "pulse"
    # The password of the backend's role (pulse_common.provisioning.ensure_platform),
    # from the chart's Secret that the backend's DSN uses too.
    backend_database_password: SecretStr | None = None

    @model_validator(mode="after")
    def _one_source(self) -> AdminDatabaseSettings:
        if self.database_admin_url is None and not (
            self.database_admin_host and self.database_admin_user
        ):
            raise ValueError(
                "set PULSE_OPERATOR_DATABASE_ADMIN_HOST, _PORT, _USER and _PASSWORD "
                "(or PULSE_OPERATOR_DATABASE_ADMIN_URL)"
            )
        return self


def admin_dsn(cfg: AdminDatabaseSettings) -> str:
    """A ``postgresql://`` URL for the admin role and the configured database."""
    database = cfg.tenant_database_name
    if cfg.database_admin_url is not None:
        try:
            url = make_url(cfg.database_admin_url.get_secret_value())
        except ArgumentError:
            # The message would quote the URL, password included.
            raise InvalidInput("PULSE_OPERATOR_DATABASE_ADMIN_URL is not a URL") from None
        return url.set(database=database).render_as_string(hide_password=False)
    return URL.create(
        "postgresql",
        username=cfg.database_admin_user,
        password=cfg.database_admin_password.get_secret_value() or None,
        host=cfg.database_admin_host,
        port=cfg.database_admin_port,
        database=database,
    ).render_as_string(hide_password=False)


def ensure_backend_role(engine: Engine, cfg: AdminDatabaseSettings) -> None:
    """At startup, when the chart gave a backend password: the control schema
    at head and the ``pulse_backend`` role logging in with that password (the
    backend's DSN uses the same Secret). Idempotent."""
    if cfg.backend_database_password is not None:
        ensure_platform(engine, backend_password=cfg.backend_database_password.get_secret_value())
