"""The period a question names, as whole days: "last month", "lead time in
October", "over the last 2 weeks", "since 1 September", "this quarter",
"in 2025 Q3", "H1 2026", "last summer", "over the holidays", "between 1
August and 15 October", "on 2026-10-05".

The words are read by ``period_readers`` (a point's, "5 October", by
``points``), a comparison's by ``period_comparisons``; the days
they name, and their wording, are ``date_ranges``' (calendar days of a
time zone; a month, quarter or day without a year is the most recent one
that has begun: "October" read in November 2026 is October 2026,
"December" is December 2025). A period that
has not begun, that ends before it starts, that names no real day or that
spans more than the analytics API's maximum range is an error naming the
words, as are period-like words this module cannot read ("last sprint",
"since the reorg", "5/10"): never a silent default."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from pulse_backend.agent.date_ranges import (
    MAX_DAYS,
    DateRange,
    FuturePeriod,
    PeriodTooLong,
    UnreadablePeriod,
    long_words,
)
from pulse_backend.agent.period_comparisons import changed_since, compared, over
from pulse_backend.agent.period_readers import Found, read
from pulse_backend.agent.unreadable_periods import refuse_unreadable


def find(question: str, today: dt.date) -> Found | None:
    """The period ``question`` names, or None when it names none. Raises a
    ``PeriodError`` for a period it names but that cannot be used. A period
    after "than", "compared to", "vs" is the base of a comparison
    (``period_comparisons``), not the period asked about."""
    found = (
        compared(question, today)
        or over(question, today)
        or changed_since(question, today)
        or read(question, today)
    )
    # Period-like words left over are not dropped silently ("between 1 and 5
    # October" must not become 5 October, nor "since the reorg" be ignored).
    rest = question if found is None else found.without(question)
    refuse_unreadable(rest)
    if found is None:
        return None
    words = question[found.start : found.end].strip()
    if found.base is None:
        return replace(found, range=_usable(found.range, today, words))
    base_words = question[found.base_start : found.base_end].strip()
    base = _usable(found.base, today, base_words)
    return replace(found, range=_usable(found.range, today, words or base_words), base=base)


def _usable(r: DateRange, today: dt.date, words: str) -> DateRange:
    if r.first > today:
        raise FuturePeriod(words, f"this period has not begun yet (today is {long_words(today)})")
    if r.last < r.first:
        raise UnreadablePeriod(words, "the period ends before it starts")
    if r.last > today:
        r = replace(r, last=today, label=f"{r.label} so far")
    if r.days > MAX_DAYS:
        raise PeriodTooLong(
            words, f"this period spans {r.days} days; the most I can use is {MAX_DAYS}"
        )
    return r
