"""What changed since the last relink: ``dora_changes``, filled by triggers,
and ``dora_relink_state``, what the last relink ran under.

``relink`` (after each load) recomputed every work item's and PR's stored
start and every deployment's range over the whole tenant: 6.9 s over
unchanged data at a million work items. Now statement triggers mark what a
write can move, whoever writes (the ETL's loads, seeds, an admin's fix), and
the relink recomputes only that (``pulse_common.dora.changes``): a work item
whose start inputs changed, a PR whose starts or markers' inputs changed, a
repository whose deployments, commits or merged PRs changed (and from which
finish or commit time), and the incident links when an incident, a scope or
a manual link changed.

A marked row is upserted (``DO UPDATE``), not skipped: the lock it takes makes
a relink that empties the queue meanwhile wait for the writer's commit, so
the relink's later statements see the write.

Existing tenants have no state row: their next relink is a full pass.

Revision ID: d3f7a9c2e5b1
Revises: b5d2e8a1c6f4
Create Date: 2026-11-30 07:00:00+00:00
"""

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision: str = "d3f7a9c2e5b1"
down_revision: str | Sequence[str] | None = "b5d2e8a1c6f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The time from which a repository's deployment chains change: its
# deployments from that finish on, or those whose head commit was committed
# from that time on. (A PR's merge commit's time, looked up: a PR links to
# the deployment whose range holds that commit.)
MERGE_COMMITTED = (
    "(SELECT c.committed_at FROM commits c "
    "WHERE c.repository_id = {a}.repository_id AND c.sha = {a}.merge_commit_sha)"
)


class Mark(NamedTuple):
    kind: str
    row_id: str  # the column naming the row, "0" for the kind as a whole
    columns: tuple[str, ...]  # whose change marks it
    since_finished: str = "NULL"
    since_committed: str = "NULL"


# A migration keeps its own copy of the kinds pulse_common.dora.changes reads.
SOURCES: dict[str, list[Mark]] = {
    "work_items": [Mark("work_item", "id", ("work_started_at",))],
    "changelogs": [
        Mark("work_item", "work_item_id", ("work_item_id", "to_status_id", "transitioned_at"))
    ],
    "statuses": [Mark("all_work_items", "0", ("category",))],
    "prs": [
        Mark(
            "pr",
            "id",
            ("title", "source_branch", "created", "author", "first_commit_at", "first_review_at"),
        ),
        Mark(
            "repository",
            "repository_id",
            ("repository_id", "state", "merged_at", "merge_commit_sha", "target_branch"),
            since_committed=MERGE_COMMITTED,
        ),
    ],
    "prs_commits": [Mark("pr", "pr_id", ("pr_id", "authored_at"))],
    "prs_reviews": [Mark("pr", "pr_id", ("pr_id", "submitted_at", "reviewer"))],
    "commits": [
        Mark(
            "repository",
            "repository_id",
            ("repository_id", "sha", "committed_at", "on_default_branch"),
            since_committed="{a}.committed_at",
        )
    ],
    "deployments": [
        Mark(
            "repository",
            "repository_id",
            ("repository_id", "environment", "commit_sha", "status", "finished_at", "source"),
            since_finished="{a}.finished_at",
        )
    ],
    "repositories": [Mark("whole_repository", "id", ("default_branch",))],
    "incidents": [
        Mark(
            "incidents",
            "0",
            ("detected_at", "started_at", "project_id", "repository_id", "deployment_id"),
        )
    ],
    "projects_repositories": [Mark("incidents", "0", ("project_id", "repository_id"))],
    "incidents_deployments": [
        Mark("incidents", "0", ("incident_id", "deployment_id", "link_method"))
    ],
}
# Rows whose change matters at all (relink writes the rule-made links itself).
ONLY = {"incidents_deployments": "link_method = 'manual'"}

