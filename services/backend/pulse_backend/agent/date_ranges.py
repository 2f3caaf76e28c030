"""Ranges of whole calendar days, the periods ``periods`` reads questions
into: a month, a quarter, a week or a day of a given year, the days back
from today, and their words ("in October 2026 (1 Oct - 31 Oct)").

Days are calendar days of a time zone: ``today`` is the caller's today in
that zone and ``DateRange.bounds`` turns the days into instants there. A
month, quarter or day without a year is the most recent one that has begun
(``latest``). A period that cannot be used raises a ``PeriodError`` that
names its words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
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
    # What the words were taken to mean, said with the days ("summer" in
    # the northern hemisphere).
    assumed: str = ""

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
        note = f"; {self.assumed}" if self.assumed else ""
        if self.first == self.last:
            return f"{self.label} ({long_words(self.first)}{note})"
        if self.first.year == self.last.year:
            return f"{self.label} ({day_words(self.first)} {DASH} {day_words(self.last)}{note})"
        first, last = (
            f"{day_words(self.first)} {self.first.year}",
            f"{day_words(self.last)} {self.last.year}",
        )
        return f"{self.label} ({first} {DASH} {last}{note})"


def today_in(zone: ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()


def last_days(today: dt.date, days: int) -> DateRange:
    return DateRange(today - dt.timedelta(days=days - 1), today, f"over the last {days} days")


def day_words(d: dt.date) -> str:
    """E.g. "1 Sep"."""
    return f"{d.day} {_NAMES[d.month - 1][1].title()}"


def month_name(month: int) -> str:
    """E.g. "March" for 3."""
    return _NAMES[month - 1][0].title()


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return real_date(y, m + 1, min(d.day, _month_end(y, m + 1).day), str(d))


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def real_date(year: int, month: int, day: int, words: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise NoSuchDay(words, "there is no such day") from None


def leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def latest(year: int | None, today: dt.date, of: Callable[[int], DateRange]) -> DateRange:
    """The named year's, else the most recent that has begun."""
    if year is not None:
        return of(year)
    this = of(today.year)
    return this if this.first <= today else of(today.year - 1)


def month_range(y: int, m: int) -> DateRange:
    return DateRange(dt.date(y, m, 1), _month_end(y, m), f"in {month_name(m)} {y}")


def quarter_range(y: int, q: int) -> DateRange:
    return DateRange(dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"in Q{q} {y}")


def half_range(y: int, h: int) -> DateRange:
    return DateRange(dt.date(y, 6 * h - 5, 1), _month_end(y, 6 * h), f"in H{h} {y}")


# Seasons as meteorologists count them, in the northern hemisphere: the
# tenant has no hemisphere of its own, so the answer says so.
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
NORTH = "northern-hemisphere {} assumed"


def season_range(y: int, season: str) -> DateRange:
    """The season that begins in ``y`` (winter 2025 is Dec 2025 - Feb 2026)."""
    start = dt.date(y, SEASONS[season], 1)
    end = add_months(start, 2)
    name = "autumn" if season == "fall" else season
    label = f"in winter {y}/{str(y + 1)[2:]}" if season == "winter" else f"in {name} {y}"
    return DateRange(start, _month_end(end.year, end.month), label, assumed=NORTH.format(name))


def named_season(y: int, season: str, today: dt.date) -> DateRange:
    """The season said with its year ("summer 2025"). A winter spans two
    years: "winter 2026" is the one beginning in December 2026 once it has
    begun, and before that the one its January and February are in (Dec
    2025 - Feb 2026), said as assumed, not a winter that has not begun."""
    r = season_range(y, season)
    if season != "winter" or r.first <= today:
        return r
    r = season_range(y - 1, season)
    return replace(r, assumed=f"{r.assumed}, the one with January and February {y}")


def holidays_range(y: int) -> DateRange:
    """The end-of-year holidays beginning in ``y``: Christmas Eve to New Year's Day."""
    return DateRange(
        dt.date(y, 12, 24),
        dt.date(y + 1, 1, 1),
        f"over the {y}/{str(y + 1)[2:]} holidays",
        assumed="Christmas Eve to New Year's Day assumed",
    )


def day_range(y: int, m: int, d: int, words: str) -> DateRange:
    day = real_date(y, m, d, words)
    return DateRange(day, day, f"on {long_words(day)}", dated=False)


_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}
_UNIT_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def start_of_last(today: dt.date, n: int, unit: str) -> dt.date:
    """The first day of the ``n`` ``unit``s that end today."""
    if unit in _UNIT_DAYS:
        return today - dt.timedelta(days=n * _UNIT_DAYS[unit] - 1)
    return add_months(today, -n * _UNIT_MONTHS[unit]) + dt.timedelta(days=1)


def calendar(which: str, unit: str, today: dt.date) -> DateRange:
    """ "this month" so far, "last month" the whole previous one; "past month" rolling."""
    if which == "past" or unit == "fortnight":
        return DateRange(start_of_last(today, 1, unit), today, f"over the last {unit}")
    back = 0 if which in ("this", "current") else 1
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday() + 7 * back)
        label = "this week" if back == 0 else "last week"
        return DateRange(monday, monday + dt.timedelta(days=6), label)
    if unit == "month":
        start = add_months(today.replace(day=1), -back)
        return month_range(start.year, start.month)
    if unit == "quarter":
        q = (today.month - 1) // 3 + 1 - back
        return quarter_range(today.year, q) if q > 0 else quarter_range(today.year - 1, 4)
    y = today.year - back
    return DateRange(dt.date(y, 1, 1), dt.date(y, 12, 31), f"in {y}")


def span_words(first: dt.date, last: dt.date) -> str:
    if first.year == last.year:
        return f"{long_words(first).removesuffix(f' {first.year}')} to {long_words(last)}"
    return f"{long_words(first)} to {long_words(last)}"


def long_words(d: dt.date) -> str:
    return f"{d.day} {_NAMES[d.month - 1][0].title()} {d.year}"
