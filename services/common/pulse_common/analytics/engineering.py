"""Engineering flow over merged PRs: throughput per week, the cycle-time
breakdown up to the merge, review load and response time per reviewer, and
the PR size distribution. PRs count in the range they were merged in; the
scope's repository, project and team (author) filters apply."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection

from pulse_common.analytics import queries as q
from pulse_common.analytics.lead_time import pr_filter, span_sql
from pulse_common.analytics.results import Component
from pulse_common.analytics.scope import Scope

# Upper bounds (exclusive) of changed lines (additions + deletions).
SIZES = (("XS", 10), ("S", 100), ("M", 400), ("L", 1000), ("XL", None))
# A PR's bucket as its index in SIZES: width_bucket gives 0 below the first
# bound, i for bounds[i-1] <= lines < bounds[i], len(bounds) from the last.
_BOUNDS = ", ".join(str(top) for _, top in SIZES if top is not None)
_SIZE_COUNTS = ", ".join(f"count(*) FILTER (WHERE size = {i})" for i in range(len(SIZES)))

# One statement, one row: the aggregation happens here, not per PR in Python.
# Each merged PR's first commit (else the API's first_commit_at) and first
# review by someone else (else the API's first_review_at) as epoch seconds
# (date_part's float8, as lead time's: the exact microseconds / 1e6), the
# steps as lead time computes them (``span_sql``: null when missing or out of
# order), their lower medians as ``percentile_disc(0.5)``; weeks are the
# Monday-start weeks of the merge's local day in the scope's time zone.
# Both starts are relink's stored ones (``dora.starts``; reading every merged
# PR's commits and reviews took half the statement) where they mean the
# same: the stored first commit falls back to the opening too, so a stored
# start equal to the opening with no API first_commit_at may be that
# fallback (no commit time: coding is null here), and those PRs, like the
# ones relink has not seen yet (no stored starts), read their rows.
# Reviewers: each one's first review of a PR (not their own) in range, the
# wait from the opening in hours, clamped at 0, ordered by load then name;
# a first review in range is a review in range with none before it (the
# range's reviews only, not every review's pair grouped).
# One row per merged PR of the range: its id, size bucket, week and the
# epochs its steps are computed from (``REVIEW_HOURS`` and the others below).
# The agent's review answers read the same rows (``merged_cte``).
MERGED = f"""merged AS MATERIALIZED (
    SELECT pr.id AS pr_id,
           width_bucket(pr.additions + pr.deletions, ARRAY[{_BOUNDS}]) AS size,
           date_trunc('week', pr.merged_at AT TIME ZONE :tz)::date AS week,
           date_part('epoch', CASE
               WHEN pr.derived_first_commit_at IS NOT NULL
                    AND (pr.first_commit_at IS NOT NULL OR pr.derived_first_commit_at <> pr.created)
               THEN pr.derived_first_commit_at
               ELSE coalesce((SELECT min(c.authored_at) FROM prs_commits c WHERE c.pr_id = pr.id),
                             pr.first_commit_at) END) AS e_first,
           date_part('epoch', pr.created) AS e_opened,
           date_part('epoch', CASE
               WHEN pr.derived_first_commit_at IS NOT NULL THEN pr.derived_first_review_at
               ELSE coalesce((SELECT min(r.submitted_at) FROM prs_reviews r
                              WHERE r.pr_id = pr.id AND r.reviewer IS DISTINCT FROM pr.author),
                             pr.first_review_at) END) AS e_review,
           date_part('epoch', pr.merged_at) AS e_merged
    FROM prs pr
    WHERE pr.merged_at >= :start AND pr.merged_at < :end {{pr_filter}}
)"""
# A merged row's review time: from the first review by someone else to the merge.
REVIEW_HOURS = span_sql("e_review", "e_merged")
# Each step of a merged row in hours, by the name the statement gives it
# (the assistant lists the PRs longest in a step from the same expressions).
STEP_HOURS = {
    "coding": span_sql("e_first", "e_opened"),
    "pickup": span_sql("e_opened", "e_review"),
    "review": REVIEW_HOURS,
}
STATEMENT = f"""
WITH {MERGED}, steps AS (
    SELECT m.size, {", ".join(f"{sql} AS {step}" for step, sql in STEP_HOURS.items())}
    FROM merged m
), weeks AS (
    SELECT week, count(*) AS n FROM merged GROUP BY week
), reviewers AS (
    SELECT r.reviewer, count(*) AS n,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY
               greatest(extract(epoch FROM r.first_at - pr.created)::float8, 0) / 3600::float8)
               AS median
    FROM (SELECT rv.pr_id, rv.reviewer, min(rv.submitted_at) AS first_at FROM prs_reviews rv
          WHERE rv.submitted_at >= :start AND rv.submitted_at < :end
          GROUP BY rv.pr_id, rv.reviewer) r
    JOIN prs pr ON pr.id = r.pr_id
    WHERE r.reviewer IS DISTINCT FROM pr.author {{pr_filter}}
      AND NOT EXISTS (SELECT FROM prs_reviews b WHERE b.pr_id = r.pr_id
                      AND b.reviewer IS NOT DISTINCT FROM r.reviewer AND b.submitted_at < :start)
    GROUP BY r.reviewer
)
SELECT count(*) AS total,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY coding) AS coding, count(coding) AS n_coding,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY pickup) AS pickup, count(pickup) AS n_pickup,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY review) AS review, count(review) AS n_review,
       ARRAY[{_SIZE_COUNTS}] AS sizes,
       (SELECT array_agg(week ORDER BY week) FROM weeks) AS weeks,
       (SELECT array_agg(n ORDER BY week) FROM weeks) AS week_counts,
       (SELECT array_agg(reviewer ORDER BY n DESC, reviewer) FROM reviewers) AS reviewers,
       (SELECT array_agg(n ORDER BY n DESC, reviewer) FROM reviewers) AS reviews,
       (SELECT array_agg(median ORDER BY n DESC, reviewer) FROM reviewers) AS waits
