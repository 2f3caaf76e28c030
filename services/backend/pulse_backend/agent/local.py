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
says it found nothing relevant and what it can answer.

The period is read from the question (``periods``: "last month", "since 1
September", "in 2025 Q3"; the last ``DAYS`` days when it names none), or
for a follow-up ("and last month?") from the follow-up first, then the
question it leans on; the answer says which days it covers. A period that
cannot be used is answered with what is wrong with it, never with the
default."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pulse_backend.agent import periods
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
# The days of the tools' periods (``tools.Period.scope``) are UTC days, as
# the analytics API's are by default: tenants have no time zone of their own.
ZONE = ZoneInfo("UTC")
# Previous questions of the conversation a follow-up may lean on.
FOLLOW_UP = 2


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


def _repos(out: ToolOutput, when: str) -> str:
    if not out.data:
        return f"No incidents were linked to a repository {when}."
    lines = [
        f"{i}. {row['repository']}: {row['incidents']} incidents"
        for i, row in enumerate(out.data, start=1)
    ]
    return f"Repositories with the most incidents {when}:\n" + "\n".join(lines)


def _metric(out: ToolOutput, when: str) -> str:
    data = out.data
    level = f" DORA level: {data['level']}." if data["level"] else ""
    rows = "\n".join(f"- {c.title}" for c in out.citations)
    tail = f"\nThe rows that weigh most:\n{rows}" if rows else ""
    name = metric_name(data["metric"])
    return f"{name} {when}: {data['figure']}.{level}{tail}"


def _summary(out: ToolOutput, when: str) -> str:
    lines = "\n".join(f"- {ln}" for ln in out.data["lines"])
    insights = "\n".join(f"- {i}" for i in out.data["insights"])
    return f"DORA metrics {when}:\n{lines}" + (f"\nInsights:\n{insights}" if insights else "")


def _search(out: ToolOutput, _when: str) -> str:
    if not out.citations:
        return "I found nothing matching your question in PRs, work items or incidents."
    return "Closest matches:\n" + "\n".join(f"- {c.title}" for c in out.citations)


def _metric_intent(metric: str, topic: str, *exemplars: str) -> Intent:
    return Intent(metric, "dora_metric", {"metric": metric}, exemplars, _metric, topic)


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
        {},
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
    """``tool`` is None when no tool ran (the period could not be used)."""

    intent: str
    tool: str | None
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


def _unusable(error: periods.PeriodError) -> str:
    return (
        f"I cannot answer for “{error.words}”: {error.problem}.\n"
        "Name the period in whole days, e.g. “last month”, “in October”, “over the last "
        "2 weeks”, “since 1 September”, “this quarter” or “in 2025 Q3” "
        f"(at most {periods.MAX_DAYS} days)."
    )


Period = periods.Found | periods.PeriodError | None


@dataclass(frozen=True)
class _Asked:
    """A question as read: the words to classify and search (without the
    period's), and the period it names (or why it cannot be used)."""

    text: str
    period: Period


def _read(question: str, today: dt.date) -> _Asked:
    try:
        found = periods.find(question, today)
    except periods.PeriodError as exc:
        return _Asked(question, exc)
    if found is None:
        return _Asked(question, None)
    rest = found.without(question)
    # "last month?" alone leaves no words: the question itself is searched.
    return _Asked(rest if re.search(r"\w", rest) else question, found)


@dataclass(frozen=True)
class _Resolved:
    intent: Intent
    period: Period
    earlier: str | None  # the question a follow-up was read with
    found: ToolOutput | None = None  # the search's output, when it answers
    query: str = ""  # what was searched for


def _search_for(ctx: ToolContext, text: str) -> ToolOutput:
    return TOOLS[SEARCH.tool].run(ctx, {"query": text[:500]})


def _resolve(
    classifier: IntentClassifier,
    ctx: ToolContext,
    question: str,
    previous: Sequence[str],
    today: dt.date,
) -> _Resolved:
    asked = _read(question, today)
    intent, _ = classifier.classify(asked.text)
    if intent is not SEARCH:
        return _Resolved(intent, asked.period, None)
    found = _search_for(ctx, asked.text)
    if found.citations:
        return _Resolved(SEARCH, asked.period, None, found, asked.text)
    # The question alone matches nothing: a follow-up leans on the
    # conversation's previous questions, most recent first, and takes its
    # own period, else theirs.
    for earlier in previous[:FOLLOW_UP]:
        before = _read(earlier, today)
        joined = f"{before.text} {asked.text}"
        period = before.period if asked.period is None else asked.period
        follow, _ = classifier.classify(joined)
        if follow is not SEARCH:
            return _Resolved(follow, period, earlier)
        out = _search_for(ctx, joined)
        if out.citations:
            return _Resolved(SEARCH, period, earlier, out, joined)
    return _Resolved(SEARCH, asked.period, None, found, asked.text)


def _respond(ctx: ToolContext, r: _Resolved, question: str, today: dt.date) -> LocalAnswer:
    name = r.intent.name
    if r.found is not None:
        text = r.intent.render(r.found, "") if r.found.citations else _nothing(question)
        if isinstance(r.period, periods.Found) and r.found.citations:
            text += (
                "\n(Search does not narrow by date: these are the closest matches of any "
                f"date, not only {r.period.range.words()}.)"
            )
        return LocalAnswer(name, SEARCH.tool, {"query": r.query[:500]}, r.found, text)
    if isinstance(r.period, periods.PeriodError):
        out = ToolOutput(summary=str(r.period), data=None)
        return LocalAnswer(name, None, {}, out, _unusable(r.period))
    days = periods.last_days(today, DAYS) if r.period is None else r.period.range
    arguments = {**r.intent.arguments, "days": days.days, "end": days.last.isoformat()}
    out = TOOLS[r.intent.tool].run(ctx, arguments)
    return LocalAnswer(name, r.intent.tool, arguments, out, r.intent.render(out, days.words()))


def answer(
    classifier: IntentClassifier,
    ctx: ToolContext,
    question: str,
    corrections: Sequence[Correction],
    previous: Sequence[str] = (),
) -> LocalAnswer:
    """``previous``: the conversation's earlier questions, most recent first."""
    day = periods.today_in(ZONE)
    resolved = _resolve(classifier, ctx, question, previous, day)
    ans = _respond(ctx, resolved, question, day)
    text = ans.text
    if resolved.earlier is not None:
        text = f"Read as a follow-up to “{resolved.earlier}”:\n{text}"
    if corrections:
        notes = "\n".join(f"- {c.correction}" for c in corrections)
        text = f"Noted from your team's earlier feedback:\n{notes}\n\n{text}"
    text += "\n\n(Answered in local mode: no language model was used.)"
    return LocalAnswer(ans.intent, ans.tool, ans.arguments, ans.output, text)