MARK = """
    INSERT INTO dora_changes (tenant_id, kind, row_id, since_finished, since_committed)
    SELECT min(x.tenant_id), x.kind, x.row_id, min(x.since_finished), min(x.since_committed)
    FROM ({rows}) x
    WHERE x.row_id IS NOT NULL GROUP BY x.kind, x.row_id
    ON CONFLICT (kind, row_id) DO UPDATE
    SET since_finished = least(dora_changes.since_finished, excluded.since_finished),
        since_committed = least(dora_changes.since_committed, excluded.since_committed),
        last_updated_at = now();"""

# ``SET search_path FROM CURRENT``: the function resolves its tables in this
# tenant's schema whatever the caller's search_path.
FUNCTION = """
CREATE FUNCTION dora_mark_{table}() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {inserted}
    ELSIF TG_OP = 'DELETE' THEN {deleted}
    ELSE {updated}
    END IF;
    RETURN NULL;
END
$$
"""


def _select(alias: str, source: str, mark: Mark, where: str) -> str:
    value = mark.row_id if mark.row_id == "0" else f"{alias}.{mark.row_id}"
    return (
        f"SELECT {alias}.tenant_id, '{mark.kind}'::text AS kind, {value} AS row_id, "
        f"{mark.since_finished.format(a=alias)}::timestamptz AS since_finished, "
        f"{mark.since_committed.format(a=alias)}::timestamptz AS since_committed "
        f"FROM {source}{where}"
    )


def _function(table: str) -> str:
    only = ONLY.get(table)
    one: dict[str, list[str]] = {"inserted": [], "deleted": [], "updated": []}
    for mark in SOURCES[table]:
        where = f" WHERE r.{only}" if only else ""
        one["inserted"].append(_select("r", "dora_new r", mark, where))
        one["deleted"].append(_select("r", "dora_old r", mark, where))
        old = ", ".join(f"o.{c}" for c in mark.columns)
        new = ", ".join(f"r.{c}" for c in mark.columns)
        changed = "dora_new r JOIN dora_old o ON o.id = r.id"
        cond = f" WHERE ({old}) IS DISTINCT FROM ({new})"
        if only:
            cond += f" AND (r.{only} OR o.{only})"
        # Both images: a row moved (to another parent, or in time) changes
        # where it was and where it is.
        one["updated"].append(_select("r", changed, mark, cond))
        one["updated"].append(_select("o", changed, mark, cond))
    return FUNCTION.format(
        table=table, **{k: MARK.format(rows=" UNION ALL ".join(v)) for k, v in one.items()}
    )


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)
        for name in ("created_at", "last_updated_at")
    ]


def upgrade() -> None:
    op.create_table(
        "dora_changes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=False),
        sa.Column("since_finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("since_committed", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dora_changes")),
        sa.UniqueConstraint("kind", "row_id", name=op.f("uq_dora_changes_kind_row_id")),
    )
    op.create_table(
        "dora_relink_state",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("singleton", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("singleton", name=op.f("ck_dora_relink_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dora_relink_state")),
        sa.UniqueConstraint("singleton", name=op.f("uq_dora_relink_state_singleton")),
    )
    for table in SOURCES:
        op.execute(_function(table))
        # One trigger per event: each keeps only the images it reads.
        for event, images in (
            ("INSERT", "NEW TABLE AS dora_new"),
            ("UPDATE", "OLD TABLE AS dora_old NEW TABLE AS dora_new"),
            ("DELETE", "OLD TABLE AS dora_old"),
        ):
            op.execute(
                f"CREATE TRIGGER dora_mark_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {images} FOR EACH STATEMENT EXECUTE FUNCTION dora_mark_{table}()"
            )


def downgrade() -> None:
    for table in SOURCES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER dora_mark_{event} ON {table}")
        op.execute(f"DROP FUNCTION dora_mark_{table}()")
    op.drop_table("dora_relink_state")
    op.drop_table("dora_changes")
