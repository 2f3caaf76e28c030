"""Tenant migration 2c5e8a4f7b19: ``ai_learning_memory.user_id``, ``review``,
``reviewed_by`` and ``reviewed_at``: who gave a correction to the assistant
and whether an admin accepted it for everyone.

The upgrade reads the author from ``context.user_id`` (where the previous
release kept it); a correction given by an admin, or by a holder of
``integrations:write``, is accepted by its author, every other one pending
(it applies to its author's questions only until an admin accepts it). The
downgrade drops the columns and deactivates rejected corrections, so that
the previous release, which has no review, does not give them to everyone."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "1bf4516e15f1"
COLUMNS = {"user_id", "review", "reviewed_by", "reviewed_at"}

pytestmark = pytest.mark.postgres


def _columns(conn: Connection, schema: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns("ai_learning_memory", schema=schema)}


def _user(conn: Connection, schema: str, email: str, role: str) -> int:
    return int(
        conn.execute(
            text(
                f"INSERT INTO {schema}.users (tenant_id, email, role) VALUES (1, :e, :r) "
                "RETURNING id"
            ),
            {"e": email, "r": role},
        ).scalar_one()
    )


def _old_row(conn: Connection, table: str, intent: str, context: dict[str, object]) -> None:
    """Feedback as the previous release stored it (its author in ``context``)."""
    conn.execute(
        text(
            f"INSERT INTO {table} (tenant_id, kind, user_intent, corrected_answer, context) "
            "VALUES (1, 'assistant_feedback', :i, 'a correction', CAST(:c AS jsonb))"
        ),
        {"i": intent, "c": json.dumps(context)},
    )


def test_correction_review_round_trip(pulse_db: PulseDb, make_tenant: TenantFactory) -> None:
    _, t = make_tenant("review")
    bare = TenantNames(t.slug).schema
    schema = quote_ident(bare)
    table = f"{schema}.ai_learning_memory"
    with connect(pulse_db.engine) as conn:
        assert _columns(conn, bare) >= COLUMNS
        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert not COLUMNS & _columns(conn, bare)

        admin = _user(conn, schema, "boss@x.example", "admin")
        member = _user(conn, schema, "ada@x.example", "user")
        granted = _user(conn, schema, "ops@x.example", "user")
        conn.execute(
            text(
                f"INSERT INTO {schema}.users_permissions (tenant_id, user_id, resource, action) "
                "VALUES (1, :u, 'integrations', 'write')"
            ),
            {"u": granted},
        )
        _old_row(conn, table, "admin's", {"user_id": admin})
        _old_row(conn, table, "member's", {"user_id": member})
        _old_row(conn, table, "granted's", {"user_id": granted})
        _old_row(conn, table, "nobody's", {})
        _old_row(conn, table, "forged", {"user_id": "1; DROP TABLE x"})
        _old_row(conn, table, "gone", {"user_id": 999999})

        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        rows = {
            r.user_intent: r
            for r in conn.execute(
                text(f"SELECT user_intent, user_id, review, reviewed_by, reviewed_at FROM {table}")
            )
        }
        assert (rows["admin's"].user_id, rows["admin's"].review) == (admin, "accepted")
        assert rows["admin's"].reviewed_by == admin and rows["admin's"].reviewed_at is not None
        assert (rows["granted's"].user_id, rows["granted's"].review) == (granted, "accepted")
        assert (rows["member's"].user_id, rows["member's"].review) == (member, "pending")
        assert rows["member's"].reviewed_by is None and rows["member's"].reviewed_at is None
        for unknown in ("nobody's", "forged", "gone"):
            assert (rows[unknown].user_id, rows[unknown].review) == (None, "pending"), unknown

        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(text(f"UPDATE {table} SET review = 'maybe'"))
        conn.execute(text(f"UPDATE {table} SET review = 'rejected' WHERE user_intent = 'forged'"))
        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        active = dict(conn.execute(text(f"SELECT user_intent, active FROM {table}")).all())
        assert active == {intent: intent != "forged" for intent in rows}
        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
