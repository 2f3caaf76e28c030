"""Engineering flow computed in SQL against the per-row Python it replaced.

``reference`` is the former ``engineering`` (every merged PR fetched, then
weeks, sizes, spans and medians in Python), kept here verbatim as the
oracle: the SQL answer must be the same model, float for float, on edge
cases (time-zone boundary merges, negative spans, missing starts, bucket
boundaries, NULL reviewers, filters, an empty range) and on random data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from typing import Any

import pytest
from sqlalchemy import Connection, text

from pulse_common.analytics import queries as q
from pulse_common.analytics.common import HOUR
from pulse_common.analytics.engineering import (
    SIZES,
    Engineering,
    ReviewerLoad,
    SizeBucket,
    WeekCount,
    engineering,
)
from pulse_common.analytics.lead_time import pr_filter
from pulse_common.analytics.median import lower_median
from pulse_common.analytics.scope import Scope
from pulse_common.dora.starts import store_pr_starts
from tests.dora.conftest import T0, Scenario, h
from tests.dora.python_reference import component, span

REF_MERGED = """
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

REF_REVIEWS = """
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


def _size(lines: int) -> str:
    return next(name for name, top in SIZES if top is None or lines < top)


def reference(conn: Connection, scope: Scope) -> Engineering:
    """The per-row Python implementation (commit e1e7e66), unchanged."""
    f = pr_filter(scope)
    params: dict[str, Any] = {**f.params, "start": scope.start, "end": scope.end}
    prs = q.rows(conn, q.render(REF_MERGED, pr_filter=f.sql), params)
    zone = scope.zone
    weeks: Counter[dt.date] = Counter()
    for p in prs:
        day = p.merged_at.astimezone(zone).date()
        weeks[day - dt.timedelta(days=day.weekday())] += 1
    sizes = Counter(_size(p.lines) for p in prs)
    reviewers: list[ReviewerLoad] = []
    for r in q.rows(conn, q.render(REF_REVIEWS, pr_filter=f.sql), params):
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


def same(conn: Connection, scope: Scope) -> Engineering:
    """The SQL answer, checked equal to the reference (model and JSON bytes),
    with the PRs' starts as relink stores them (``store_pr_starts``) for
    none of the PRs, every other one and all (the statement reads the stored
    starts where it can; a PR relink has not seen reads its rows)."""
    want = reference(conn, scope)
    ids = sorted(conn.execute(text("SELECT id FROM prs")).scalars())
    got = want
    for stored in ([], ids[::2], ids):
        savepoint = conn.begin_nested()
        conn.execute(
            text("UPDATE prs SET derived_first_commit_at = NULL, derived_first_review_at = NULL")
        )
        store_pr_starts(conn, stored)
        got = engineering(conn, scope)
        savepoint.rollback()
        assert got.model_dump_json() == want.model_dump_json(), f"{len(stored)} PRs stored"
        assert got == want
    return got


def _raw_pr(
    sc: Scenario,
    repo: int,
    *,
    opened: dt.datetime,
    merged: dt.datetime | None,
    author: str | None = "ada",
    first_commit_at: dt.datetime | None = None,
    first_review_at: dt.datetime | None = None,
    lines: tuple[int, int] = (0, 0),
) -> int:
    """A PR with no commit or review rows: only the API's own fields."""
    n = 100_000 + next(sc._n)
    return sc._insert(
        "prs",
        repository_id=repo,
        number=n,
        title=f"PR {n}",
        author=author,
        state="merged" if merged else "open",
        created=opened,
        merged_at=merged,
        first_commit_at=first_commit_at,
        first_review_at=first_review_at,
        additions=lines[0],
        deletions=lines[1],
    )


def _review(sc: Scenario, pr: int, reviewer: str | None, at: dt.datetime) -> None:
    sc._insert(
        "prs_reviews",
        pr_id=pr,
        external_id=f"r-{next(sc._n)}",
        reviewer=reviewer,
        state="commented",
        submitted_at=at,
    )


def _lines(sc: Scenario, pr: int, additions: int, deletions: int) -> None:
    sc.conn.execute(
        text("UPDATE prs SET additions = :a, deletions = :d WHERE id = :i"),
        {"a": additions, "d": deletions, "i": pr},
    )


US = dt.timedelta(microseconds=1)


