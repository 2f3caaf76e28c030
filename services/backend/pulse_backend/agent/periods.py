"""The period a question names, as whole days: "last month", "lead time in
October", "over the last 2 weeks", "since 1 September", "this quarter",
"in 2025 Q3", "between 1 August and 15 October", "on 2026-10-05".

Days are calendar days of a time zone: ``today`` is the caller's today in
that zone and ``DateRange.bounds`` turns the days into instants there. A
month, quarter or day without a year is the most recent one that has begun
("October" read in November 2026 is October 2026, "December" is December
2025). A period that has not begun, that ends before it starts, that names
no real day or that spans more than the analytics API's maximum range is an
error naming the words, as are period-like words this module cannot read
("last sprint", "since the reorg", "5/10"): never a silent default."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from zoneinfo import ZoneInfo

from pulse_common.analytics.scope import MAX_RANGE
from pulse_common.errors import InvalidInput

MAX_DAYS = MAX_RANGE.days
_NAMES = [
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may", "may"),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep"),
    ("october", "oct"), ("november", "nov"), ("december", "dec"),
]  # fmt: skip
MONTHS = {name: i for i, names in enumerate(_NAMES, 1) for name in names} | {"sept": 9}
# A bare month that is also a common word ("may", "march") or short is a
# month only after a preposition ("in May").
_AMBIGUOUS = {m for m in MONTHS if len(m) <= 4} | {"march", "august"}
_COUNTS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
NUMBERS = {"a": 1, "an": 1} | {w: i for i, w in enumerate([*_COUNTS, "eleven", "twelve"], 1)}
_NTH = ("first", "second", "third", "fourth", "1st", "2nd", "3rd", "4th")
ORDINALS = dict(zip(_NTH, (1, 2, 3, 4) * 2, strict=True))
DASH = "\u2013"


class PeriodError(InvalidInput):
    """The question names a period that cannot be used; ``words`` are its words."""

    code = "period_invalid"

    def __init__(self, words: str, problem: str) -> None:
        super().__init__(f"“{words}”: {problem}")
        self.words = words
        self.problem = problem


class UnreadablePeriod(PeriodError):
    code = "period_unreadable"


class NoSuchDay(PeriodError):
    code = "period_no_such_day"


class FuturePeriod(PeriodError):
    code = "period_in_future"


class PeriodTooLong(PeriodError):
    code = "period_too_long"


@dataclass(frozen=True)
class DateRange:
    """``first`` and ``last`` day, both included; ``label`` says it in words
    (``dated``: the words name the days themselves)."""

    first: dt.date
    last: dt.date
    label: str
    dated: bool = True

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """[start, end): the first day's midnight to the day after the last's, in ``zone``."""
        end = self.last + dt.timedelta(days=1)
        return dt.datetime.combine(self.first, dt.time(), zone), dt.datetime.combine(
            end, dt.time(), zone
        )

    def words(self) -> str:
        """E.g. "in October 2026 (1 Oct - 31 Oct)", with an en dash."""
        if not self.dated:
            return self.label
        if self.first == self.last:
            return f"{self.label} ({_long(self.first)})"
        if self.first.year == self.last.year:
            return f"{self.label} ({_day(self.first)} {DASH} {_day(self.last)})"
        first, last = f"{_day(self.first)} {self.first.year}", f"{_day(self.last)} {self.last.year}"
        return f"{self.label} ({first} {DASH} {last})"


@dataclass(frozen=True)
class Found:
    range: DateRange
    start: int  # the period's words in the question: question[start:end]
    end: int

    def without(self, question: str) -> str:
        """The question with the period's words taken out."""
        return " ".join(f"{question[: self.start]} {question[self.end :]}".split())


