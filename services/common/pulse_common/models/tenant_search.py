"""The embedding queue and what each row's vector was made from.

Statement-level triggers (migration 9b1f3d5a7c40; row-level before it, from
7a3c5e9d1f20) queue a row whenever its searchable text or filter fields
change, or it is deleted; the drain in pulse_common.search.queue (run by the
ETL, or by the backend for collections that need the tenant's embedding
provider) embeds what changed and removes what went. ``embedding_state`` keeps the hash of the text
each vector was made from, so unchanged rows are never embedded again.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import TenantBase, TenantRow


class EmbeddingQueue(TenantRow, TenantBase):
    """One row to (re-)embed or remove. A row queued again while the consumer
    works on it gets a new ``id`` (the trigger bumps it), so the consumer's
    ``DELETE ... WHERE id = <seen>`` leaves the newer request in place."""

    __tablename__ = "embedding_queue"
    __table_args__ = (UniqueConstraint("kind", "row_id"),)

    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    row_id: Mapped[int] = mapped_column(BigInteger, nullable=False)


class EmbeddingState(TenantRow, TenantBase):
    __tablename__ = "embedding_state"
    __table_args__ = (UniqueConstraint("kind", "row_id"),)

    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    row_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    point_id: Mapped[str] = mapped_column(String(64), nullable=False)
    text_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    model: Mapped[str] = mapped_column(String(100), nullable=False)
    embedded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
