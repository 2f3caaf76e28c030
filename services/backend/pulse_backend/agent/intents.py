"""The questions local mode can answer without a language model: each
intent names the tool that answers it, with default arguments, the example
questions that stand for it, its topic, and the template that turns the
tool's output into the answer's text. ``IntentClassifier`` picks the intent
of a question by embedding (the offline MiniLM).

An exemplar's wording is not enough: "how often do we frobnicate?" is
0.52 from "how often do we deploy?" by its shape alone. Unless the question
is close to an exemplar (``SURE``), it must also be about the intent's
topic (``MIN_TOPIC``); otherwise it is no intent (``SEARCH``). Where the
embedding cannot tell at all, an intent needs words of its own
(``intent_words``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pulse_backend.agent import answers
from pulse_backend.agent.intent_words import (
    ABOUT_PRS,
    CHANGING,
    COUNTING,
    DEPLOYING,
    INCIDENTS,
    MERGED,
    OPENNESS,
    PICKING_UP,
    PR_OPENNESS,
    REPOSITORIES,
    REVIEWING,
    TIMING,
)
from pulse_backend.agent.models import ToolOutput
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


@dataclass(frozen=True)
class Intent:
    """``render`` gets the tool's output and the period in words ("in October
    2026 (1 Oct - 31 Oct)", with an en dash)."""

    name: str
    tool: str
    arguments: dict[str, Any]
    exemplars: tuple[str, ...]
    render: Callable[[ToolOutput, str], str]
    topic: str = ""
    # Words the question must have for the intent to be a candidate at all,
    # where the embedding alone cannot tell (see ``OPENNESS``)...
    requires: re.Pattern[str] | None = None
    # ...and words what it is about must have: a follow-up's own, or those
    # of the question it leans on (see ``ABOUT_PRS``).
    about: re.Pattern[str] | None = None

    def fits(self, words: str, about: str) -> bool:
        return (self.requires is None or self.requires.search(words) is not None) and (
            self.about is None or self.about.search(about) is not None
        )


def _metric_intent(
    metric: str, topic: str, *exemplars: str, requires: re.Pattern[str] | None = None
) -> Intent:
    return Intent(
        metric, "dora_metric", {"metric": metric}, exemplars, answers.metric, topic, requires
    )


INTENTS: tuple[Intent, ...] = (
    Intent(
        "incidents_by_repository",
        "incidents_by_repository",
        {},
        (
            "which repositories cause most incidents?",
            "which services have the most outages",
            "where do our production incidents come from",
        ),
        answers.repositories,
        "the repositories that production incidents and outages come from",
    ),
    _metric_intent(
        "lead_time",
        "lead time for changes: how long pull requests take from commit to deployment in "
        "production",
        "why did lead time rise?",
        "how long do changes take to reach production",
        "which pull requests were slowest to ship",
        "how long from a commit until it is deployed",
        "how long does code take to ship",
        "how long are PRs open before they get merged",
        "time it takes a change to get to prod",
        requires=TIMING,
    ),
    _metric_intent(
        "deployment_frequency",
        "deployments and releases to production",
        "how often do we deploy?",
        "what is our deployment frequency",
        "number of releases to production",
        "how many times did we ship",
    ),
    _metric_intent(
        "change_failure_rate",
        "deployments that failed or caused incidents",
        "what share of deployments fail?",
        "what is our change failure rate",
        "how many releases caused problems",
    ),
    _metric_intent(
        "recovery_time",
        "time to recover: how fast production incidents and outages are fixed",
        "how long does it take to recover from incidents?",
        "time to restore service after an outage",
        "which incidents took longest to fix",
        "what is our MTTR",
    ),
    Intent(
        "open_incidents",
        "open_incidents",
        {},
        (
            "which incidents are still open?",
            "are any incidents still open right now",
            "incidents that have not been resolved yet",
            "which outages are still open",
        ),
        answers.open_incidents,
        "production incidents and outages still unresolved",
        OPENNESS,
    ),
    Intent(
        "open_prs",
        "open_prs",
        {},
        (
            "which pull requests are still open?",
            "which PRs are open right now",
            "pull requests that have not been merged yet",
            "which PRs are waiting for a review",
            "which PRs are waiting for their first review",
            "which PRs has nobody reviewed yet",
            "what is still pending in code review",
            "show me the stale PRs",
        ),
        answers.open_prs,
        "pull requests not merged yet: stale, not reviewed yet or waiting for review",
        PR_OPENNESS,
        ABOUT_PRS,
    ),
    Intent(
        "slowest_reviews",
        "slowest_reviews",
        {},
        (
            "which PRs took the longest to review, and who reviewed them?",
            "which pull requests waited longest in code review",
            "slowest code reviews and their reviewers",
            "code reviews that dragged on for days",
        ),
        answers.slowest_reviews,
        "code review time of pull requests and who reviewed them",
        REVIEWING,
    ),
    Intent(
        "review_load",
        "review_load",
        {},
        (
            "who reviews the most pull requests?",
            "what is the review load per reviewer",
            "which reviewers do the most code reviews",
            "how many pull requests did each person review",
            "which people on the team review the most PRs",
        ),
        answers.review_load,
        "code review load: how many pull requests each reviewer reviewed",
        REVIEWING,
    ),
    Intent(
        "pickup_time",
        "engineering_flow",
        {"measure": "pickup"},
        (
            "how long until a pull request gets its first review?",
            "how long before someone picks up a PR",
            "what is our pickup time",
            "how long do PRs wait for their first review",
            "time from opening a PR to the first review",
        ),
        answers.flow,
        "pickup time: how long a pull request waits from opening until its first review",
        PICKING_UP,
    ),
    Intent(
        "review_trend",
        "engineering_flow",
        {"measure": "review"},
        (
            "is our review time getting better?",
            "are code reviews getting faster or slower",
            "has review time improved compared to before",
            "how did our review time change",
            "how has code review time changed compared with the previous period",
        ),
        answers.flow,
        "review time of pull requests compared with the previous period: better or worse",
        CHANGING,
        REVIEWING,
    ),
    Intent(
        "throughput",
        "engineering_flow",
        {"measure": "throughput"},
        (
            "how many pull requests did we merge?",
            "what is our PR throughput",
            "number of PRs merged per week",
            "how many PRs got merged",
            "pull requests merged",
        ),
        answers.flow,
        "throughput: the number of pull requests merged",
        MERGED,
    ),
    Intent(
        "incident_count",
        "dora_metric",
        {"metric": "mean_time_to_restore"},
        (
            "how many incidents did we have?",
            "number of production incidents",
            "how many outages were there",
            "count of incidents",
        ),
        answers.incident_count,
        "the number of production incidents and outages that happened",
        COUNTING,
        INCIDENTS,
    ),
    Intent(
        "deployments_by_repository",
        "deployments_by_repository",
        {},
        (
            "which repository deploys the most?",
            "which services do we deploy most often",
            "deployments per repository",
            "which repos ship the most releases",
        ),
        answers.deployments_by_repository,
        "the repositories that deploy and release to production most often",
        REPOSITORIES,
        DEPLOYING,
    ),
    Intent(
        "dora_summary",
        "dora_summary",
        {},
        (
            "how are we doing overall?",
            "summary of our DORA metrics",
            "team performance overview",
            "how healthy is our engineering delivery",
        ),
        answers.summary,
        "DORA metrics and delivery performance",
    ),
)
SEARCH = Intent("search", "search", {}, (), answers.search)


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
            return best, score
        return SEARCH, score


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
