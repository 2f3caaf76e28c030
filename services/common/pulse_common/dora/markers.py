"""Which PRs are unplanned work, for the rework rate.

Hotfix and revert markers come from a PR's title and source branch (the
tenant's patterns, ``pr_markers``). ``fixes_bug`` and ``fixes_incident``
come from the work items a PR is linked to (``work_items_prs`` or the PR's
own ``work_item_id``): one of type Bug or Incident (after the tenant's type
mappings), or one an incident is tracked by. ``relink`` stores all four on
the PR after each load, so the rework rate reads the few flagged PRs
(``ix_prs_rework``) instead of joining every shipped PR's work items."""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from pulse_common.dora.settings import DoraRules


def pr_markers(rules: DoraRules, title: str, branch: str | None) -> tuple[bool, bool]:
    """(is_hotfix, is_revert) of a PR from its title and source branch.

    GitHub's revert button titles PRs ``Revert "..."`` and names the branch
    ``revert-<n>-...``; hotfix conventions use the word in either.
    """
    texts = [title, branch or ""]
    hotfix = any(re.search(rules.hotfix_pattern, t, re.IGNORECASE) for t in texts)
    revert = any(re.search(rules.revert_pattern, t, re.IGNORECASE) for t in texts)
    return hotfix, revert


# Each linked PR's flags (the work items' types looked up one index step
# each: the planner would hash all of a tenant's work items for a few
# thousand links), set where they moved; the PRs no longer linked so are
# cleared. The two updates touch different rows.
STORE_FIXES = text(
    """
WITH f AS MATERIALIZED (
    SELECT it.pr_id,
           bool_or(lower(coalesce(m.wit_to, t.name)) IN ('bug', 'incident')) AS fixes_bug,
           bool_or(i.work_item_id IS NOT NULL) AS fixes_incident
    FROM (SELECT pr_id, work_item_id FROM work_items_prs
          UNION
          SELECT id, work_item_id FROM prs WHERE work_item_id IS NOT NULL) it
    JOIN LATERAL (SELECT w.wit_id FROM work_items w WHERE w.id = it.work_item_id OFFSET 0) w
        ON true
    LEFT JOIN wits t ON t.id = w.wit_id
    LEFT JOIN wit_mappings m ON m.wit_from = t.name AND m.active
    LEFT JOIN (SELECT DISTINCT work_item_id FROM incidents) i ON i.work_item_id = it.work_item_id
    GROUP BY it.pr_id
), set_flags AS (
    UPDATE prs pr SET fixes_bug = f.fixes_bug, fixes_incident = f.fixes_incident
    FROM f
    WHERE pr.id = f.pr_id
      AND (pr.fixes_bug, pr.fixes_incident) IS DISTINCT FROM (f.fixes_bug, f.fixes_incident)
    RETURNING pr.id
), cleared AS (
    UPDATE prs pr SET fixes_bug = false, fixes_incident = false
    WHERE (pr.fixes_bug OR pr.fixes_incident) AND NOT EXISTS (SELECT 1 FROM f WHERE f.pr_id = pr.id)
    RETURNING pr.id
)
SELECT (SELECT count(*) FROM set_flags) + (SELECT count(*) FROM cleared)
"""
)


def store_pr_fixes(conn: Connection) -> int:
    """Stores every PR's ``fixes_bug``/``fixes_incident``; returns how many
    PRs changed (none over unchanged data)."""
    return int(conn.execute(STORE_FIXES).scalar_one())
