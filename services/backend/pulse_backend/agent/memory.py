"""Feedback on answers into ``ai_learning_memory``, and the corrections a
later question of the same tenant should see.

Relevance is by meaning: the cosine similarity of the questions'
embeddings (the same offline model as intent classification), so "what is
our deployment frequency?" finds a correction given on "how often do we
deploy?" although they share no word. Corrections are few per tenant (at most
``SCANNED`` are compared) and their questions' vectors are kept in a small
process cache, so a question costs one embedding. The table lives in the
tenant's schema, so the tenant's transaction only ever sees its own rows.
A correction reaches a user's questions only as far as it is trusted
(``ml.learning``: accepted ones everyone's, pending ones their author's).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel
from sqlalchemy import Connection, select

from pulse_backend.context import Principal
from pulse_backend.ml import learning
from pulse_backend.ml.models import FeedbackIn, MemoryOut
from pulse_common.ai import Embedder
from pulse_common.models.base import table_of
from pulse_common.models.tenant_ai import AiLearningMemory

KIND = "assistant_feedback"
# Measured with all-MiniLM-L6-v2: paraphrases of a question score 0.65-0.99,
# other questions about the same data (repositories by incidents vs. by open
# pull requests) up to about 0.61, unrelated metrics below 0.4.
MIN_SIMILARITY = 0.65
SCANNED = 200
CACHED = 2048
_MEM = table_of(AiLearningMemory)


class Correction(BaseModel):
    memory_id: int
    question: str
    correction: str


class _VectorCache:
    """Question text -> unit vector, per model, least recently used out."""

    def __init__(self, size: int = CACHED) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        keys = [(embedder.name, t) for t in texts]
        with self._lock:
            known = {k: self._items[k] for k in keys if k in self._items}
            for k in known:
                self._items.move_to_end(k)
        missing = [k for k in dict.fromkeys(keys) if k not in known]
        if missing:
            fresh = np.asarray(embedder.embed([t for _, t in missing]), dtype=np.float64)
            norms = np.linalg.norm(fresh, axis=1, keepdims=True)
            known.update(zip(missing, fresh / np.where(norms == 0, 1.0, norms), strict=True))
            with self._lock:
                self._items.update((k, known[k]) for k in missing)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return np.stack([known[k] for k in keys])


_cache = _VectorCache()


def similarities(embedder: Embedder, question: str, others: Sequence[str]) -> list[float]:
    """Cosine similarity of ``question`` to each of ``others``."""
    if not others:
        return []
    vectors = _cache.vectors(embedder, [question, *others])
    return [float(x) for x in vectors[1:] @ vectors[0]]


def record(
    conn: Connection,
    principal: Principal,
    *,
    question: str,
    answer: str,
    rating: str,
    correction: str | None,
    context: dict[str, str | None],
) -> MemoryOut:
    body = FeedbackIn(
        kind=KIND,
        user_intent=question,
        original_answer=answer,
        user_feedback=rating,
        corrected_answer=correction,
        context=context,
    )
    return learning.add(conn, principal, body)


def candidates(conn: Connection, user_id: int) -> list[Correction]:
    """The tenant's newest corrections that apply to ``user_id``: the read,
    apart from the comparison (``relevant``) so that the transaction is over
    before the embedding model is loaded or run."""
    rows = conn.execute(
        select(_MEM.c.id, _MEM.c.user_intent, _MEM.c.corrected_answer)
        .where(
            _MEM.c.kind == KIND,
            _MEM.c.active.is_(True),
            _MEM.c.corrected_answer.is_not(None),
            learning.applies_to(user_id),
        )
        .order_by(_MEM.c.created_at.desc(), _MEM.c.id.desc())
        .limit(SCANNED)
    )
    return [
        Correction(memory_id=r.id, question=r.user_intent, correction=r.corrected_answer)
        for r in rows
    ]


def relevant(
    found: list[Correction], model: Callable[[], Embedder], question: str, limit: int = 3
) -> list[Correction]:
    """Those of ``found`` whose question means what ``question`` means, best first."""
    if not found:
        return []  # no model load (``model`` is lazy) for a tenant without corrections
    scores = similarities(model(), question, [c.question for c in found])
    scored = [(s, c) for s, c in zip(scores, found, strict=True) if s >= MIN_SIMILARITY]
    return [c for _, c in sorted(scored, key=lambda s: -s[0])[:limit]]
