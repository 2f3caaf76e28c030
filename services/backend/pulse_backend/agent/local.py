"""Local mode: no language model. The question's intent is the nearest
exemplar by embedding (the offline MiniLM), the matching tool runs with
default arguments, and the answer is a template filled from the tool's
output, with the same citations as in LLM mode."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pulse_backend.agent.memory import Correction
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.tools import TOOLS, ToolContext
from pulse_backend.agent.wording import metric_name
from pulse_common.ai import Embedder

MIN_SIMILARITY = 0.35
DAYS = 90


@dataclass(frozen=True)
class Intent:
    name: str
    tool: str
    arguments: dict[str, Any]
    exemplars: tuple[str, ...]
    render: Callable[[ToolOutput], str]


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


def _metric_intent(metric: str, *exemplars: str) -> Intent:
    return Intent(metric, "dora_metric", {"metric": metric, "days": DAYS}, exemplars, _metric)


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
    ),
    _metric_intent(
        "lead_time",
        "why did lead time rise?",
        "how long do changes take to reach production",
        "which pull requests were slowest to ship",
    ),
    _metric_intent(
        "deployment_frequency",
        "how often do we deploy?",
        "what is our deployment frequency",
        "number of releases to production",
    ),
    _metric_intent(
        "change_failure_rate",
        "what share of deployments fail?",
        "what is our change failure rate",
        "how many releases caused problems",
    ),
    _metric_intent(
        "recovery_time",
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
    ),
)
SEARCH = Intent("search", "search", {}, (), _search)


class IntentClassifier:
    """Nearest exemplar by cosine similarity (the vectors are unit length);
    below ``MIN_SIMILARITY`` the question is searched for instead."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._lock = threading.Lock()
        self._exemplars: list[tuple[Intent, list[float]]] | None = None

    def _index(self) -> list[tuple[Intent, list[float]]]:
        with self._lock:
            if self._exemplars is None:
                texts = [(i, e) for i in INTENTS for e in i.exemplars]
                vectors = self.embedder.embed([e for _, e in texts])
                self._exemplars = [(i, v) for (i, _), v in zip(texts, vectors, strict=True)]
            return self._exemplars

    def classify(self, question: str) -> tuple[Intent, float]:
        index = self._index()
        q = self.embedder.embed([question])[0]
        best, score = SEARCH, MIN_SIMILARITY
        for intent, v in index:
            sim = sum(a * b for a, b in zip(q, v, strict=True))
            if sim > score:
                best, score = intent, sim
        return best, score


@dataclass(frozen=True)
class LocalAnswer:
    intent: str
    tool: str
    arguments: dict[str, Any]
    output: ToolOutput
    text: str


def answer(
    classifier: IntentClassifier,
    ctx: ToolContext,
    question: str,
    corrections: Sequence[Correction],
) -> LocalAnswer:
    intent, _ = classifier.classify(question)
    arguments = intent.arguments or {"query": question[:500]}
    output = TOOLS[intent.tool].run(ctx, arguments)
    text = intent.render(output)
    if corrections:
        notes = "\n".join(f"- {c.correction}" for c in corrections)
        text = f"Noted from your team's earlier feedback:\n{notes}\n\n{text}"
    text += "\n\n(Answered in local mode: no language model was used.)"
    return LocalAnswer(intent.name, intent.tool, arguments, output, text)
