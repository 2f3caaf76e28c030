"""The points a period is made of or starts from, read from their words:
a day ("5 October", "2026-10-05"), a month ("October", "2025-10"), a
quarter ("Q3 2025", "the third quarter"), a half ("H1 2026"), a season
("the summer", northern-hemisphere), the end-of-year holidays or a year, as ``periods`` finds
them after "in", "since", "between … and …" or a comparison's "than"
(``point``: the days they name, the most recent begun without a year)."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

from pulse_backend.agent.date_ranges import (
    MONTHS,
    DateRange,
    NoSuchDay,
    day_range,
    half_range,
    holidays_range,
    latest,
    leap,
    month_range,
    named_season,
    quarter_range,
    real_date,
    season_range,
)

# A bare month that is also a common word ("may", "march") or short is a
# month only after a preposition ("in May").
_AMBIGUOUS = {m for m in MONTHS if len(m) <= 4} | {"march", "august"}
_COUNTS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
NUMBERS = {"a": 1, "an": 1} | {w: i for i, w in enumerate([*_COUNTS, "eleven", "twelve"], 1)}
_NTH = ("first", "second", "third", "fourth", "1st", "2nd", "3rd", "4th")
ORDINALS = dict(zip(_NTH, (1, 2, 3, 4) * 2, strict=True))


# Points: what "since", "between … and …" and "in" take. Each is parsed by its
# own pattern; ``ANY_POINT`` joins them without their groups for the outer ones.
MON = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_TH = r"(?:st|nd|rd|th)?"
_Y = r"(?:19|20)\d\d"  # "for 1000 PRs" names no year
_POINTS: list[tuple[str, str]] = [
    ("iso_day", rf"(?P<y>{_Y})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})"),
    ("day_month", rf"(?P<d>\d{{1,2}}){_TH}(?: of)? (?P<mon>{MON})(?:,? (?P<y>{_Y}))?"),
    ("month_day", rf"(?P<mon>{MON}) (?P<d>\d{{1,2}}){_TH}(?:,? (?P<y>{_Y}))?"),
    ("quarter", rf"q(?P<q>[1-4])(?:,? (?:of )?(?P<y>{_Y}))?"),
    ("year_quarter", rf"(?P<y>{_Y})[ -]?q(?P<q>[1-4])"),
    (
        "nth_quarter",
        r"(?:the )?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th) quarter"
        rf"(?: of (?P<y>{_Y}))?",
    ),
    ("half", rf"h(?P<h>[12])(?:,? (?:of )?(?P<y>{_Y}))?"),
    ("year_half", rf"(?P<y>{_Y})[ -]?h(?P<h>[12])"),
    ("season", rf"(?P<season>summer|winter|spring|autumn|fall)(?:,? (?:of )?(?P<y>{_Y}))?"),
    (
        "holidays",
        r"(?:christmas |winter |festive |end-of-year |year-end )?"
        rf"(?P<hol>holidays|holiday season|christmas)(?:,? (?P<y>{_Y}))?",
    ),
    ("iso_month", rf"(?P<y>{_Y})-(?P<m>\d{{2}})(?!-?\d)"),
    ("month", rf"(?P<mon>{MON})(?:,? (?P<y>{_Y}))?"),
    ("year", rf"(?P<y>{_Y})"),
]
ANY_POINT = "(?:" + "|".join(re.sub(r"\(\?P<\w+>", "(?:", p) for _, p in _POINTS) + ")"
_COMPILED = [(kind, re.compile(p, re.I)) for kind, p in _POINTS]
PREP = r"(?:in|during|for|over|of|on|from|since|between|and|to|until|till|through)"


def point(words: str, today: dt.date, preposition: bool) -> DateRange | None:
    """The days ``words`` name, or None when they are no point (a bare
    ambiguous month or a bare year without a preposition)."""
    match = next(((k, m) for k, p in _COMPILED if (m := p.fullmatch(words)) is not None), None)
    if match is None:
        return None
    kind, m = match
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    year = int(g["y"]) if "y" in g else None
    month_word = g.get("mon", "").lower().rstrip(".")
    if not preposition and (
        kind in ("year", "holidays")
        or (kind == "month" and month_word in _AMBIGUOUS)
        or (kind == "season" and year is None)
    ):
        return None
    if kind == "year":
        return DateRange(
            real_date(year or 0, 1, 1, words), dt.date(year or 0, 12, 31), f"in {year}"
        )
    if "h" in g:
        return latest(year, today, partial(half_range, h=int(g["h"])))
    if "season" in g:
        if year is not None:
            return named_season(year, g["season"].lower(), today)
        return latest(year, today, partial(season_range, season=g["season"].lower()))
    if "hol" in g:
        return latest(year, today, holidays_range)
    if "q" in g:
        return latest(
            year, today, partial(quarter_range, q=ORDINALS.get(g["q"].lower()) or int(g["q"]))
        )
    month = MONTHS[month_word] if month_word else int(g["m"])
    if not 1 <= month <= 12:
        raise NoSuchDay(words, "there is no such month")
    if "d" not in g:
        return latest(year, today, partial(month_range, m=month))
    day = int(g["d"])
    if year is None and (month, day) == (2, 29):
        # The most recent 29 February that has been.
        year = next(y for y in range(today.year, 0, -1) if leap(y) and dt.date(y, 2, 29) <= today)
    return latest(year, today, partial(day_range, m=month, d=day, words=words))