def today_in(zone: ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()


def last_days(today: dt.date, days: int) -> DateRange:
    return DateRange(today - dt.timedelta(days=days - 1), today, f"over the last {days} days")


def _day(d: dt.date) -> str:
    return f"{d.day} {_NAMES[d.month - 1][1].title()}"


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return _date(y, m + 1, min(d.day, _month_end(y, m + 1).day), str(d))


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _date(year: int, month: int, day: int, words: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise NoSuchDay(words, "there is no such day") from None


# Points: what "since", "between … and …" and "in" take. Each is parsed by its
# own pattern; ``_any`` joins them without their groups for the outer ones.
_MON = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_TH = r"(?:st|nd|rd|th)?"
_Y = r"(?:19|20)\d\d"  # "for 1000 PRs" names no year
_POINTS: list[tuple[str, str]] = [
    ("iso_day", rf"(?P<y>{_Y})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})"),
    ("day_month", rf"(?P<d>\d{{1,2}}){_TH}(?: of)? (?P<mon>{_MON})(?:,? (?P<y>{_Y}))?"),
    ("month_day", rf"(?P<mon>{_MON}) (?P<d>\d{{1,2}}){_TH}(?:,? (?P<y>{_Y}))?"),
    ("quarter", rf"q(?P<q>[1-4])(?:,? (?:of )?(?P<y>{_Y}))?"),
    ("year_quarter", rf"(?P<y>{_Y})[ -]?q(?P<q>[1-4])"),
    (
        "nth_quarter",
        r"(?:the )?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th) quarter"
        rf"(?: of (?P<y>{_Y}))?",
    ),
    ("iso_month", rf"(?P<y>{_Y})-(?P<m>\d{{2}})(?!-?\d)"),
    ("month", rf"(?P<mon>{_MON})(?:,? (?P<y>{_Y}))?"),
    ("year", rf"(?P<y>{_Y})"),
]
_any = "(?:" + "|".join(re.sub(r"\(\?P<\w+>", "(?:", p) for _, p in _POINTS) + ")"
_COMPILED = [(kind, re.compile(p, re.I)) for kind, p in _POINTS]
_PREP = r"(?:in|during|for|over|of|on|from|since|between|and|to|until|till|through)"


def _point(words: str, today: dt.date, preposition: bool) -> DateRange | None:
    """The days ``words`` name, or None when they are no point (a bare
    ambiguous month or a bare year without a preposition)."""
    match = next(((k, m) for k, p in _COMPILED if (m := p.fullmatch(words)) is not None), None)
    if match is None:
        return None
    kind, m = match
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    year = int(g["y"]) if "y" in g else None
    month_word = g.get("mon", "").lower().rstrip(".")
    if not preposition and (kind == "year" or (kind == "month" and month_word in _AMBIGUOUS)):
        return None
    if kind == "year":
        return DateRange(_date(year or 0, 1, 1, words), dt.date(year or 0, 12, 31), f"in {year}")
    if "q" in g:
        return _latest(
            year, today, partial(_quarter, q=ORDINALS.get(g["q"].lower()) or int(g["q"]))
        )
    month = MONTHS[month_word] if month_word else int(g["m"])
    if not 1 <= month <= 12:
        raise NoSuchDay(words, "there is no such month")
    if "d" not in g:
        return _latest(year, today, partial(_month, m=month))
    day = int(g["d"])
    if year is None and (month, day) == (2, 29):
        # The most recent 29 February that has been.
        year = next(y for y in range(today.year, 0, -1) if _leap(y) and dt.date(y, 2, 29) <= today)
    return _latest(year, today, partial(_on, m=month, d=day, words=words))


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _latest(year: int | None, today: dt.date, of: Callable[[int], DateRange]) -> DateRange:
    """The named year's, else the most recent that has begun."""
    if year is not None:
        return of(year)
    this = of(today.year)
    return this if this.first <= today else of(today.year - 1)


def _month(y: int, m: int) -> DateRange:
    return DateRange(dt.date(y, m, 1), _month_end(y, m), f"in {_NAMES[m - 1][0].title()} {y}")


def _quarter(y: int, q: int) -> DateRange:
    return DateRange(dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"in Q{q} {y}")


def _on(y: int, m: int, d: int, words: str) -> DateRange:
    day = _date(y, m, d, words)
    return DateRange(day, day, f"on {_long(day)}", dated=False)


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
_SO_FAR = re.compile(r"\b(?:so far this year|year[- ]to[- ]date|ytd)\b", re.I)
_DAY = re.compile(r"\b(?:(?:on )?(?P<which>today|yesterday))\b", re.I)
_BETWEEN = re.compile(
    rf"\b(?:between|from) (?:the )?(?P<a>{_any}) (?:and|to|until|till|through|-|{DASH}) "
    rf"(?:the )?(?P<b>{_any})\b",
    re.I,
)
_SINCE = re.compile(rf"\bsince (?:the )?(?P<a>{_any})\b", re.I)
_POINT = re.compile(rf"\b(?P<prep>{_PREP} (?:the )?)?(?P<a>{_any})\b", re.I)
# Words that name a period this module cannot read, and what to say.
_UNREADABLE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"), "write a day as 2026-10-05 or 5 October"),
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
            rf"\bsince [^?.!,;]{{1,40}}|\b(?:between|from) [^?.!,;]{{0,30}}(?:\d|{_MON})[^?.!,;]*",
            re.I,
        ),
        "name its days (e.g. “since 1 September”, “between 1 August and 31 October”)",
    ),
]
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}
_UNIT_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _back(today: dt.date, n: int, unit: str) -> dt.date:
    """The first day of the ``n`` ``unit``s that end today."""
    if unit in _UNIT_DAYS:
        return today - dt.timedelta(days=n * _UNIT_DAYS[unit] - 1)
    return _add_months(today, -n * _UNIT_MONTHS[unit]) + dt.timedelta(days=1)


