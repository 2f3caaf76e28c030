"""Period-like words the readers cannot read, refused with what to write
instead: a day with a slash ("3/1": 1 March or 3 January), a sprint (a
team's cadence Pulse does not know), "the last few weeks", "2 weeks ago",
"since the reorg". Separate from the readers because it runs on what they
left of the question, so that such words are never dropped silently into a
default period."""

from __future__ import annotations

import re
from collections.abc import Callable

from pulse_backend.agent.date_ranges import UnreadablePeriod, month_name
from pulse_backend.agent.points import MON


def _slashed(words: str) -> str:
    """A day written with a slash is month/day in one country and day/month
    in another: "3/1" is 1 March or 3 January, and guessing answers for the
    wrong day. Said as both readings, each written out."""
    a, b = (int(n) for n in words.split("/")[:2])
    readings = dict.fromkeys(
        f"{d} {month_name(m)}" for m, d in ((a, b), (b, a)) if 1 <= m <= 12 and 1 <= d <= 31
    )
    if not readings:
        return "write a day as 2026-10-05 or 5 October"
    said = " or ".join(f"“{r}”" for r in readings)
    if len(readings) == 1:
        return f"write it as {said}"
    return f"“{words}” could be {' or '.join(readings)}; write {said} instead"


# "sprint" and "iteration" are a team's own cadence, which Pulse does not know.
_SPRINT = re.compile(
    r"\b(?:last|past|previous|this|current|recent|next) (?:\d+ )?(?:sprints?|iterations?)\b", re.I
)
# Words that name a period this module cannot read, and what to say.
_UNREADABLE: list[tuple[re.Pattern[str], str | Callable[[str], str]]] = [
    (re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"), _slashed),
    (
        _SPRINT,
        "Pulse does not know your team's sprints; ask for their days instead (e.g. “the last 2 "
        "weeks”)",
    ),
    (
        re.compile(
            r"\b(?:last|past|previous|this|current|recent|next) (?:\d+ |few |couple of |several )?"
            r"(?:sprints?|iterations?|hours?|minutes?|decades?)\b|\b(?:last|past|previous|recent) "
            r"(?:few|couple of|several) (?:days|weeks|months|quarters|years)\b",
            re.I,
        ),
        "say how many whole days, weeks, months or years (e.g. “the last 2 weeks”)",
    ),
    (
        re.compile(r"\b\w+ (?:days?|weeks?|months?|years?) ago\b", re.I),
        "name the period itself (e.g. “last month”, “since 1 September”)",
    ),
    (
        # "from commit to production" is no period: only with a number or a month.
        re.compile(
            rf"\bsince [^?.!,;]{{1,40}}|\b(?:between|from) [^?.!,;]{{0,30}}(?:\d|{MON})[^?.!,;]*",
            re.I,
        ),
        "name its days (e.g. “since 1 September”, “between 1 August and 31 October”)",
    ),
]


def refuse_unreadable(rest: str) -> None:
    """Raises ``UnreadablePeriod`` for the first period-like words in
    ``rest`` (the question without the period found in it)."""
    for pattern, problem in _UNREADABLE:
        m = pattern.search(rest)
        if m is not None:
            words = m.group(0).strip()
            said = problem(words) if callable(problem) else problem
            raise UnreadablePeriod(words, f"it is not a period I can read; {said}")
