"""Where Jira's entities go (projects, statuses, work-item types, work
items, their changelogs, incidents): staging columns (natural keys), the
joins that turn them into ids, and the conflict key of the target table.

Lookups into the big tables (work items, PRs) are ``LATERAL (… OFFSET 0)``:
the fence keeps them as one index probe per staged row. As plain joins the
planner, with no statistics on the temp stage and stale ones on a table a
sync is filling, hashed the whole parent table for every batch (a full scan
per page: quadratic over a large first sync)."""

from __future__ import annotations

from pulse_etl.load.bulk import TS, Target

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
