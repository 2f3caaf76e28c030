"""``users.device_revocations``: how many times every device of the user was
distrusted, kept with the user so that a revocation survives a Redis outage

A password change, a set-password link and deactivating the user distrust
all the user's devices (``pulse_backend.devices``). Redis's per-user device
generation is only the fast path: a revocation made while Redis was
unreachable was lost there. The count is bumped in the same transaction as
the change itself, each device token carries the count it was issued at,
and sign-in (which reads the user's row anyway) trusts a token only while
its count is the current one. Existing users start at 0; the downgrade drops
the column (the previous release keeps no such record).

Revision ID: 7ecefeac0689
Revises: e4c7a1f9b3d2
Create Date: 2026-11-30 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7ecefeac0689"
down_revision: str | Sequence[str] | None = "e4c7a1f9b3d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("device_revocations", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("users", "device_revocations")
