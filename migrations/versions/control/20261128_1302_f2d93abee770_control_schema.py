"""control schema

Revision ID: f2d93abee770
Revises:
Create Date: 2026-11-28 13:02:18.478294+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f2d93abee770"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("control",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dora_market_benchmarks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_year", sa.SmallInteger(), nullable=False),
        sa.Column(
            "metric",
            sa.Enum(
                "deployment_frequency",
                "lead_time_for_changes",
                "change_failure_rate",
                "time_to_restore",
                name="dora_metric",
                native_enum=False,
                create_constraint=True,
                length=40,
                schema="pulse",
            ),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "elite",
                "high",
                "medium",
                "low",
                name="dora_level",
                native_enum=False,
                create_constraint=True,
                length=30,
                schema="pulse",
            ),
            nullable=False,
        ),
        sa.Column("lower_bound", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("upper_bound", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dora_market_benchmarks")),
        sa.UniqueConstraint(
            "report_year",
            "metric",
            "level",
            name=op.f("uq_dora_market_benchmarks_report_year_metric_level"),
        ),
        schema="pulse",
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=30), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column(
            "tier",
            sa.Enum(
                "trial",
                "standard",
                "enterprise",
                name="tenant_tier",
                native_enum=False,
                create_constraint=True,
                length=30,
                schema="pulse",
            ),
            server_default="standard",
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "provisioning",
                "active",
                "suspended",
                "revoked",
                name="tenant_state",
                native_enum=False,
                create_constraint=True,
                length=30,
                schema="pulse",
            ),
            server_default="provisioning",
            nullable=False,
        ),
        sa.Column("schema_revision", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "slug ~ '^[a-z]([-a-z0-9]{1,28})[a-z0-9]$'", name=op.f("ck_tenants_slug_dns_label")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
        schema="pulse",
    )


def downgrade() -> None:
    op.drop_table("tenants", schema="pulse")
    op.drop_table("dora_market_benchmarks", schema="pulse")