FROM steps
"""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class WeekCount(_Out):
    week: dt.date
    merged_prs: int


class ReviewerLoad(_Out):
    reviewer: str | None
    prs_reviewed: int
    median_response_hours: float | None


class SizeBucket(_Out):
    size: str
    max_lines: int | None
    prs: int


class Engineering(_Out):
    merged_prs: int
    throughput: tuple[WeekCount, ...]
    coding: Component
    pickup: Component
    review: Component
    reviewers: tuple[ReviewerLoad, ...]
    sizes: tuple[SizeBucket, ...]


def _rendered(sql: str, scope: Scope) -> tuple[str, dict[str, Any]]:
    f = pr_filter(scope)
    params = {**f.params, "start": scope.start, "end": scope.end, "tz": scope.timezone}
    return q.render(sql, pr_filter=f.sql), params


def engineering_statement(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The statement and its parameters."""
    return _rendered(STATEMENT, scope)


def merged_cte(scope: Scope) -> tuple[str, dict[str, Any]]:
    """``merged AS MATERIALIZED (...)`` for a statement of its own that
    starts ``WITH`` it, and its parameters: the rows the engineering
    figures are computed from."""
    return _rendered(MERGED, scope)


def engineering(conn: Connection, scope: Scope) -> Engineering:
    row = q.one(conn, *engineering_statement(scope))
    return Engineering(
        merged_prs=row.total,
        throughput=tuple(
            WeekCount(week=w, merged_prs=n)
            for w, n in zip(row.weeks or (), row.week_counts or (), strict=True)
        ),
        coding=Component(median_hours=row.coding, sample_size=row.n_coding),
        pickup=Component(median_hours=row.pickup, sample_size=row.n_pickup),
        review=Component(median_hours=row.review, sample_size=row.n_review),
        reviewers=tuple(
            ReviewerLoad(reviewer=r, prs_reviewed=n, median_response_hours=m)
            for r, n, m in zip(row.reviewers or (), row.reviews or (), row.waits or (), strict=True)
        ),
        sizes=tuple(
            SizeBucket(size=name, max_lines=top, prs=n)
            for (name, top), n in zip(SIZES, row.sizes, strict=True)
        ),
    )
