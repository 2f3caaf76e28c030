"""The agent's learning memory (``ai_learning_memory``): feedback on its
answers, who may read it, and whom a correction applies to.

A user's feedback holds the questions they asked and the answers they got,
private to them as their conversations are: a member reads their own
entries, a reviewer (``REVIEWER``) everyone's. A correction steers later
answers (``agent/prompts.py``, local mode's notes), so it reaches every user
of the tenant only once a reviewer accepted it, or gave it; until then it
applies to its author's own questions only (``pending``), and a rejected one
to nobody. Everything runs in the caller's tenant transaction: the table is
in the tenant's schema, so another tenant's row is never found.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update

from pulse_backend.context import Principal
from pulse_backend.ml.models import FeedbackIn, MemoryOut
from pulse_common.errors import NotFound
from pulse_common.models.base import table_of
from pulse_common.models.enums import CorrectionReview
from pulse_common.models.tenant_ai import AiLearningMemory

# Whoever holds it chooses the AI provider, i.e. the model that answers
# every user: deciding what that model is told as the team's corrections is
# the same trust. Admins hold it; users_permissions can grant it.
REVIEWER = "integrations:write"
_MEM = table_of(AiLearningMemory)


class MemoryNotFound(NotFound):
    code = "memory_not_found"


def may_review(principal: Principal) -> bool:
    return principal.can(REVIEWER)


def _out(row: Any) -> MemoryOut:
    return MemoryOut.model_validate({k: row[k] for k in MemoryOut.model_fields})


def entries(
    conn: Connection,
    principal: Principal,
    *,
    kind: str | None,
    review: list[CorrectionReview] | None = None,
    limit: int,
    offset: int,
) -> list[MemoryOut]:
    """Newest first: the caller's own entries, or everyone's for a reviewer.
    Asked for review states, only corrections: a plain rating has nothing to
    review (a reviewer's is stored ``accepted`` all the same)."""
    stmt = select(_MEM).order_by(_MEM.c.created_at.desc(), _MEM.c.id.desc())
    if not may_review(principal):
        stmt = stmt.where(_MEM.c.user_id == principal.user_id)
    if kind is not None:
        stmt = stmt.where(_MEM.c.kind == kind)
    if review:
        stmt = stmt.where(_MEM.c.review.in_(review), _MEM.c.corrected_answer.is_not(None))
    return [_out(r) for r in conn.execute(stmt.limit(limit).offset(offset)).mappings()]


def add(conn: Connection, principal: Principal, body: FeedbackIn) -> MemoryOut:
    """A reviewer's own correction needs no other review: accepted at once."""
    values: dict[str, Any] = body.model_dump()
    # The author in ``context`` too: where the previous release kept it.
    values["context"] = {**body.context, "user_id": principal.user_id}
    if may_review(principal):
        values.update(
            review=CorrectionReview.accepted, reviewed_by=principal.user_id, reviewed_at=func.now()
        )
    stmt = insert(_MEM).values(tenant_id=principal.tenant_id, user_id=principal.user_id, **values)
    return _out(conn.execute(stmt.returning(*_MEM.c)).mappings().one())


def pending(conn: Connection, *, kind: str | None, limit: int, offset: int) -> list[MemoryOut]:
    """The corrections waiting for a reviewer, newest first."""
    stmt = (
        select(_MEM)
        .where(
            _MEM.c.review == CorrectionReview.pending,
            _MEM.c.active.is_(True),
            _MEM.c.corrected_answer.is_not(None),
        )
        .order_by(_MEM.c.created_at.desc(), _MEM.c.id.desc())
    )
    if kind is not None:
        stmt = stmt.where(_MEM.c.kind == kind)
    return [_out(r) for r in conn.execute(stmt.limit(limit).offset(offset)).mappings()]


def decide(
    conn: Connection, memory_id: int, principal: Principal, review: CorrectionReview
) -> MemoryOut:
    """Accepts or rejects one entry (a reviewer may change their mind);
    deciding what it already is keeps who decided it and when."""
    row = (
        conn.execute(
            update(_MEM)
            .where(_MEM.c.id == memory_id, _MEM.c.review != review)
            .values(review=review, reviewed_by=principal.user_id, reviewed_at=func.now())
            .returning(*_MEM.c)
        )
        .mappings()
        .first()
    )
    if row is None:
        row = conn.execute(select(_MEM).where(_MEM.c.id == memory_id)).mappings().first()
    if row is None:
        raise MemoryNotFound(f"no learning memory entry with id {memory_id}")
    return _out(row)


def applies_to(user_id: int) -> ColumnElement[bool]:
    """The entries whose correction may shape ``user_id``'s answers."""
    return or_(
        _MEM.c.review == CorrectionReview.accepted,
        and_(_MEM.c.review == CorrectionReview.pending, _MEM.c.user_id == user_id),
    )
