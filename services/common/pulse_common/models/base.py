"""Declarative bases for the two kinds of schema.

- ``ControlBase``: tables of the shared control schema ``pulse``.
- ``TenantBase``: tables of a tenant schema. They carry no schema name: a
  tenant's schema is chosen per connection with ``search_path`` (migrations
  run with ``search_path=tenant_<slug>``; the backend does ``SET LOCAL
  search_path`` per request), so one set of models serves every tenant.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

CONTROL_SCHEMA = "pulse"

# Stable constraint names make migrations reviewable and downgrades exact.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ControlBase(DeclarativeBase):
    metadata = MetaData(schema=CONTROL_SCHEMA, naming_convention=NAMING_CONVENTION)


class TenantBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, sort_order=100
    )
    last_updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
        onupdate=func.now(),
        nullable=False,
        sort_order=101,
    )


class TenantRow(Timestamps):
    """Every tenant table: integer id, the owning tenant's id, timestamps.

    ``tenant_id`` is kept although the schema already isolates the tenant, so
    that rows stay self-describing when exported or copied between schemas.
    """

    id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=True, sort_order=-20
    )
    tenant_id: Mapped[int] = mapped_column(Integer, nullable=False, sort_order=-19)


class Deactivatable:
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))


class HasIntegration:
    """Rows extracted from an integration keep which one, and its native id."""

    @declared_attr
    def integration_id(cls) -> Mapped[int | None]:
        return mapped_column(
            BigInteger, ForeignKey("integrations.id", ondelete="SET NULL"), nullable=True
        )


def table_of(model: type[DeclarativeBase] | type[object]) -> Table:
    """A mapped class's Table, typed as one (``__table__`` is typed loosely)."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model!r} is not mapped to a Table")
    return table
