"""DORA data model: deployment ranges and links, incident status and links,
repository commits, project scope, work item links, markers, DORA settings

Existing rows are backfilled so that the metrics see them: a deployment that
is no longer running gets ``finished_at = deployed_at``, an incident with a
resolution time is ``resolved`` and ``detected_at = started_at``, and each
incident's declared ``deployment_id`` becomes a ``declared`` link.

Revision ID: 3d7a1c9e5b20
Revises: 8c9585a2678d
Create Date: 2026-11-28 23:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3d7a1c9e5b20"
down_revision: str | Sequence[str] | None = "8c9585a2678d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str, length: int = 30) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def _row_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
    ]


def _timestamps() -> list[sa.Column[object]]:
    return [
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
    ]


def _link_table(
    name: str, left: tuple[str, str], right: tuple[str, str], *extra: sa.Column[object]
) -> None:
    """A many-to-many table: (column, referenced table) on each side, unique
    together, cascading deletes, an index on the right side."""
    (lcol, ltab), (rcol, rtab) = left, right
    op.create_table(
        name,
        *_row_columns(),
        sa.Column(lcol, sa.BigInteger(), nullable=False),
        sa.Column(rcol, sa.BigInteger(), nullable=False),
        *extra,
        *_timestamps(),
        sa.ForeignKeyConstraint(
            [lcol], [f"{ltab}.id"], name=op.f(f"fk_{name}_{lcol}_{ltab}"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            [rcol], [f"{rtab}.id"], name=op.f(f"fk_{name}_{rcol}_{rtab}"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint(lcol, rcol, name=op.f(f"uq_{name}_{lcol}_{rcol}")),
    )
    op.create_index(op.f(f"ix_{name}_{rcol}"), name, [rcol], unique=False)


def upgrade() -> None:
    op.create_table(
        "commits",
        *_row_columns(),
        sa.Column("repository_id", sa.BigInteger(), nullable=False),
        sa.Column("sha", sa.String(length=40), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("authored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("on_default_branch", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("integration_id", sa.BigInteger(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_commits_integration_id_integrations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_commits_repository_id_repositories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commits")),
        sa.UniqueConstraint("repository_id", "sha", name=op.f("uq_commits_repository_id_sha")),
    )
    op.create_index(
        op.f("ix_commits_repository_id_committed_at"), "commits", ["repository_id", "committed_at"]
    )
    op.create_index(op.f("ix_commits_sha"), "commits", ["sha"])

    op.add_column("deployments", sa.Column("started_at", sa.DateTime(timezone=True)))
    op.add_column("deployments", sa.Column("finished_at", sa.DateTime(timezone=True)))
    op.add_column(
        "deployments",
        sa.Column(
            "source",
            _enum("deployment_source", "deployment", "release", "default_branch_merge"),
            server_default="deployment",
            nullable=False,
        ),
    )
    for col in ("is_hotfix", "is_rollback"):
        op.add_column(
            "deployments", sa.Column(col, sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE deployments SET finished_at = deployed_at WHERE status <> 'in_progress'")
    op.create_index(op.f("ix_deployments_finished_at"), "deployments", ["finished_at"])
    op.create_index(
        op.f("ix_deployments_repository_id_environment_finished_at"),
        "deployments",
        ["repository_id", "environment", "finished_at"],
    )

    op.add_column(
        "incidents",
        sa.Column(
            "status",
            _enum("incident_status", "open", "mitigated", "resolved"),
            server_default="open",
            nullable=False,
        ),
    )
    op.add_column("incidents", sa.Column("detected_at", sa.DateTime(timezone=True)))
    op.add_column("incidents", sa.Column("project_id", sa.BigInteger()))
    op.create_foreign_key(
        op.f("fk_incidents_project_id_projects"),
        "incidents",
        "projects",
        ["project_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.execute(
        "UPDATE incidents SET detected_at = started_at, "
        "status = CASE WHEN resolved_at IS NULL THEN 'open' ELSE 'resolved' END"
    )
    op.create_index(
        op.f("ix_incidents_project_id_detected_at"), "incidents", ["project_id", "detected_at"]
    )

    for col in ("is_hotfix", "is_revert"):
        op.add_column(
            "prs", sa.Column(col, sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_index(op.f("ix_prs_merge_commit_sha"), "prs", ["merge_commit_sha"])

    _link_table(
        "projects_repositories", ("project_id", "projects"), ("repository_id", "repositories")
    )
    _link_table("deployments_commits", ("deployment_id", "deployments"), ("commit_id", "commits"))
    _link_table("deployments_prs", ("deployment_id", "deployments"), ("pr_id", "prs"))
    _link_table(
        "incidents_deployments",
        ("incident_id", "incidents"),
        ("deployment_id", "deployments"),
        sa.Column(
            "link_method",
            _enum(
                "incident_link_method",
                "last_production_deployment",
                "declared",
                "manual",
                length=40,
            ),
            nullable=False,
        ),
    )
    _link_table(
        "work_items_prs",
        ("work_item_id", "work_items"),
        ("pr_id", "prs"),
        sa.Column(
            "link_method",
            _enum("work_item_link_method", "pr_title", "branch_name", "pr_body", "manual"),
            nullable=False,
        ),
    )
    op.execute(
        "INSERT INTO incidents_deployments (tenant_id, incident_id, deployment_id, link_method) "
        "SELECT tenant_id, id, deployment_id, 'declared' FROM incidents "
        "WHERE deployment_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO work_items_prs (tenant_id, work_item_id, pr_id, link_method) "
        "SELECT tenant_id, work_item_id, id, 'manual' FROM prs WHERE work_item_id IS NOT NULL"
    )

    op.create_table(
        "dora_settings",
        *_row_columns(),
        sa.Column("singleton", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "production_pattern",
            sa.String(length=200),
            server_default="^(prod|production)$",
            nullable=False,
        ),
        sa.Column(
            "deployment_fallback",
            _enum("deployment_fallback", "none", "releases", "default_branch_merges"),
            server_default="none",
            nullable=False,
        ),
        sa.Column(
            "hotfix_pattern",
            sa.String(length=200),
            server_default="(^|[^a-z])hot-?fix([^a-z]|$)",
            nullable=False,
        ),
        sa.Column(
            "revert_pattern",
            sa.String(length=200),
            server_default="^revert([^a-z]|$)",
            nullable=False,
        ),
        sa.Column("incident_window_hours", sa.Integer(), nullable=True),
        sa.Column("report_year", sa.SmallInteger(), server_default="2024", nullable=False),
        *_timestamps(),
        sa.CheckConstraint("singleton", name=op.f("ck_dora_settings_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dora_settings")),
        sa.UniqueConstraint("singleton", name=op.f("uq_dora_settings_singleton")),
    )


def downgrade() -> None:
    op.drop_table("dora_settings")
    for name in (
        "work_items_prs",
        "incidents_deployments",
        "deployments_prs",
        "deployments_commits",
        "projects_repositories",
    ):
        op.drop_table(name)
    op.drop_index(op.f("ix_prs_merge_commit_sha"), table_name="prs")
    for col in ("is_revert", "is_hotfix"):
        op.drop_column("prs", col)
    op.drop_index(op.f("ix_incidents_project_id_detected_at"), table_name="incidents")
    op.drop_constraint(op.f("fk_incidents_project_id_projects"), "incidents", type_="foreignkey")
    for col in ("project_id", "detected_at", "status"):
        op.drop_column("incidents", col)
    op.drop_index(
        op.f("ix_deployments_repository_id_environment_finished_at"), table_name="deployments"
    )
    op.drop_index(op.f("ix_deployments_finished_at"), table_name="deployments")
    for col in ("is_rollback", "is_hotfix", "source", "finished_at", "started_at"):
        op.drop_column("deployments", col)
    op.drop_index(op.f("ix_commits_sha"), table_name="commits")
    op.drop_index(op.f("ix_commits_repository_id_committed_at"), table_name="commits")
    op.drop_table("commits")
