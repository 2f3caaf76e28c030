"""Where each extracted entity goes: staging columns (natural keys), the
joins that turn them into ids, and the conflict key of the target table.

Lookups into the big tables (work items, PRs) are ``LATERAL (… OFFSET 0)``:
the fence keeps them as one index probe per staged row. As plain joins the
planner, with no statistics on the temp stage and stale ones on a table a
sync is filling, hashed the whole parent table for every batch (a full scan
per page: quadratic over a large first sync)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import AsyncConnection

from pulse_etl.integrations import Kind
from pulse_etl.load.bulk import Target, upsert

TS = "timestamptz"

PROJECTS = Target(
    table="projects",
    staging=(("key", "text"), ("external_id", "text"), ("name", "text"), ("project_type", "text")),
    key=("key",),
    columns=("external_id", "key", "name", "project_type", "active"),
    select="s.external_id, s.key, s.name, s.project_type, true",
    conflict=("key",),
)

# A status's category: the tenant's mapping (default workflow first) wins
# over the category the source gives.
STATUSES = Target(
    table="statuses",
    staging=(("name", "text"), ("external_id", "text"), ("category", "text")),
    key=("name",),
    columns=("external_id", "name", "category"),
    select=(
        "s.external_id, s.name, COALESCE((SELECT m.status_category FROM status_mappings m "
        "JOIN workflows w ON w.id = m.workflow_id WHERE m.status_from = s.name AND m.active "
        "ORDER BY w.is_default DESC, m.id LIMIT 1), s.category)"
    ),
    conflict=("name",),
)

WITS = Target(
    table="wits",
    staging=(("name", "text"), ("external_id", "text"), ("description", "text"), ("level", "int")),
    key=("name",),
    columns=("external_id", "name", "description", "hierarchy_level"),
    select="s.external_id, s.name, s.description, s.level",
    conflict=("name",),
)

# A work item's type: the canonical type its source type maps to, if the
# tenant has one, else the source type itself.
WORK_ITEMS = Target(
    table="work_items",
    staging=(
        ("key", "text"),
        ("project_key", "text"),
        ("external_id", "text"),
        ("summary", "text"),
        ("description", "text"),
        ("wit", "text"),
        ("status", "text"),
        ("priority", "text"),
        ("assignee", "text"),
        ("reporter", "text"),
        ("parent_key", "text"),
        ("created", TS),
        ("updated", TS),
        ("work_started_at", TS),
        ("resolved_at", TS),
    ),
    key=("key",),
    columns=(
        "project_id",
        "external_id",
        "key",
        "summary",
        "description",
        "wit_id",
        "status_id",
        "priority",
        "assignee",
        "reporter",
        "parent_key",
        "created",
        "updated",
        "work_started_at",
        "resolved_at",
    ),
    select=(
        "p.id, s.external_id, s.key, s.summary, s.description, COALESCE(mw.id, sw.id), "
        "st.id, s.priority, s.assignee, s.reporter, s.parent_key, s.created, s.updated, "
        "s.work_started_at, s.resolved_at"
    ),
    # wit_mappings.wit_from is unique: the joins add no rows.
    joins=(
        "JOIN projects p ON p.key = s.project_key LEFT JOIN statuses st ON st.name = s.status "
        "LEFT JOIN wit_mappings m ON m.wit_from = s.wit AND m.active "
        "LEFT JOIN wits mw ON mw.name = m.wit_to LEFT JOIN wits sw ON sw.name = s.wit"
    ),
    conflict=("key",),
)

_ITEM = "SELECT w.id, w.project_id FROM work_items w WHERE w.key = s.item_key OFFSET 0"

CHANGELOGS = Target(
    table="changelogs",
    staging=(
        ("item_key", "text"),
        ("external_id", "text"),
        ("from_status", "text"),
        ("to_status", "text"),
        ("transitioned_at", TS),
        ("author", "text"),
        ("seconds", "bigint"),
    ),
    key=("item_key", "external_id"),
    columns=(
        "work_item_id",
        "external_id",
        "from_status_id",
        "to_status_id",
        "transitioned_at",
        "author",
        "time_in_status_seconds",
    ),
    select="w.id, s.external_id, f.id, t.id, s.transitioned_at, s.author, s.seconds",
    joins=(
        f"JOIN LATERAL ({_ITEM}) w ON true "
        "LEFT JOIN statuses f ON f.name = s.from_status "
        "LEFT JOIN statuses t ON t.name = s.to_status"
    ),
    conflict=("work_item_id", "external_id"),
)

# Links to deployments are derived after the load (pulse_common.dora.link);
# the project scopes them: the incident's work item's project.
INCIDENTS = Target(
    table="incidents",
    staging=(
        ("external_id", "text"),
        ("title", "text"),
        ("severity", "text"),
        ("item_key", "text"),
        ("started_at", TS),
        ("resolved_at", TS),
        ("status", "text"),
        ("detected_at", TS),
    ),
    key=("external_id",),
    columns=(
        "external_id",
        "title",
        "severity",
        "work_item_id",
        "project_id",
        "started_at",
        "resolved_at",
        "status",
        "detected_at",
    ),
    select=(
        "s.external_id, s.title, s.severity, w.id, w.project_id, s.started_at, s.resolved_at, "
        "s.status, s.detected_at"
    ),
    joins=f"LEFT JOIN LATERAL ({_ITEM}) w ON true",
    conflict=("external_id",),
)

REPOSITORIES = Target(
    table="repositories",
    staging=(
        ("full_name", "text"),
        ("external_id", "text"),
        ("name", "text"),
        ("default_branch", "text"),
        ("language", "text"),
        ("is_private", "boolean"),
        ("url", "text"),
    ),
    key=("full_name",),
    columns=("external_id", "full_name", "name", "default_branch", "language", "is_private", "url"),
    select="s.external_id, s.full_name, s.name, s.default_branch, s.language, s.is_private, s.url",
    conflict=("full_name",),
)

PRS = Target(
    table="prs",
    staging=(
        ("repo", "text"),
        ("number", "int"),
        ("external_id", "text"),
        ("title", "text"),
        ("body", "text"),
        ("author", "text"),
        ("state", "text"),
        ("source_branch", "text"),
        ("target_branch", "text"),
        ("merge_commit_sha", "text"),
        ("created", TS),
        ("first_commit_at", TS),
        ("first_review_at", TS),
        ("merged_at", TS),
        ("closed_at", TS),
    ),
    key=("repo", "number"),
    columns=(
        "repository_id",
        "number",
        "external_id",
        "title",
        "body",
        "author",
        "state",
        "source_branch",
        "target_branch",
        "merge_commit_sha",
        "created",
        "first_commit_at",
        "first_review_at",
        "merged_at",
        "closed_at",
    ),
    select=(
        "r.id, s.number, s.external_id, s.title, s.body, s.author, s.state, s.source_branch, "
        "s.target_branch, s.merge_commit_sha, s.created, s.first_commit_at, s.first_review_at, "
        "s.merged_at, s.closed_at"
    ),
    joins="JOIN repositories r ON r.full_name = s.repo",
    conflict=("repository_id", "number"),
)

_PR_JOIN = (
    "JOIN repositories r ON r.full_name = s.repo JOIN LATERAL (SELECT p.id FROM prs p "
    "WHERE p.repository_id = r.id AND p.number = s.number OFFSET 0) p ON true"
)
_PR_KEY = (("repo", "text"), ("number", "int"))

PR_COMMITS = Target(
    table="prs_commits",
    staging=(
        *_PR_KEY,
        ("sha", "text"),
        ("author", "text"),
        ("message", "text"),
        ("authored_at", TS),
        ("committed_at", TS),
    ),
    key=("repo", "number", "sha"),
    columns=("pr_id", "sha", "author", "message", "authored_at", "committed_at"),
    select="p.id, s.sha, s.author, s.message, s.authored_at, s.committed_at",
    joins=_PR_JOIN,
    conflict=("pr_id", "sha"),
    from_integration=False,
)

PR_REVIEWS = Target(
    table="prs_reviews",
    staging=(
        *_PR_KEY,
        ("external_id", "text"),
        ("reviewer", "text"),
        ("state", "text"),
        ("submitted_at", TS),
    ),
    key=("repo", "number", "external_id"),
    columns=("pr_id", "external_id", "reviewer", "state", "submitted_at"),
    select="p.id, s.external_id, s.reviewer, s.state, s.submitted_at",
    joins=_PR_JOIN,
    conflict=("pr_id", "external_id"),
    from_integration=False,
)

PR_COMMENTS = Target(
    table="prs_comments",
    staging=(
        *_PR_KEY,
        ("external_id", "text"),
        ("author", "text"),
        ("body", "text"),
        ("commented_at", TS),
    ),
    key=("repo", "number", "external_id"),
    columns=("pr_id", "external_id", "author", "body", "commented_at"),
    select="p.id, s.external_id, s.author, s.body, s.commented_at",
    joins=_PR_JOIN,
    conflict=("pr_id", "external_id"),
    from_integration=False,
)

# The PR a deployment shipped: the one whose merge commit it deployed.
# ``source`` says whether it is a real deployment or a release (the fallback).
DEPLOYMENTS = Target(
    table="deployments",
    staging=(
        ("external_id", "text"),
        ("repo", "text"),
        ("environment", "text"),
        ("commit_sha", "text"),
        ("status", "text"),
        ("deployed_at", TS),
        ("duration_seconds", "int"),
        ("started_at", TS),
        ("finished_at", TS),
        ("source", "text"),
    ),
    key=("external_id",),
    columns=(
        "external_id",
        "repository_id",
        "environment",
        "commit_sha",
        "pr_id",
        "status",
        "deployed_at",
        "duration_seconds",
        "started_at",
        "finished_at",
        "source",
    ),
    select=(
        "s.external_id, r.id, s.environment, s.commit_sha, "
        "(SELECT p.id FROM prs p "
        "WHERE p.repository_id = r.id AND p.merge_commit_sha = s.commit_sha "
        "LIMIT 1), s.status, s.deployed_at, s.duration_seconds, s.started_at, s.finished_at, "
        "s.source"
    ),
    joins="JOIN repositories r ON r.full_name = s.repo",
    conflict=("external_id",),
)

# Default-branch commits (from compare between deployments): the history the
# deployment commit ranges are cut from.
COMMITS = Target(
    table="commits",
    staging=(
        ("repo", "text"),
        ("sha", "text"),
        ("author", "text"),
        ("message", "text"),
        ("authored_at", TS),
        ("committed_at", TS),
    ),
    key=("repo", "sha"),
    columns=("repository_id", "sha", "author", "message", "authored_at", "committed_at"),
    select="r.id, s.sha, s.author, s.message, s.authored_at, s.committed_at",
    joins="JOIN repositories r ON r.full_name = s.repo",
    conflict=("repository_id", "sha"),
)

# Load order inside one batch: parents before children.
ORDER = (
    PROJECTS,
    STATUSES,
    WITS,
    WORK_ITEMS,
    CHANGELOGS,
    INCIDENTS,
    REPOSITORIES,
    PRS,
    PR_COMMITS,
    PR_REVIEWS,
    PR_COMMENTS,
    DEPLOYMENTS,
    COMMITS,
)

# What each source's batches fill: a run stages only these. Each commit of a
# transaction that touched a temporary table empties every ``ON COMMIT
# DELETE ROWS`` table of the session, used or not (an in-place truncation of
# the table, its TOAST table and index): about 0.5 ms of server CPU per
# table and commit, 7 ms per batch with all thirteen staged. A table outside
# the set still loads (``bulk.prepare`` creates its stage in the batch).
BY_SOURCE: dict[Kind, tuple[Target, ...]] = {
    Kind.jira: (PROJECTS, STATUSES, WITS, WORK_ITEMS, CHANGELOGS, INCIDENTS),
    Kind.github: (REPOSITORIES, PRS, PR_COMMITS, PR_REVIEWS, PR_COMMENTS, DEPLOYMENTS, COMMITS),
}


async def load_rows(
    conn: AsyncConnection[Any],
    rows: Mapping[str, Sequence[Sequence[Any]]],
    *,
    tenant_id: int,
    integration_id: int | None,
) -> int:
    """One batch's rows (by table), parents first, inside the caller's
    transaction; returns the rows inserted or changed.

    The transaction commits without waiting for its WAL flush: a crash may
    lose the last batches, but each with its own checkpoint (same
    transaction), so the job resumes before them and reloads them."""
    await conn.execute("SET LOCAL synchronous_commit TO off")
    changed = 0
    for target in ORDER:
        if data := rows.get(target.table):
            changed += await upsert(
                conn, target, data, tenant_id=tenant_id, integration_id=integration_id
            )
    return changed
