"""Which targets a batch fills and in what order (parents first), the
targets each source stages, and the load of one batch. The targets
themselves: ``jira_tables.py`` and ``github_tables.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import AsyncConnection

from pulse_etl.integrations import Kind
from pulse_etl.load.bulk import Target, upsert
from pulse_etl.load.github_tables import (
    COMMITS,
    DEPLOYMENTS,
    PR_COMMENTS,
    PR_COMMITS,
    PR_REVIEWS,
    PRS,
    REPOSITORIES,
)
from pulse_etl.load.jira_tables import (
    CHANGELOGS,
    INCIDENTS,
    PROJECTS,
    STATUSES,
    WITS,
    WORK_ITEMS,
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
    notices: list[str] | None = None,
) -> int:
    """One batch's rows (by table), parents first, inside the caller's
    transaction; returns the rows inserted or changed, and adds to
    ``notices`` what the admin should know of the load.

    The transaction commits without waiting for its WAL flush: a crash may
    lose the last batches, but each with its own checkpoint (same
    transaction), so the job resumes before them and reloads them."""
    await conn.execute("SET LOCAL synchronous_commit TO off")
    changed = 0
    for target in ORDER:
        if data := rows.get(target.table):
            changed += await upsert(
                conn,
                target,
                data,
                tenant_id=tenant_id,
                integration_id=integration_id,
                notices=notices,
            )
    return changed
