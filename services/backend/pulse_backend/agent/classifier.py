"""Which intent a question is (``intents.INTENTS``), by embedding with the
offline MiniLM.

An exemplar's wording is not enough: "how often do we frobnicate?" is
0.52 from "how often do we deploy?" by its shape alone. Unless the question
is close to an exemplar (``SURE``), it must also be about the intent's
topic (``MIN_TOPIC``); otherwise it is no intent (``SEARCH``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from pulse_backend.agent.intent import Intent
from pulse_backend.agent.intents import INTENTS, SEARCH
from pulse_common.ai import Embedder

# Measured with all-MiniLM-L6-v2 (tests/agent/test_local_and_memory.py):
# questions outside the data ("how often do we play football?", "what is
# our revenue?", "how many blorps were released?") reach 0.37-0.52 to an
# exemplar by their shape but at most 0.27 to any topic; questions about the
# data are near an exemplar ("how are we doing?" 0.80) or score 0.35-0.70 to
# their topic ("how often do we ship to prod" 0.35, "lead time" 0.40).
MIN_SIMILARITY = 0.35
SURE = 0.6
MIN_TOPIC = 0.3
# The intent is the one whose nearest exemplar plus TOPIC_WEIGHT times its
# topic is highest: the nearest exemplar alone follows the question's shape.
# "Who reviewed the slowest pull requests?" is 0.84 from lead time's "which
# pull requests were slowest to ship" and 0.79 from a review exemplar, but
# 0.73 from code review's topic and 0.55 from lead time's
# (tests/agent/test_routing.py holds the table of phrasings).
TOPIC_WEIGHT = 1.5


class IntentClassifier:
    """The intent whose nearest exemplar and topic together are nearest by
    cosine similarity (the vectors are unit length), kept when that exemplar
    is ``SURE`` or the question is also about the intent's topic; otherwise
    the question is searched for instead."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._lock = threading.Lock()
        self._exemplars: list[tuple[Intent, list[float]]] | None = None
        self._topics: dict[str, list[float]] = {}

    def _index(self) -> list[tuple[Intent, list[float]]]:
        with self._lock:
            if self._exemplars is None:
                texts = [(i, e) for i in INTENTS for e in i.exemplars]
                vectors = self.embedder.embed([e for _, e in texts] + [i.topic for i in INTENTS])
                self._exemplars = [
                    (i, v) for (i, _), v in zip(texts, vectors[: len(texts)], strict=True)
                ]
                self._topics = {
                    i.name: v for i, v in zip(INTENTS, vectors[len(texts) :], strict=True)
                }
            return self._exemplars

    def classify(self, question: str) -> tuple[Intent, float]:
        q = self.embedder.embed([question])[0]
        return self._pick(question, q, q)

    def classify_follow_up(self, words: str, joined: str) -> tuple[Intent, float]:
        """A follow-up's intent: what it asks is its own words' ("which of
        those are still open?" is 0.61 from an open-incidents exemplar but
        0.16 from recovery time's), what it is about may be the question it
        leans on (``joined``: both together, whose nearest exemplar is the
        earlier question's own). A follow-up whose words ask nothing an
        intent answers ("and last month?") is read from ``joined`` alone."""
        w, j = self.embedder.embed([words, joined])
        found = self._pick(words, w, j, joined)
        return found if found[0] is not SEARCH else self._pick(joined, j, j)

    def _pick(
        self, text: str, q: Sequence[float], about: Sequence[float], about_text: str = ""
    ) -> tuple[Intent, float]:
        """``q``: the vector of ``text``, matched to the exemplars; ``about``:
        the vector matched to the topics, of ``about_text`` (default ``text``)."""
        index = self._index()
        near: dict[str, float] = {}
        for intent, v in index:
            near[intent.name] = max(near.get(intent.name, -1.0), _dot(q, v))
        topic = {name: _dot(about, v) for name, v in self._topics.items()}
        candidates = [i for i in INTENTS if i.fits(text, about_text or text)]
        best = max(candidates, key=lambda i: near[i.name] + TOPIC_WEIGHT * topic[i.name])
        score = near[best.name]
        if score > MIN_SIMILARITY and (score >= SURE or topic[best.name] >= MIN_TOPIC):
            fitting = (v for v in best.variants if v.fits(text, about_text or text))
            return next(fitting, best), score
        return SEARCH, score


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
