"""The period a question names, as whole days: "last month", "lead time in
October", "over the last 2 weeks", "since 1 September", "this quarter",
"in 2025 Q3", "H1 2026", "last summer", "over the holidays", "between 1
August and 15 October", "on 2026-10-05".

The words are read here (a point's, "5 October", by ``points``); the days
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
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from pulse_backend.agent.date_ranges import (
    DASH,
    MAX_DAYS,
    DateRange,
    FuturePeriod,
    PeriodTooLong,
    UnreadablePeriod,
    calendar,
    holidays_range,
    latest,
    long_words,
    month_name,
    season_range,
    span_words,
    start_of_last,
)
from pulse_backend.agent.points import ANY_POINT, MON, NUMBERS, PREP, point


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
_CALENDAR = re.compile(
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
_SINCE = re.compile(rf"\b(?P<kw>since|after) (?:the )?(?P<a>{ANY_POINT})\b", re.I)
_POINT = re.compile(rf"\b(?P<prep>{PREP} (?:the )?)?(?P<a>{ANY_POINT})\b", re.I)


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


def find(question: str, today: dt.date) -> Found | None:
    """The period ``question`` names, or None when it names none. Raises a
    ``PeriodError`` for a period it names but that cannot be used. A period
    after "than", "compared to", "vs" is the base of a comparison
    (``_compared``), not the period asked about."""
    found = (
        _compared(question, today)
        or _over(question, today)
        or _changed_since(question, today)
        or _read(question, today)
    )
    # Period-like words left over are not dropped silently ("between 1 and 5
    # October" must not become 5 October, nor "since the reorg" be ignored).
    rest = question if found is None else found.without(question)
    for pattern, problem in _UNREADABLE:
        m = pattern.search(rest)
        if m is not None:
            words = m.group(0).strip()
            said = problem(words) if callable(problem) else problem
            raise UnreadablePeriod(words, f"it is not a period I can read; {said}")
    if found is None:
        return None
    words = question[found.start : found.end].strip()
    if found.base is None:
        return replace(found, range=_usable(found.range, today, words))
    base_words = question[found.base_start : found.base_end].strip()
    base = _usable(found.base, today, base_words)
    return replace(found, range=_usable(found.range, today, words or base_words), base=base)


def _read(question: str, today: dt.date) -> Found | None:
    readers = (_between, _since, _relative, _points)
    return next((f for read in readers if (f := read(question, today)) is not None), None)


# What names the base of a comparison: "more often than last quarter",
# "compared to October", "this year vs last".
_BASE = re.compile(
    r"\b(?:than|compared (?:to|with)|in comparison (?:to|with)|vs\.?|versus)\s+", re.I
)
# "vs last" with no unit of its own: the unit of the period asked about.
_BARE_LAST = re.compile(
    r"(?:the )?(?:last|previous)(?! \d| (?:" + "|".join(NUMBERS) + r")\b)(?! (?:week|fortnight|"
    r"month|quarter|year|days?)\b)(?: one)?\b",
    re.I,
)


def _compared(question: str, today: dt.date) -> Found | None:
    """The period asked about and the base it is compared against: what the
    question names besides the base ("in October compared to September"),
    else the current period of the base's kind ("than last quarter": this
    quarter so far) or of its length, ending today ("than in June": the
    last 30 days; from the day after the base when they would overlap)."""
    for m in _BASE.finditer(question):
        tail = question[m.end() :]
        blanked = question[: m.start()] + " " * (len(question) - m.start())
        if (bare := _BARE_LAST.match(tail)) is not None:
            main = _read(blanked, today)
            if main is None:
                continue
            calendar_main = _CALENDAR.search(question[main.start : main.end])
            base = (
                calendar("last", calendar_main["unit"].lower(), today)
                if calendar_main is not None
                and calendar_main["which"].lower() in ("this", "current")
                else _before(main.range)
            )
            return replace(main, base=base, base_start=m.end(), base_end=m.end() + bare.end())
        # The comparison word stands for a preposition: "vs June", "than May".
        read = _read(tail, today) or _shifted(_points(f"in {tail}", today), -3)
        if read is None or tail[: max(read.start, 0)].strip():
            continue
        end = m.end() + read.end
        blanked = question[: m.start()] + " " * (end - m.start()) + question[end:]
        main = _read(blanked, today) or _now(read, question[m.end() : end], today)
        return replace(main, base=read.range, base_start=m.end(), base_end=end)
    return None


# "month over month", "MoM": the last whole one against the one before it.
_OVER = re.compile(
    r"\b(?:(?P<unit>week|month|quarter|year)[- ]over[- ](?P=unit)|(?P<abbr>wow|mom|qoq|yoy))\b",
    re.I,
)
_ABBR = {"wow": "week", "mom": "month", "qoq": "quarter", "yoy": "year"}


def _over(question: str, today: dt.date) -> Found | None:
    m = _OVER.search(question)
    if m is None:
        return None
    unit = (m["unit"] or _ABBR[m["abbr"].lower()]).lower()
    now = calendar("last", unit, today)
    base = replace(calendar("last", unit, now.first), label=f"the {unit} before")
    return Found(now, m.start(), m.end(), base=base, base_start=m.end(), base_end=m.end())


# A change since a period ("did CFR go down since Q2?") compares the days
# after it with the period itself: "since Q2" alone (from 1 April on) would
# be compared with the days before Q2. "Change" in "change failure rate" is
# no change.
_CHANGE = re.compile(
    r"\b(?:(?:go|goes|gone|went|going|got|gotten|come|came) (?:up|down)|better|worse|"
    r"improv\w*|worsen\w*|changed|changing|increas\w*|decreas\w*|drop\w*|dropped|"
    r"ris(?:e|en|ing)|rose|fell|fallen|grown|grew|shrunk|slower|faster)\b",
    re.I,
)


def _changed_since(question: str, today: dt.date) -> Found | None:
    if _CHANGE.search(question) is None:
        return None
    for m in _SINCE.finditer(question):
        then = point(m["a"], today, True)
        if m["kw"].lower() == "since" and then is not None and then.days > 1:
            first = then.last + dt.timedelta(days=1)
            if first > today:
                raise UnreadablePeriod(m.group(0), "nothing after it to compare it with")
            now = DateRange(first, today, f"since the end of {m['a']}")
            return Found(now, m.start(), m.end(), base=then, base_start=m.end(), base_end=m.end())
    return None


def _shifted(found: Found | None, by: int) -> Found | None:
    return found and replace(found, start=found.start + by, end=found.end + by)


def _before(r: DateRange) -> DateRange:
    """The days of ``r``'s length just before it."""
    last = r.first - dt.timedelta(days=1)
    return DateRange(last - dt.timedelta(days=r.days - 1), last, f"the {r.days} days before")


def _now(base: Found, words: str, today: dt.date) -> Found:
    """The current period a base is compared with when the question names
    no other: this week, month, quarter or year so far for the last one,
    else the base's length ending today, from the day after it at most."""
    m = _CALENDAR.fullmatch(words.strip())
    if m is not None and m["which"].lower() in ("last", "previous"):
        return Found(calendar("this", m["unit"].lower(), today), 0, 0)
    first = max(today - dt.timedelta(days=base.range.days - 1), base.range.last + dt.timedelta(1))
    if first > today:
        raise UnreadablePeriod(words, "nothing after it to compare it with")
    if first == today - dt.timedelta(days=base.range.days - 1):
        return Found(DateRange(first, today, f"over the last {base.range.days} days"), 0, 0)
    return Found(DateRange(first, today, f"since {long_words(first)}"), 0, 0)


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
    for m in _SINCE.finditer(question):
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
    if (m := _CALENDAR.search(question)) is not None:
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


def _points(question: str, today: dt.date) -> Found | None:
    for m in _POINT.finditer(question):
        r = point(m["a"], today, m["prep"] is not None)
        if r is not None:
            return Found(r, m.start(), m.end())
    return None
