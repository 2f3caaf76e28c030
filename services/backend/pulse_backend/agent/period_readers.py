"""Reading the plain periods a question names, each where its words stand:
rolling ("over the last 2 weeks"), calendar ("this quarter"), seasonal
("last summer"), "so far this year", today and yesterday, "between 1 August
and 15 October", "since 1 September" and a point on its own ("in October",
"on 2026-10-05", read by ``points``). Separate from ``period_comparisons``
(a period against a base) and ``unreadable_periods`` (words refused) because
these readers are the vocabulary both of them build on; ``periods.find``
puts them together and checks the result can be used. ``Found``, what a
reading gives (the days and where their words stand), is here for the
same reason."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import partial

from pulse_backend.agent.date_ranges import (
    DASH,
    DateRange,
    FuturePeriod,
    UnreadablePeriod,
    calendar,
    holidays_range,
    latest,
    long_words,
    season_range,
    span_words,
    start_of_last,
)
from pulse_backend.agent.points import ANY_POINT, NUMBERS, PREP, point


@dataclass(frozen=True)
class Found:
    """``base``: the period a comparison names ("than last quarter"), which
    ``range`` is compared against; its words are question[base_start:base_end]
    (the comparison word is left to the question: it asks a comparison)."""

    range: DateRange
    start: int  # the period's words in the question: question[start:end]
    end: int
    base: DateRange | None = None
    base_start: int = 0
    base_end: int = 0

    def without(self, question: str) -> str:
        """The question with the period's words (and the base's) taken out."""
        spans = sorted([(self.start, self.end), (self.base_start, self.base_end)], reverse=True)
        for start, end in spans:
            question = f"{question[:start]} {question[end:]}"
        return " ".join(question.split())


_UNITS = r"(?P<unit>days?|weeks?|fortnights?|months?|quarters?|years?)"
_N = r"(?P<n>\d{1,4}|" + "|".join(NUMBERS) + ")"
_LEAD = r"(?:(?:in|over|during|for|within) )?(?:the )?"
_FUTURE = re.compile(
    r"\b(?:tomorrow|(?:the )?(?:next|coming|upcoming) (?:\d+ )?(?:days?|weeks?|fortnights?|"
    r"months?|quarters?|years?))\b",
    re.I,
)
_ROLLING = re.compile(rf"\b{_LEAD}(?:last|past|previous) {_N} {_UNITS}\b", re.I)
CALENDAR = re.compile(
    rf"\b{_LEAD}(?P<which>last|previous|past|this|current) "
    r"(?P<unit>week|fortnight|month|quarter|year)\b",
    re.I,
)
# "last summer": the latest that has ended; "this summer": the one under
# way, else the coming one (not begun: said so).
_SEASONAL = re.compile(
    rf"\b{_LEAD}(?P<which>last|previous|past|this|current) "
    r"(?P<season>summer|winter|spring|autumn|fall|holidays|holiday season|christmas)\b",
    re.I,
)
_SO_FAR = re.compile(r"\b(?:so far this year|year[- ]to[- ]date|ytd)\b", re.I)
_DAY = re.compile(r"\b(?:(?:on )?(?P<which>today|yesterday))\b", re.I)
_BETWEEN = re.compile(
    rf"\b(?:between|from) (?:the )?(?P<a>{ANY_POINT}) (?:and|to|until|till|through|-|{DASH}) "
    rf"(?:the )?(?P<b>{ANY_POINT})\b",
    re.I,
)
# "after September" is since the day after it ends.
SINCE = re.compile(rf"\b(?P<kw>since|after) (?:the )?(?P<a>{ANY_POINT})\b", re.I)
_POINT = re.compile(rf"\b(?P<prep>{PREP} (?:the )?)?(?P<a>{ANY_POINT})\b", re.I)


def read(question: str, today: dt.date) -> Found | None:
    """The first plain period ``question`` names, tried from the most
    specific reading ("between ... and ...") to a point on its own."""
    readers = (_between, _since, _relative, read_point)
    return next((f for reader in readers if (f := reader(question, today)) is not None), None)


def _between(question: str, today: dt.date) -> Found | None:
    for m in _BETWEEN.finditer(question):
        b = point(m["b"], today, True)
        # A yearless start is the most recent one begun by the end's last day.
        a = b and point(m["a"], min(today, b.last), True)
        if a is not None and b is not None:
            r = DateRange(a.first, b.last, f"from {span_words(a.first, b.last)}", dated=False)
            return Found(r, m.start(), m.end())
    return None


def _since(question: str, today: dt.date) -> Found | None:
    for m in SINCE.finditer(question):
        a = point(m["a"], today, True)
        if a is not None:
            first = a.first if m["kw"].lower() == "since" else a.last + dt.timedelta(days=1)
            return Found(DateRange(first, today, f"since {long_words(first)}"), m.start(), m.end())
    return None


def _relative(question: str, today: dt.date) -> Found | None:
    if (m := _FUTURE.search(question)) is not None:
        raise FuturePeriod(
            m.group(0), f"this period has not begun yet (today is {long_words(today)})"
        )
    if (m := _ROLLING.search(question)) is not None:
        n = NUMBERS.get(m["n"].lower()) or int(m["n"])
        unit = m["unit"].lower().rstrip("s")
        if n < 1:
            raise UnreadablePeriod(m.group(0), "a period lasts at least one day")
        label = f"over the last {n} {unit}s" if n > 1 else f"over the last {unit}"
        return Found(DateRange(start_of_last(today, n, unit), today, label), m.start(), m.end())
    if (m := CALENDAR.search(question)) is not None:
        return Found(calendar(m["which"].lower(), m["unit"].lower(), today), m.start(), m.end())
    if (m := _SEASONAL.search(question)) is not None:
        return Found(_season(m["which"].lower(), m["season"].lower(), today), m.start(), m.end())
    if (m := _SO_FAR.search(question)) is not None:
        return Found(calendar("this", "year", today), m.start(), m.end())
    if (m := _DAY.search(question)) is not None:
        d = today - dt.timedelta(days=1 if m["which"].lower() == "yesterday" else 0)
        return Found(DateRange(d, d, m["which"].lower()), m.start(), m.end())
    return None


def _season(which: str, season: str, today: dt.date) -> DateRange:
    of = (
        partial(season_range, season=season)
        if season in ("summer", "winter", "spring", "autumn", "fall")
        else holidays_range
    )
    r = latest(None, today, of)
    if which in ("last", "previous", "past") and r.last >= today:
        r = of(r.first.year - 1)
    elif which in ("this", "current") and r.last < today:
        # Ended: "this summer" in May, "this Christmas" on 10 December is
        # the coming one, which has not begun (not last year's).
        r = of(r.first.year + 1)
    return r


def read_point(question: str, today: dt.date) -> Found | None:
    for m in _POINT.finditer(question):
        r = point(m["a"], today, m["prep"] is not None)
        if r is not None:
            return Found(r, m.start(), m.end())
    return None
