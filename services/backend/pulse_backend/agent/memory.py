"""Feedback on answers into ``ai_learning_memory``, and the corrections a
later question of the same tenant should see.

Relevance is by word overlap of the questions (Jaccard over content
words): corrections are few per tenant and the question a user corrects is
usually asked again in nearly the same words. The table lives in the
tenant's schema, so the tenant's transaction only ever sees its own rows.
"""

from __future__ import annotations

import re

from pydantic import BaseModel
from sqlalchemy import Connection, select

from pulse_backend.ml.models import FeedbackIn
from pulse_backend.ml.service import add_feedback
from pulse_common.models.base import table_of
from pulse_common.models.tenant_ai import AiLearningMemory

KIND = "assistant_feedback"
MIN_OVERLAP = 0.5
SCANNED = 200
_MEM = table_of(AiLearningMemory)
_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = (
    "a an the of in on to for and or is are was were do does did we our us i me my "
    "what which who why how when where most more last this that with by from"
)
_STOP = frozenset(_STOP_WORDS.split())


class Correction(BaseModel):
    memory_id: int
    question: str
    correction: str


def words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP)


def overlap(a: str, b: str) -> float:
    wa, wb = words(a), words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def record(
    conn: Connection,
    tenant_id: int,
    user_id: int,
    *,
    question: str,
    answer: str,
    rating: str,
    correction: str | None,
    context: dict[str, str | None],
) -> int:
    body = FeedbackIn(
        kind=KIND,
        user_intent=question,
        original_answer=answer,
        user_feedback=rating,
        corrected_answer=correction,
        context=context,
    )
    return add_feedback(conn, tenant_id, user_id, body).id


def relevant(conn: Connection, question: str, limit: int = 3) -> list[Correction]:
    """The tenant's corrections whose question resembles ``question``, best first."""
    rows = conn.execute(
        select(_MEM.c.id, _MEM.c.user_intent, _MEM.c.corrected_answer)
        .where(_MEM.c.kind == KIND, _MEM.c.active.is_(True), _MEM.c.corrected_answer.is_not(None))
        .order_by(_MEM.c.created_at.desc(), _MEM.c.id.desc())
        .limit(SCANNED)
    )
    scored = [(overlap(question, r.user_intent), r) for r in rows]
    best = sorted((s for s in scored if s[0] >= MIN_OVERLAP), key=lambda s: -s[0])[:limit]
    return [
        Correction(memory_id=r.id, question=r.user_intent, correction=r.corrected_answer)
        for _, r in best
    ]
