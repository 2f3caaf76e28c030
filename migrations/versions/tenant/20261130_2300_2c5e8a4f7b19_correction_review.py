"""``ai_learning_memory.user_id``, ``review``, ``reviewed_by``, ``reviewed_at``:
who gave a correction to the assistant and whether it applies to everyone

Every member's correction reached every user's system prompt, so a member
could steer the answers an executive gets; and every member could list
every user's questions and answers. A correction now applies to everyone
only once accepted by a holder of the assistant's settings
(``integrations:write``: admins), until then to its author's own questions
(``pending``), and a rejected one to nobody; a member lists only their own
feedback. The upgrade reads the author from ``context.user_id``, where the
previous release kept it (a value that is no user's id leaves it null); a
correction an admin or a holder of ``integrations:write`` gave is accepted
by its author, every other one pending. The downgrade drops the columns
and first deactivates the rejected corrections: the previous release has
no review and would give them to everyone.

Revision ID: 2c5e8a4f7b19
Revises: 1bf4516e15f1
Create Date: 2026-11-30 23:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2c5e8a4f7b19"
down_revision: str | Sequence[str] | None = "1bf4516e15f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ai_learning_memory"
# The full name (op.f): the naming convention would prefix a bare one again.
CHECK = "ck_ai_learning_memory_correction_review"
REVIEWS = ("pending", "accepted", "rejected")


def _user_column(name: str) -> None:
    op.add_column(TABLE, sa.Column(name, sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f(f"fk_{TABLE}_{name}_users"), TABLE, "users", [name], ["id"], ondelete="SET NULL"
    )


def upgrade() -> None:
    _user_column("user_id")
    op.add_column(
        TABLE, sa.Column("review", sa.String(length=10), server_default="pending", nullable=False)
    )
    listed = ", ".join(f"'{v}'" for v in REVIEWS)
    op.create_check_constraint(op.f(CHECK), TABLE, f"review IN ({listed})")
    _user_column("reviewed_by")
    op.add_column(TABLE, sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
    # CASE, not AND: the cast must never see a value that is not digits.
    op.execute(
        f"UPDATE {TABLE} m SET user_id = u.id FROM users u WHERE u.id = CASE "
        "WHEN m.context->>'user_id' ~ '^[0-9]{1,18}$' THEN (m.context->>'user_id')::bigint END"
    )
    op.execute(
        f"UPDATE {TABLE} m SET review = 'accepted', reviewed_by = m.user_id, "
        "reviewed_at = m.created_at FROM users u WHERE u.id = m.user_id AND (u.role = 'admin' "
        "OR EXISTS (SELECT 1 FROM users_permissions p WHERE p.user_id = u.id "
        "AND p.resource = 'integrations' AND p.action = 'write' AND p.active))"
    )


def downgrade() -> None:
    op.execute(f"UPDATE {TABLE} SET active = false WHERE review = 'rejected'")
    for column in ("reviewed_at", "reviewed_by", "review", "user_id"):
        op.drop_column(TABLE, column)
