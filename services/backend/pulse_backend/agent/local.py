"""Local mode: no language model. The question's intent is the nearest
exemplar by embedding (``intents``), the matching tool runs with default
arguments, and the answer is a template filled from the tool's output, with
the same citations as in LLM mode. A tool that narrows by repository and
person (the DORA metrics, open PRs, the engineering flow, the review load)
gets those the question names (``narrowing.named``); one it names that the
tenant has not is said instead, and one the tool cannot narrow by is said
with the answer. A question that is no intent is searched for; when
the search finds nothing either, a follow-up ("and last month?") is read
with the conversation's previous questions, and failing that the answer
says it found nothing relevant and what it can answer.

The period is read from the question (``periods``: "last month", "since 1
September", "in 2025 Q3"; the last ``DAYS`` days when it names none), or
for a follow-up ("and last month?") from the follow-up first, then the
question it leans on; the answer says which days it covers. A period that
cannot be used is answered with what is wrong with it, never with the
default.

A follow-up that says what it leans on ("and which of those are still
open?") keeps the earlier question's period and is about what that one was
about (open PRs after a question about PRs, open incidents after one about
incidents); one that comes out as the same tool with the same arguments as
the previous local answer (a narrowing local mode cannot do: "which of
those were sev1?") is told so, never given that answer again as if it were
new."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pulse_backend.agent import assignees, date_ranges, narrowing, period_readers, periods
from pulse_backend.agent.classifier import IntentClassifier
from pulse_backend.agent.intent import Intent
from pulse_backend.agent.intents import INTENTS, SEARCH
from pulse_backend.agent.memory import Correction
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.tools import TOOLS, ToolContext

DAYS = 90
# The days of the tools' periods (``tools.Period.scope``) are UTC days, as
# the analytics API's are by default: tenants have no time zone of their own.
ZONE = ZoneInfo("UTC")
# Previous questions of the conversation a follow-up may lean on.
FOLLOW_UP = 2


@dataclass(frozen=True)
class Ran:
    """The question a local answer answered, the tool it ran and its
    arguments: two answers that ran the same are the same answer."""

    question: str
    tool: str
    arguments: dict[str, Any]

    def repeated_by(self, question: str, tool: str, arguments: dict[str, Any]) -> bool:
        """Whether running ``tool`` with ``arguments`` for ``question`` would
        give this answer again for another question. The same words asked
        again are answered again: the data may have changed."""
        asked_again = question.strip().casefold() == self.question.strip().casefold()
        return (tool, arguments) == (self.tool, self.arguments) and not asked_again


@dataclass(frozen=True)
class LocalAnswer:
    """``tool`` is None when no tool ran (the period could not be used, or
    the answer would have repeated the previous one)."""

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


def _unusable(error: date_ranges.PeriodError) -> str:
    return (
        f"I cannot answer for “{error.words}”: {error.problem}.\n"
        "Name the period in whole days, e.g. “last month”, “in October”, “over the last "
        "2 weeks”, “since 1 September”, “this quarter” or “in 2025 Q3” "
        f"(at most {date_ranges.MAX_DAYS} days)."
    )


def _repeated(question: str) -> str:
    return (
        f"“{question}” reads as the question my previous answer already answers (the same "
        "figures for the same days), so I am not repeating it.\n"
        "Without an AI model I answer from fixed templates: I can narrow an answer to another "
        "period (e.g. “and last month?” or “over the last 2 weeks”), but not to some of its "
        f"rows, nor by a severity, status, person or repository you name.\n{_suggestions()}"
    )


Period = period_readers.Found | date_ranges.PeriodError | None


@dataclass(frozen=True)
class _Asked:
    """A question as read: the words to classify and search (without the
    period's), and the period it names (or why it cannot be used)."""

    text: str
    period: Period


def _read(question: str, today: dt.date) -> _Asked:
    try:
        found = periods.find(question, today)
    except date_ranges.PeriodError as exc:
        return _Asked(question, exc)
    if found is None:
        return _Asked(question, None)
    rest = found.without(question)
    # "last month?" alone leaves no words: the question itself is searched.
    return _Asked(rest if re.search(r"\w", rest) else question, found)


def route(classifier: IntentClassifier, question: str, today: dt.date) -> Intent:
    """The intent a question is first read as (its period's words left
    out), before any search or follow-up: what the routing table tests."""
    return classifier.classify(narrowing.as_anyone(_read(question, today).text))[0]


@dataclass(frozen=True)
class _Resolved:
    intent: Intent
    period: Period
    earlier: str | None  # the question a follow-up was read with
    found: ToolOutput | None = None  # the search's output, when it answers
    query: str = ""  # what was searched for


def _search_for(ctx: ToolContext, text: str) -> ToolOutput:
    return TOOLS[SEARCH.tool].run(ctx, {"query": text[:500]})


# Words that point back at the previous answer ("and which of those are
# still open?"): a question whose own words name an intent is still a
# follow-up when it has them, and keeps the period it leans on.
_REFERS = re.compile(r"^\W*(and|also|what about|how about)\b|\bof (those|these|them)\b", re.I)


def _resolve(
    classifier: IntentClassifier,
    ctx: ToolContext,
    question: str,
    previous: Sequence[str],
    today: dt.date,
) -> _Resolved:
    asked = _read(question, today)
    # "what does bo review?": a name the embedding does not know reads as
    # the exemplars' person ("what does ada review").
    intent, _ = classifier.classify(narrowing.as_anyone(asked.text))
    if intent is not SEARCH:
        if previous and _REFERS.search(question):
            # What it asks is its own words', what it is about the latest
            # question's ("which of those are still open?" after a question
            # about PRs is about PRs); the period its own, else that of the
            # latest question that names one ("and why?" in between names none).
            joined = f"{_read(previous[0], today).text} {asked.text}"
            intent, _ = classifier.classify_follow_up(asked.text, joined)
            if asked.period is not None:
                return _Resolved(intent, asked.period, previous[0])
            leaned = [(e, _read(e, today).period) for e in previous[:FOLLOW_UP]]
            earlier, period = next((e for e in leaned if e[1] is not None), leaned[0])
            return _Resolved(intent, period, earlier)
        return _Resolved(intent, asked.period, None)
    found = _search_for(ctx, asked.text)
    if found.citations:
        return _Resolved(SEARCH, asked.period, None, found, asked.text)
    # The question alone matches nothing: a follow-up leans on the
    # conversation's previous questions, most recent first: it asks what its
    # own words ask, about what the earlier question was about, and takes
    # its own period, else theirs.
    for earlier in previous[:FOLLOW_UP]:
        before = _read(earlier, today)
        joined = f"{before.text} {asked.text}"
        period = before.period if asked.period is None else asked.period
        follow, _ = classifier.classify_follow_up(asked.text, joined)
        if follow is not SEARCH:
            return _Resolved(follow, period, earlier)
        out = _search_for(ctx, joined)
        if out.citations:
            return _Resolved(SEARCH, period, earlier, out, joined)
    return _Resolved(SEARCH, asked.period, None, found, asked.text)


def _not_again(name: str, question: str) -> LocalAnswer:
    # Another question read as the previous one (a follow-up local mode
    # cannot narrow: "which of those were sev1?") would get its answer word
    # for word, as if it were new.
    out = ToolOutput(summary="the previous answer's figures", data=None)
    return LocalAnswer(name, None, {}, out, _repeated(question))


def _respond(
    ctx: ToolContext, r: _Resolved, question: str, today: dt.date, last: Ran | None
) -> LocalAnswer:
    """The answer to ``r``, or ``_not_again`` when it would be ``last``'s
    (checked before the tool runs: its figures would be thrown away)."""
    name = r.intent.name
    if isinstance(r.period, date_ranges.PeriodError) and (r.found is None or not r.found.citations):
        # "work items completed last sprint" matches nothing: what is wrong
        # with its period is the answer, not that nothing was found.
        out = ToolOutput(summary=str(r.period), data=None)
        return LocalAnswer(name, None, {}, out, _unusable(r.period))
    if r.found is not None:
        arguments: dict[str, Any] = {"query": r.query[:500]}
        if last is not None and last.repeated_by(question, SEARCH.tool, arguments):
            return _not_again(name, question)
        text = r.intent.render(r.found, "") if r.found.citations else _nothing(question)
        if isinstance(r.period, period_readers.Found) and r.found.citations:
            text += (
                "\n(Search does not narrow by date: these are the closest matches of any "
                f"date, not only {r.period.range.words()}.)"
            )
        return LocalAnswer(name, SEARCH.tool, arguments, r.found, text)
    # A period that cannot be used was answered above.
    found = r.period if isinstance(r.period, period_readers.Found) else None
    days = date_ranges.last_days(today, DAYS) if found is None else found.range
    arguments = {**r.intent.arguments, "days": days.days, "end": days.last.isoformat()}
    model = TOOLS[r.intent.tool].args
    fields = model.model_fields
    try:
        names = assignees.named(ctx, question, model.by_assignee)
    except narrowing.UnknownName as exc:
        # "the payments repo", "did zed merge": never the whole tenant's figure.
        out = ToolOutput(summary=str(exc), data=None)
        return LocalAnswer(name, None, {}, out, f"I cannot answer “{question}”: {exc}.")
    arguments |= narrowing.as_arguments(names, fields)
    unmatched = narrowing.not_narrowed(names, fields, r.intent.tool)
    base = None if found is None else found.base
    if base is not None and "against_days" in fields:
        # "than last quarter": compared against it, not the days before.
        arguments |= {"against_days": base.days, "against_end": base.last.isoformat()}
        arguments |= {"compare": True} if "compare" in fields else {}
    elif base is not None:
        unmatched += (
            f"\n(This answer covers {days.words()} only: I cannot compare it with {base.words()}.)"
        )
    if last is not None and last.repeated_by(question, r.intent.tool, arguments):
        return _not_again(name, question)
    out = TOOLS[r.intent.tool].run(ctx, arguments)
    text = r.intent.render(out, days.words()) + unmatched
    return LocalAnswer(name, r.intent.tool, arguments, out, text)


def answer(
    classifier: IntentClassifier,
    ctx: ToolContext,
    question: str,
    corrections: Sequence[Correction],
    previous: Sequence[str] = (),
    last: Ran | None = None,
) -> LocalAnswer:
    """``previous``: the conversation's earlier questions, most recent first;
    ``last``: what the latest reply with figures ran, when local mode answered it.
    The text does not say it was answered locally: the reply's typed ``mode``
    does (the ``done`` event, the stored message), and the web page shows it
    below the answer."""
    day = date_ranges.today_in(ZONE)
    resolved = _resolve(classifier, ctx, question, previous, day)
    ans = _respond(ctx, resolved, question, day, last)
    text = ans.text
    if resolved.earlier is not None:
        text = f"Read as a follow-up to “{resolved.earlier}”:\n{text}"
    if corrections:
        notes = "\n".join(f"- {c.correction}" for c in corrections)
        text = f"Noted from your team's earlier feedback:\n{notes}\n\n{text}"
    return LocalAnswer(ans.intent, ans.tool, ans.arguments, ans.output, text)
