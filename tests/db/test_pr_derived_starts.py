"""Tenant migration 60faef39097c: each PR's derived first commit and first
review (what lead time starts its coding and pickup from). The upgrade fills
them for the PRs already there, the downgrade drops them, and ``relink``'s
``store_pr_starts`` keeps them current, writing only the PRs that moved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, inspect, text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.dora.starts import store_pr_starts
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "9b1f3d5a7c40"
COLUMNS = {"derived_first_commit_at", "derived_first_review_at"}
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.postgres


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def _insert(conn: Connection, sql: str, **params: object) -> int:
    return int(conn.execute(text(sql), params).scalar_one())


def _scenario(conn: Connection) -> dict[str, int]:
    """Three PRs, each taking a different branch of the definition."""
    repo = _insert(
        conn,
        "INSERT INTO repositories (tenant_id, full_name, name) VALUES (1, 'acme/api', 'api') "
        "RETURNING id",
    )
    ids = {}
    for number, (name, api_commit, api_review) in enumerate(
        (("commits", h(-5), h(3)), ("api", h(-1), None), ("opened", None, h(6))), start=1
    ):
        ids[name] = _insert(
            conn,
            "INSERT INTO prs (tenant_id, repository_id, number, title, author, state, created, "
            "first_commit_at, first_review_at) VALUES (1, :r, :n, :t, 'ann', 'open', :c, :fc, "
            ":fr) RETURNING id",
            r=repo,
            n=number,
            t=f"PR {name}",
            c=T0,
            fc=api_commit,
            fr=api_review,
        )
    for sha, at in (("a" * 40, h(-10)), ("b" * 40, h(-3))):
        _insert(
            conn,
            "INSERT INTO prs_commits (tenant_id, pr_id, sha, authored_at) "
            "VALUES (1, :p, :s, :at) RETURNING id",
            p=ids["commits"],
            s=sha,
            at=at,
        )
    # The author's own review never counts; the earliest other one does.
    for pr, reviewer, at in (
        ("commits", "ann", h(1)),
        ("commits", "bob", h(4)),
        ("commits", "cid", h(2)),
        ("opened", "ann", h(0.5)),
    ):
        _insert(
            conn,
            "INSERT INTO prs_reviews (tenant_id, pr_id, external_id, reviewer, state, "
            "submitted_at) VALUES (1, :p, :x, :who, 'approved', :at) RETURNING id",
            p=ids[pr],
            x=f"{pr}-{reviewer}",
            who=reviewer,
            at=at,
        )
    return ids


EXPECTED = {
    "commits": (h(-10), h(2)),  # the earliest commit; cid's review, not ann's
    "api": (h(-1), None),  # no commits, no reviews: the API's fields
    "opened": (T0, h(6)),  # no first commit at all: the opening
}


def _starts(conn: Connection, ids: dict[str, int]) -> dict[str, tuple[object, object]]:
    rows = conn.execute(
        text("SELECT id, derived_first_commit_at, derived_first_review_at FROM prs")
    ).all()
    by_id = {r.id: (r.derived_first_commit_at, r.derived_first_review_at) for r in rows}
    return {name: by_id[i] for name, i in ids.items()}


def _columns(conn: Connection, schema: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns("prs", schema=schema)} & COLUMNS


def test_upgrade_fills_downgrade_drops_relink_keeps_current(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, t = make_tenant("starts")
    schema = TenantNames(t.slug).schema
    with connect(pulse_db.engine) as conn:
        assert _columns(conn, schema) == COLUMNS
        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert _columns(conn, schema) == set()
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        ids = _scenario(conn)
        conn.execute(text("RESET search_path"))

        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        assert _starts(conn, ids) == EXPECTED

        # Over unchanged data nothing is written.
        assert store_pr_starts(conn) == 0
        # An earlier commit and another's review reach only that PR.
        conn.execute(
            text(
                "INSERT INTO prs_commits (tenant_id, pr_id, sha, authored_at) "
                "VALUES (1, :p, :s, :at)"
            ),
            {"p": ids["api"], "s": "c" * 40, "at": h(-30)},
        )
        conn.execute(
            text(
                "INSERT INTO prs_reviews (tenant_id, pr_id, external_id, reviewer, state, "
                "submitted_at) VALUES (1, :p, 'late', 'dee', 'commented', :at)"
            ),
            {"p": ids["api"], "at": h(8)},
        )
        assert store_pr_starts(conn) == 1
        assert _starts(conn, ids) == {**EXPECTED, "api": (h(-30), h(8))}
        conn.execute(text("RESET search_path"))
