"""Engineering flow over merged PRs: throughput per week, the cycle-time
breakdown up to the merge, review load and response time per reviewer, and
the PR size distribution. PRs count in the range they were merged in; the
scope's repository, project and team (author) filters apply."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection

from pulse_common.analytics import queries as q
from pulse_common.analytics.common import HOUR
from pulse_common.analytics.lead_time import component, pr_filter, span
from pulse_common.analytics.median import lower_median
from pulse_common.analytics.results import Component
from pulse_common.analytics.scope import Scope

# Upper bounds (exclusive) of changed lines (additions + deletions).
SIZES = (("XS", 10), ("S", 100), ("M", 400), ("L", 1000), ("XL", None))

MERGED = """
SELECT pr.id, pr.author, pr.additions + pr.deletions AS lines, pr.merged_at,
       extract(epoch FROM coalesce((SELECT min(c.authored_at) FROM prs_commits c
                                    WHERE c.pr_id = pr.id), pr.first_commit_at))::float8 AS first,
       extract(epoch FROM pr.created)::float8 AS opened,
       extract(epoch FROM coalesce(
           (SELECT min(r.submitted_at) FROM prs_reviews r
            WHERE r.pr_id = pr.id AND r.reviewer IS DISTINCT FROM pr.author),
           pr.first_review_at))::float8 AS reviewed,
       extract(epoch FROM pr.merged_at)::float8 AS merged
FROM prs pr
WHERE pr.merged_at >= :start AND pr.merged_at < :end {pr_filter}
ORDER BY pr.merged_at, pr.id
"""

REVIEWS = """
SELECT r.reviewer, count(*) AS reviews,
       array_agg(extract(epoch FROM r.first_at - pr.created)::float8) AS waits
FROM (SELECT pr_id, reviewer, min(submitted_at) AS first_at FROM prs_reviews
      GROUP BY pr_id, reviewer) r
JOIN prs pr ON pr.id = r.pr_id
WHERE r.first_at >= :start AND r.first_at < :end
  AND r.reviewer IS DISTINCT FROM pr.author {pr_filter}
GROUP BY r.reviewer
ORDER BY count(*) DESC, r.reviewer
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


def _size(lines: int) -> str:
    return next(name for name, top in SIZES if top is None or lines < top)


def engineering(conn: Connection, scope: Scope) -> Engineering:
    f = pr_filter(scope)
    params: dict[str, Any] = {**f.params, "start": scope.start, "end": scope.end}
    prs = q.rows(conn, q.render(MERGED, pr_filter=f.sql), params)
    zone = scope.zone
    weeks: Counter[dt.date] = Counter()
    for p in prs:
        day = p.merged_at.astimezone(zone).date()
        weeks[day - dt.timedelta(days=day.weekday())] += 1
    sizes = Counter(_size(p.lines) for p in prs)
    reviewers: list[ReviewerLoad] = []
    for r in q.rows(conn, q.render(REVIEWS, pr_filter=f.sql), params):
        waits: list[float | None] = [max(w, 0.0) / HOUR for w in r.waits]
        reviewers.append(
            ReviewerLoad(
                reviewer=r.reviewer,
                prs_reviewed=r.reviews,
                median_response_hours=lower_median(waits),
            )
        )
    steps: dict[str, list[float | None]] = defaultdict(list)
    for p in prs:
        steps["coding"].append(span(p.first, p.opened))
        steps["pickup"].append(span(p.opened, p.reviewed))
        steps["review"].append(span(p.reviewed, p.merged))
    return Engineering(
        merged_prs=len(prs),
        throughput=tuple(WeekCount(week=w, merged_prs=n) for w, n in sorted(weeks.items())),
        coding=component(steps["coding"]),
        pickup=component(steps["pickup"]),
        review=component(steps["review"]),
        reviewers=tuple(reviewers),
        sizes=tuple(SizeBucket(size=name, max_lines=top, prs=sizes[name]) for name, top in SIZES),
    )