def test_engineering_sql_matches_the_python_reference_on_edge_cases(sc: Scenario) -> None:
    api, web, ops = sc.repo("api"), sc.repo("web"), sc.repo("ops")
    proj = sc.project("ENG", api, ops)
    # T0 is Monday 2026-06-01 (UTC). Sunday 2026-06-07 23:30 in Berlin (UTC+2)
    # is 21:30 UTC; 00:30 on Monday 06-08 in Berlin is 22:30 UTC on Sunday.
    sunday_late_berlin = dt.datetime(2026, 6, 7, 21, 30, tzinfo=dt.UTC)
    monday_early_berlin = dt.datetime(2026, 6, 7, 22, 30, tzinfo=dt.UTC)
    # Sunday 23:30 in Los Angeles (UTC-7) is Monday 06:30 UTC.
    sunday_late_la = dt.datetime(2026, 6, 8, 6, 30, tzinfo=dt.UTC)
    sc.pr(api, first_commit=h(100), opened=h(140), merged=sunday_late_berlin)
    sc.pr(api, first_commit=h(100), opened=h(141), merged=monday_early_berlin, author="bob")
    sc.pr(web, first_commit=h(100), opened=h(142), merged=sunday_late_la, author="cy")
    # Negative spans: the commit after the opening, the review before it,
    # the (first) review after the merge.
    neg = sc.pr(
        api,
        first_commit=h(10),
        opened=h(5),
        reviews=(("bob", h(4)), ("cy", h(6))),
        merged=h(20),
    )
    _review(sc, neg, "bob", h(3))  # bob's first review is the earlier one
    sc.pr(api, first_commit=h(1), opened=h(2), reviews=(("bob", h(30)),), merged=h(25))
    # Zero-length steps count (as 0 h): committed, opened, reviewed, merged at once.
    sc.pr(ops, first_commit=h(7), opened=h(7), reviews=(("cy", h(7)),), merged=h(7), author="bob")
    # No review at all, and the API's fields only (no commit or review rows).
    sc.pr(ops, first_commit=h(0), opened=h(1), merged=h(2.5))
    _raw_pr(sc, ops, opened=h(3), merged=h(9), first_commit_at=h(1), first_review_at=h(4))
    _raw_pr(sc, api, opened=h(3), merged=h(9.25), author=None)  # no starts, no author
    _raw_pr(sc, web, opened=h(3), merged=h(9.5), first_review_at=h(2))  # pickup < 0
    # Reviews: a NULL reviewer, the author's own review,
    # a reviewer whose PR merged outside the range, odd fractions.
    odd = sc.pr(
        web,
        first_commit=h(0) + 7 * US,
        opened=h(1) + 1234567 * US,
        reviews=(("dee", h(2) + 333 * US),),
        merged=h(50) + 10 * US,
        author="dee",
    )
    _review(sc, odd, None, h(1.1))
    _review(sc, odd, "eve", h(2) + 1 * US)
    # A reviewer's first review of a PR before the range and another in it:
    # not a first review in range (for a named and a NULL reviewer).
    before = T0 - dt.timedelta(days=3)
    early = sc.pr(api, first_commit=before, opened=before, reviews=(("ivy", before),), merged=h(4))
    _review(sc, early, "ivy", h(3))
    _review(sc, early, None, before)
    _review(sc, early, None, h(3.5))
    _review(sc, early, "jo", h(3.75))  # jo's first review is in range
    late = sc.pr(api, first_commit=h(0), opened=h(1), merged=h(24 * 40), author="fay")
    _review(sc, late, "eve", h(3))
    _review(sc, late, None, h(0.5))  # before the opening: waits clamp at 0
    # Ties and an even number of values for the lower median.
    for k in range(4):
        sc.pr(
            api if k % 2 else ops,
            first_commit=h(60),
            opened=h(61 + k // 2),
            reviews=(("gus", h(62 + k)),),
            merged=h(70),
            author="hal",
        )
    # Sizes on every bucket boundary (additions + deletions).
    for n, (a, d) in enumerate(((9, 0), (5, 5), (99, 0), (0, 100), (399, 0), (200, 200),
                                (999, 0), (1000, 0), (0, 0), (4000, 1000))):  # fmt: skip
        pr = sc.pr(web if n % 2 else ops, first_commit=h(80), opened=h(81 + n), merged=h(90 + n))
        _lines(sc, pr, a, d)
    sc.pr(api, first_commit=h(0), opened=h(1), merged=None)  # open: not counted
    # Exactly at the range's ends: the start counts, the end does not.
    start, end = T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=9)
    sc.pr(api, first_commit=start - dt.timedelta(hours=3), opened=start - US, merged=start)
    sc.pr(api, first_commit=h(0), opened=h(1), merged=end)

    def scope(**kw: Any) -> Scope:
        return Scope(start=start, end=end, **kw)

    utc = same(sc.conn, scope())
    assert utc.merged_prs == 27 and len(utc.reviewers) >= 5
    assert "jo" in {r.reviewer for r in utc.reviewers}
    assert "ivy" not in {r.reviewer for r in utc.reviewers}
    assert {s.size: s.prs for s in utc.sizes}["XS"] >= 3
    assert None in {r.reviewer for r in utc.reviewers}
    berlin = same(sc.conn, scope(timezone="Europe/Berlin"))
    weeks_utc = {w.week: w.merged_prs for w in utc.throughput}
    weeks_berlin = {w.week: w.merged_prs for w in berlin.throughput}
    # The Berlin Sunday-night merge stays in the week of June 1, the one
    # after midnight moves to June 8; in UTC both are Sunday's.
    assert weeks_berlin[dt.date(2026, 6, 8)] == weeks_utc[dt.date(2026, 6, 8)] + 1
    la = same(sc.conn, scope(timezone="America/Los_Angeles"))
    # The Los Angeles Sunday-night merge is Monday in UTC, Sunday there.
    assert weeks_utc[dt.date(2026, 6, 8)] == 1
    assert dt.date(2026, 6, 8) not in {w.week for w in la.throughput}
    for tz in ("Asia/Kolkata", "Pacific/Chatham", "America/St_Johns"):
        same(sc.conn, scope(timezone=tz))
    same(sc.conn, scope(authors=("bob",)))
    same(sc.conn, scope(authors=("ada", "dee", "hal")))
    same(sc.conn, scope(authors=("nobody",)))
    same(sc.conn, scope(repository_ids=(web,)))
    same(sc.conn, scope(project_ids=(proj,)))
    same(sc.conn, scope(project_ids=(proj,), repository_ids=(ops,), authors=("hal",)))
    empty = same(sc.conn, Scope(start=h(-24 * 400), end=h(-24 * 300)))
    assert empty.merged_prs == 0 and empty.throughput == () and empty.reviewers == ()
    assert empty.coding.median_hours is None and empty.coding.sample_size == 0
    assert [s.prs for s in empty.sizes] == [0] * len(SIZES)
    one = same(sc.conn, Scope(start=h(2.5), end=h(2.5) + US))  # one merge, no review
    assert one.merged_prs == 1 and one.pickup.sample_size == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_engineering_sql_matches_the_python_reference_on_random_data(
    sc: Scenario, seed: int
) -> None:
    rnd = random.Random(seed)
    repos = [sc.repo(f"r{seed}-{i}") for i in range(3)]
    proj = sc.project(f"P{seed}", repos[0], repos[2])
    people = ["ada", "bob", "cy", "dee", None]
    # Around Europe's spring DST change (2026-03-29) and the US one (03-08).
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    def at() -> dt.datetime:
        return base + dt.timedelta(microseconds=rnd.randrange(45 * 86400 * 10**6))

    for _ in range(160):
        opened = at()
        merged = at() if rnd.random() < 0.9 else None
        author = rnd.choice(people)
        if rnd.random() < 0.8:
            reviews = tuple((str(rnd.choice(people[:4])), at()) for _ in range(rnd.randrange(4)))
            pr = sc.pr(
                rnd.choice(repos),
                first_commit=at(),
                opened=opened,
                merged=merged,
                reviews=reviews,
                author=author or "ada",
            )
            if author is None:
                sc.conn.execute(text("UPDATE prs SET author = NULL WHERE id = :i"), {"i": pr})
            if rnd.random() < 0.2:
                _review(sc, pr, None, at())
            _lines(
                sc,
                pr,
                rnd.choice([0, 9, 10, 99, 100, 399, 400, 999, 1000, rnd.randrange(5000)]),
                rnd.randrange(3),
            )
        else:
            _raw_pr(
                sc,
                rnd.choice(repos),
                opened=opened,
                merged=merged,
                author=author,
                first_commit_at=at() if rnd.random() < 0.5 else None,
                first_review_at=at() if rnd.random() < 0.5 else None,
                lines=(rnd.randrange(1200), rnd.randrange(50)),
            )
    start, end = base + dt.timedelta(days=3), base + dt.timedelta(days=40)
    for kw in (
        {},
        {"timezone": "Europe/Berlin"},
        {"timezone": "America/New_York"},
        {"timezone": "Australia/Lord_Howe"},
        {"authors": ("ada", "cy")},
        {"repository_ids": (repos[1],)},
        {"project_ids": (proj,), "timezone": "Asia/Tokyo"},
    ):
        got = same(sc.conn, Scope(start=start, end=end, **kw))
        assert got.merged_prs > 0 and got.coding.sample_size > 0