def find(question: str, today: dt.date) -> Found | None:
    """The period ``question`` names, or None when it names none. Raises a
    ``PeriodError`` for a period it names but that cannot be used."""
    readers = (_between, _since, _relative, _points)
    found = next((f for read in readers if (f := read(question, today)) is not None), None)
    # Period-like words left over are not dropped silently ("between 1 and 5
    # October" must not become 5 October, nor "since the reorg" be ignored).
    rest = question if found is None else found.without(question)
    for pattern, problem in _UNREADABLE:
        m = pattern.search(rest)
        if m is not None:
            raise UnreadablePeriod(m.group(0).strip(), f"it is not a period I can read; {problem}")
    if found is None:
        return None
    words = question[found.start : found.end].strip()
    return replace(found, range=_usable(found.range, today, words))


def _usable(r: DateRange, today: dt.date, words: str) -> DateRange:
    if r.first > today:
        raise FuturePeriod(words, f"this period has not begun yet (today is {_long(today)})")
    if r.last < r.first:
        raise UnreadablePeriod(words, "the period ends before it starts")
    if r.last > today:
        r = DateRange(r.first, today, f"{r.label} so far", r.dated)
    if r.days > MAX_DAYS:
        raise PeriodTooLong(
            words, f"this period spans {r.days} days; the most I can use is {MAX_DAYS}"
        )
    return r


def _between(question: str, today: dt.date) -> Found | None:
    for m in _BETWEEN.finditer(question):
        b = _point(m["b"], today, True)
        # A yearless start is the most recent one begun by the end's last day.
        a = b and _point(m["a"], min(today, b.last), True)
        if a is not None and b is not None:
            r = DateRange(a.first, b.last, f"from {_span(a.first, b.last)}", dated=False)
            return Found(r, m.start(), m.end())
    return None


def _since(question: str, today: dt.date) -> Found | None:
    for m in _SINCE.finditer(question):
        a = _point(m["a"], today, True)
        if a is not None:
            return Found(DateRange(a.first, today, f"since {_long(a.first)}"), m.start(), m.end())
    return None


def _relative(question: str, today: dt.date) -> Found | None:
    if (m := _FUTURE.search(question)) is not None:
        raise FuturePeriod(m.group(0), f"this period has not begun yet (today is {_long(today)})")
    if (m := _ROLLING.search(question)) is not None:
        n = NUMBERS.get(m["n"].lower()) or int(m["n"])
        unit = m["unit"].lower().rstrip("s")
        if n < 1:
            raise UnreadablePeriod(m.group(0), "a period lasts at least one day")
        label = f"over the last {n} {unit}s" if n > 1 else f"over the last {unit}"
        return Found(DateRange(_back(today, n, unit), today, label), m.start(), m.end())
    if (m := _CALENDAR.search(question)) is not None:
        return Found(_calendar(m["which"].lower(), m["unit"].lower(), today), m.start(), m.end())
    if (m := _SO_FAR.search(question)) is not None:
        return Found(_calendar("this", "year", today), m.start(), m.end())
    if (m := _DAY.search(question)) is not None:
        d = today - dt.timedelta(days=1 if m["which"].lower() == "yesterday" else 0)
        return Found(DateRange(d, d, m["which"].lower()), m.start(), m.end())
    return None


def _calendar(which: str, unit: str, today: dt.date) -> DateRange:
    """ "this month" so far, "last month" the whole previous one; "past month" rolling."""
    if which == "past" or unit == "fortnight":
        return DateRange(_back(today, 1, unit), today, f"over the last {unit}")
    back = 0 if which in ("this", "current") else 1
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday() + 7 * back)
        label = "this week" if back == 0 else "last week"
        return DateRange(monday, monday + dt.timedelta(days=6), label)
    if unit == "month":
        start = _add_months(today.replace(day=1), -back)
        return _month(start.year, start.month)
    if unit == "quarter":
        q = (today.month - 1) // 3 + 1 - back
        return _quarter(today.year, q) if q > 0 else _quarter(today.year - 1, 4)
    y = today.year - back
    return DateRange(dt.date(y, 1, 1), dt.date(y, 12, 31), f"in {y}")


def _points(question: str, today: dt.date) -> Found | None:
    for m in _POINT.finditer(question):
        r = _point(m["a"], today, m["prep"] is not None)
        if r is not None:
            return Found(r, m.start(), m.end())
    return None


def _span(first: dt.date, last: dt.date) -> str:
    if first.year == last.year:
        return f"{_long(first).removesuffix(f' {first.year}')} to {_long(last)}"
    return f"{_long(first)} to {_long(last)}"


def _long(d: dt.date) -> str:
    return f"{d.day} {_NAMES[d.month - 1][0].title()} {d.year}"
