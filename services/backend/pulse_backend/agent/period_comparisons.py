"""Reading a period compared against another: "more often than last
quarter", "in October compared to September", "this year vs last", "month
over month", "did CFR go down since Q2?". Each gives the period asked about
and its base (``Found.base``). Separate from the plain readers
(``period_readers``) because a comparison reads the question twice, once
with the base's words blanked out, and decides what "now" is when the
question names only the base."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from pulse_backend.agent.date_ranges import DateRange, UnreadablePeriod, calendar, long_words
from pulse_backend.agent.period_readers import CALENDAR, SINCE, Found, read, read_point
from pulse_backend.agent.points import NUMBERS, point

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


def compared(question: str, today: dt.date) -> Found | None:
    """The period asked about and the base it is compared against: what the
    question names besides the base ("in October compared to September"),
    else the current period of the base's kind ("than last quarter": this
    quarter so far) or of its length, ending today ("than in June": the
    last 30 days; from the day after the base when they would overlap)."""
    for m in _BASE.finditer(question):
        tail = question[m.end() :]
        blanked = question[: m.start()] + " " * (len(question) - m.start())
        if (bare := _BARE_LAST.match(tail)) is not None:
            main = read(blanked, today)
            if main is None:
                continue
            calendar_main = CALENDAR.search(question[main.start : main.end])
            base = (
                calendar("last", calendar_main["unit"].lower(), today)
                if calendar_main is not None
                and calendar_main["which"].lower() in ("this", "current")
                else _before(main.range)
            )
            return replace(main, base=base, base_start=m.end(), base_end=m.end() + bare.end())
        # The comparison word stands for a preposition: "vs June", "than May".
        based = read(tail, today) or _shifted(read_point(f"in {tail}", today), -3)
        if based is None or tail[: max(based.start, 0)].strip():
            continue
        end = m.end() + based.end
        blanked = question[: m.start()] + " " * (end - m.start()) + question[end:]
        main = read(blanked, today) or _now(based, question[m.end() : end], today)
        return replace(main, base=based.range, base_start=m.end(), base_end=end)
    return None


# "month over month", "MoM": the last whole one against the one before it.
_OVER = re.compile(
    r"\b(?:(?P<unit>week|month|quarter|year)[- ]over[- ](?P=unit)|(?P<abbr>wow|mom|qoq|yoy))\b",
    re.I,
)
_ABBR = {"wow": "week", "mom": "month", "qoq": "quarter", "yoy": "year"}


def over(question: str, today: dt.date) -> Found | None:
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


def changed_since(question: str, today: dt.date) -> Found | None:
    if _CHANGE.search(question) is None:
        return None
    for m in SINCE.finditer(question):
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
    m = CALENDAR.fullmatch(words.strip())
    if m is not None and m["which"].lower() in ("last", "previous"):
        return Found(calendar("this", m["unit"].lower(), today), 0, 0)
    first = max(today - dt.timedelta(days=base.range.days - 1), base.range.last + dt.timedelta(1))
    if first > today:
        raise UnreadablePeriod(words, "nothing after it to compare it with")
    if first == today - dt.timedelta(days=base.range.days - 1):
        return Found(DateRange(first, today, f"over the last {base.range.days} days"), 0, 0)
    return Found(DateRange(first, today, f"since {long_words(first)}"), 0, 0)
