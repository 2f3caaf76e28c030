"""Local mode: no language model. The question's intent is the nearest
exemplar by embedding (the offline MiniLM), the matching tool runs with
default arguments, and the answer is a template filled from the tool's
output, with the same citations as in LLM mode.

An exemplar's wording is not enough: "how often do we frobnicate?" is
0.52 from "how often do we deploy?" by its shape alone. Unless the question
is close to an exemplar (``SURE``), it must also be about the intent's
topic (``MIN_TOPIC``). A question that is no intent is searched for; when
the search finds nothing either, a follow-up ("and last month?") is read
with the conversation's previous questions, and failing that the answer
says it found nothing relevant and what it can answer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pulse_backend.agent.memory import Correction
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.tools import TOOLS, ToolContext
from pulse_backend.analytics.wording import metric_name
from pulse_common.ai import Embedder

# Measured with all-MiniLM-L6-v2 (tests/agent/test_local_and_memory.py):
# questions outside the data ("how often do we play football?", "what is
# our revenue?", "how many blorps were released?") reach 0.37-0.52 to an
# exemplar by their shape but at most 0.27 to any topic; questions about the
# data are near an exemplar ("how are we doing?" 0.80) or score 0.35-0.70 to
# their topic ("how often do we ship to prod" 0.35, "lead time" 0.45).
MIN_SIMILARITY = 0.35
SURE = 0.6
MIN_TOPIC = 0.3
DAYS = 90
# Previous questions of the conversation a follow-up may lean on.
FOLLOW_UP = 2


@dataclass(frozen=True)
class Intent:
    name: str
    tool: str
    arguments: dict[str, Any]
    exemplars: tuple[str, ...]
    render: Callable[[ToolOutput], str]
    topic: str = ""


def _repos(out: ToolOutput) -> str:
    if not out.data:
        return f"No incidents were linked to a repository in the last {DAYS} days."
    lines = [
        f"{i}. {row['repository']}: {row['incidents']} incidents"
        for i, row in enumerate(out.data, start=1)
    ]
    return f"Repositories with the most incidents in the last {DAYS} days:\n" + "\n".join(lines)


def _metric(out: ToolOutput) -> str:
    data = out.data
    level = f" DORA level: {data['level']}." if data["level"] else ""
    rows = "\n".join(f"- {c.title}" for c in out.citations)
    tail = f"\nThe rows that weigh most:\n{rows}" if rows else ""
    name = metric_name(data["metric"])
    return f"{name} over the last {DAYS} days: {data['figure']}.{level}{tail}"


def _summary(out: ToolOutput) -> str:
    lines = "\n".join(f"- {ln}" for ln in out.data["lines"])
    insights = "\n".join(f"- {i}" for i in out.data["insights"])
    return f"DORA metrics over the last {DAYS} days:\n{lines}" + (
        f"\nInsights:\n{insights}" if insights else ""
    )


def _search(out: ToolOutput) -> str:
    if not out.citations:
        return "I found nothing matching your question in PRs, work items or incidents."
    return "Closest matches:\n" + "\n".join(f"- {c.title}" for c in out.citations)


def _metric_intent(metric: str, topic: str, *exemplars: str) -> Intent:
    return Intent(
        metric, "dora_metric", {"metric": metric, "days": DAYS}, exemplars, _metric, topic
    )


INTENTS: tuple[Intent, ...] = (
    Intent(
        "incidents_by_repository",
        "incidents_by_repository",
        {"days": DAYS},
        (
            "which repositories cause most incidents?",
            "which services have the most outages",
            "where do our production incidents come from",
        ),
        _repos,
        "production incidents and outages by repository",
    ),
    _metric_intent(
        "lead_time",
        "lead time for changes: pull requests from commit to production",
        "why did lead time rise?",
        "how long do changes take to reach production",
        "which pull requests were slowest to ship",
    ),
    _metric_intent(
        "deployment_frequency",
        "deployments and releases to production",
        "how often do we deploy?",
        "what is our deployment frequency",
        "number of releases to production",
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
        "time to recover from incidents and outages",
        "how long does it take to recover from incidents?",
        "time to restore service after an outage",
        "which incidents took longest to fix",
    ),
    Intent(
        "dora_summary",
        "dora_summary",
        {"days": DAYS},
        ("how are we doing overall?", "summary of our DORA metrics", "team performance overview"),
        _summary,
        "DORA metrics and delivery performance",
    ),
)
SEARCH = Intent("search", "search", {}, (), _search)


class IntentClassifier:
    """Nearest exemplar by cosine similarity (the vectors are unit length),
    kept when it is ``SURE`` or when the question is also about the intent's
    topic; otherwise the question is searched for instead."""

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
        index = self._index()
        q = self.embedder.embed([question])[0]
        best, score = SEARCH, MIN_SIMILARITY
        for intent, v in index:
            sim = _dot(q, v)
            if sim > score:
                best, score = intent, sim
        if best is SEARCH or score >= SURE or _dot(q, self._topics[best.name]) >= MIN_TOPIC:
            return best, score
        return SEARCH, score


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@dataclass(frozen=True)
class LocalAnswer:
    intent: str
    tool: str
    arguments: dict[str, Any]
    output: ToolOutput
    text: str


def _suggestions() -> str:
    asks = "\n".join(f"- {i.exemplars[0][0].upper()}{i.exemplars[0][1:]}" for i in INTENTS)
    return (
        f"I can answer questions like:\n{asks}\n"
        "or find pull requests, work items and incidents by what they are about "
        "(e.g. “checkout fails after the upgrade”)."
    )


def _nothing(question: str) -> str:
    return (
        f"I found nothing relevant to “{question}” in this tenant's delivery figures, "
        f"pull requests, work items or incidents.\n{_suggestions()}"
    )


def _run(ctx: ToolContext, intent: Intent, text: str) -> tuple[dict[str, Any], ToolOutput]:
    arguments = intent.arguments or {"query": text[:500]}
    return arguments, TOOLS[intent.tool].run(ctx, arguments)


def _resolve(
    classifier: IntentClassifier, ctx: ToolContext, question: str, previous: Sequence[str]
) -> tuple[Intent, dict[str, Any], ToolOutput, str | None]:
    """The intent that answers, its arguments and output, and the earlier
    question it was read with (a follow-up), if any."""
    intent, _ = classifier.classify(question)
    arguments, output = _run(ctx, intent, question)
    if intent is not SEARCH or output.citations:
        return intent, arguments, output, None
    # The question alone matches nothing: a follow-up leans on the
    # conversation's previous questions, most recent first.
    for earlier in previous[:FOLLOW_UP]:
        joined = f"{earlier} {question}"
        follow, _ = classifier.classify(joined)
        args, out = _run(ctx, follow, joined)
        if follow is not SEARCH or out.citations:
            return follow, args, out, earlier
    return intent, arguments, output, None


def answer(
    classifier: IntentClassifier,
    ctx: ToolContext,
    question: str,
    corrections: Sequence[Correction],
    previous: Sequence[str] = (),
) -> LocalAnswer:
    """``previous``: the conversation's earlier questions, most recent first."""
    intent, arguments, output, earlier = _resolve(classifier, ctx, question, previous)
    if intent is SEARCH and not output.citations:
        text = _nothing(question)
    else:
        text = intent.render(output)
    if earlier is not None:
        text = f"Read as a follow-up to “{earlier}”:\n{text}"
    if corrections:
        notes = "\n".join(f"- {c.correction}" for c in corrections)
        text = f"Noted from your team's earlier feedback:\n{notes}\n\n{text}"
    text += "\n\n(Answered in local mode: no language model was used.)"
    return LocalAnswer(intent.name, intent.tool, arguments, output, text)
