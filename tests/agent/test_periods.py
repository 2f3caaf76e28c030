"""The period a question names (``agent.periods``), read on a fixed today:
relative periods, months and quarters with and without a year, ISO days,
"since", "between … and …", month ends, leap years, the turn of the year,
time zones, and the periods that cannot be used."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pulse_backend.agent import date_ranges, periods
from pulse_backend.agent.date_ranges import (
    DASH,
    FuturePeriod,
    NoSuchDay,
    PeriodError,
    PeriodTooLong,
    UnreadablePeriod,
)

D = dt.date
TODAY = D(2026, 11, 30)  # a Monday


def days(question: str, today: dt.date = TODAY) -> tuple[dt.date, dt.date]:
    found = periods.find(question, today)
    assert found is not None, question
    return found.range.first, found.range.last


@pytest.mark.parametrize(
    ("question", "first", "last"),
    [
        ("how often did we deploy last month?", D(2026, 10, 1), D(2026, 10, 31)),
        ("lead time in October", D(2026, 10, 1), D(2026, 10, 31)),
        ("change failure rate over the last 2 weeks", D(2026, 11, 17), D(2026, 11, 30)),
        ("incidents since 1 September", D(2026, 9, 1), D(2026, 11, 30)),
        ("how are we doing this quarter?", D(2026, 10, 1), D(2026, 11, 30)),
        ("deployments in 2025 Q3", D(2025, 7, 1), D(2025, 9, 30)),
        ("deployments in Q3 2025", D(2025, 7, 1), D(2025, 9, 30)),
        ("the third quarter of 2025", D(2025, 7, 1), D(2025, 9, 30)),
        ("last quarter", D(2026, 7, 1), D(2026, 9, 30)),
        ("in the last 90 days", D(2026, 9, 2), D(2026, 11, 30)),
        ("past three days", D(2026, 11, 28), D(2026, 11, 30)),
        ("over the last 3 months", D(2026, 8, 31), D(2026, 11, 30)),
        ("over the past year", D(2025, 12, 1), D(2026, 11, 30)),
        ("last week", D(2026, 11, 23), D(2026, 11, 29)),  # Monday to Sunday
        ("this week", D(2026, 11, 30), D(2026, 11, 30)),
        ("this month", D(2026, 11, 1), D(2026, 11, 30)),
        ("last year", D(2025, 1, 1), D(2025, 12, 31)),
        ("year to date", D(2026, 1, 1), D(2026, 11, 30)),
        ("yesterday", D(2026, 11, 29), D(2026, 11, 29)),
        ("on 2026-10-05", D(2026, 10, 5), D(2026, 10, 5)),
        ("since 2026-09-01", D(2026, 9, 1), D(2026, 11, 30)),
        ("since the 1st of September", D(2026, 9, 1), D(2026, 11, 30)),
        # After a period: since the day after it ends.
        ("did lead time get worse after September?", D(2026, 10, 1), D(2026, 11, 30)),
        ("incidents after 2026-11-09", D(2026, 11, 10), D(2026, 11, 30)),
        ("deployments after Q2", D(2026, 7, 1), D(2026, 11, 30)),
        ("September 3rd, 2025", D(2025, 9, 3), D(2025, 9, 3)),
        ("lead time in 2025-10", D(2025, 10, 1), D(2025, 10, 31)),
        ("issues in 2025", D(2025, 1, 1), D(2025, 12, 31)),
        ("lead time in May 2025", D(2025, 5, 1), D(2025, 5, 31)),
        ("between 1 August and 15 October", D(2026, 8, 1), D(2026, 10, 15)),
        ("from 2026-01-10 to 2026-02-20", D(2026, 1, 10), D(2026, 2, 20)),
        ("between August and October", D(2026, 8, 1), D(2026, 10, 31)),
    ],
)
def test_reads_the_period(question: str, first: dt.date, last: dt.date) -> None:
    assert days(question) == (first, last)


def test_a_month_or_day_without_a_year_is_the_most_recent_one_begun() -> None:
    assert days("in December") == (D(2025, 12, 1), D(2025, 12, 31))
    # The current month is the one meant, up to today.
    assert days("in November") == (D(2026, 11, 1), D(2026, 11, 30))
    assert days("since 5 December") == (D(2025, 12, 5), TODAY)
    assert days("in Q4") == (D(2026, 10, 1), D(2026, 11, 30))
    assert days("in Q1", D(2026, 1, 15)) == (D(2026, 1, 1), D(2026, 1, 15))
    # A range across the turn of the year: the start is the one before its end.
    assert days("between November and February") == (D(2025, 11, 1), D(2026, 2, 28))


def test_month_ends_and_leap_years() -> None:
    assert days("in February 2024") == (D(2024, 2, 1), D(2024, 2, 29))
    assert days("in February 2025") == (D(2025, 2, 1), D(2025, 2, 28))
    # 29 February without a year: the last one there was.
    assert days("on 29 February") == (D(2024, 2, 29), D(2024, 2, 29))
    assert days("on 29 February", D(2028, 3, 1)) == (D(2028, 2, 29), D(2028, 2, 29))
    # A month back from the 31st is the month's last day, then the day after.
    assert days("last 1 month", D(2026, 3, 31)) == (D(2026, 3, 1), D(2026, 3, 31))
    assert days("last 3 months", D(2024, 5, 31)) == (D(2024, 3, 1), D(2024, 5, 31))
    assert days("last month", D(2024, 3, 31)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert days("last 2 weeks", D(2024, 3, 1)) == (D(2024, 2, 17), D(2024, 3, 1))


def test_the_turn_of_the_year() -> None:
    jan = D(2027, 1, 4)
    assert days("last month", jan) == (D(2026, 12, 1), D(2026, 12, 31))
    assert days("last quarter", jan) == (D(2026, 10, 1), D(2026, 12, 31))
    assert days("last week", jan) == (D(2026, 12, 28), D(2027, 1, 3))
    assert days("in December", jan) == (D(2026, 12, 1), D(2026, 12, 31))
    assert days("last 7 days", jan) == (D(2026, 12, 29), jan)
    assert days("this year", D(2027, 1, 1)) == (D(2027, 1, 1), D(2027, 1, 1))


def test_today_and_the_bounds_are_in_the_time_zone() -> None:
    now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    # Already 1 December in Auckland: "last month" there is November.
    auckland = date_ranges.today_in(ZoneInfo("Pacific/Auckland"), now)
    assert auckland == D(2026, 12, 1)
    assert days("last month", auckland) == (D(2026, 11, 1), D(2026, 11, 30))
    assert date_ranges.today_in(ZoneInfo("America/Los_Angeles"), now) == TODAY
    found = periods.find("in October", TODAY)
    assert found is not None
    # Berlin leaves summer time on 25 October: the month is 31 days and one hour.
    start, end = found.range.bounds(ZoneInfo("Europe/Berlin"))
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 9, 30, 22, tzinfo=dt.UTC)
    assert end.astimezone(dt.UTC) == dt.datetime(2026, 10, 31, 23, tzinfo=dt.UTC)
    assert found.range.bounds(ZoneInfo("UTC")) == (
        dt.datetime(2026, 10, 1, tzinfo=ZoneInfo("UTC")),
        dt.datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC")),
    )


def test_the_period_in_words_and_the_question_without_it() -> None:
    def words(question: str) -> str:
        found = periods.find(question, TODAY)
        assert found is not None
        return found.range.words()

    assert words("last month") == f"in October 2026 (1 Oct {DASH} 31 Oct)"
    assert words("this quarter") == f"in Q4 2026 so far (1 Oct {DASH} 30 Nov)"
    assert words("since 1 September") == f"since 1 September 2026 (1 Sep {DASH} 30 Nov)"
    assert words("last 2 weeks") == f"over the last 2 weeks (17 Nov {DASH} 30 Nov)"
    assert words("since 2025") == f"since 1 January 2025 (1 Jan 2025 {DASH} 30 Nov 2026)"
    assert words("between 1 August and 15 October") == "from 1 August to 15 October 2026"
    assert words("on 2026-10-05") == "on 5 October 2026"
    assert words("yesterday") == "yesterday (29 November 2026)"
    assert (
        date_ranges.last_days(TODAY, 90).words() == f"over the last 90 days (2 Sep {DASH} 30 Nov)"
    )
    question = "What was our lead time in October?"
    found = periods.find(question, TODAY)
    assert found is not None and found.without(question) == "What was our lead time ?"


@pytest.mark.parametrize(
    "question",
    [
        "how often do we deploy?",
        "deployment days per week",
        "what may cause incidents",  # "may", a verb
        "why has the time from commit to production gone up?",
        "correlation between deploys and incidents",
        "lead time of PAY-2025",  # an issue key, no year
        "march to production",
    ],
)
def test_a_question_without_a_period(question: str) -> None:
    assert periods.find(question, TODAY) is None


@pytest.mark.parametrize(
    ("question", "error", "words"),
    [
        ("how often will we deploy next month?", FuturePeriod, "next month"),
        ("incidents tomorrow", FuturePeriod, "tomorrow"),
        ("lead time in 2027", FuturePeriod, "in 2027"),
        ("since 1 December 2026", FuturePeriod, "since 1 December 2026"),
        ("lead time after November", FuturePeriod, "after November"),
        ("lead time since 2024", PeriodTooLong, "since 2024"),
        ("over the last 3 years", PeriodTooLong, "over the last 3 years"),
        ("between 1 October 2026 and 1 August 2026", UnreadablePeriod, "between 1 October"),
        ("deployments on 2026-02-30", NoSuchDay, "2026-02-30"),
        ("since 29 February 2025", NoSuchDay, "29 February 2025"),
        ("lead time last sprint", UnreadablePeriod, "last sprint"),
        ("incidents in the last 24 hours", UnreadablePeriod, "last 24 hours"),
        ("in the last few weeks", UnreadablePeriod, "last few weeks"),
        ("since the reorg", UnreadablePeriod, "since the reorg"),
        ("deployments on 5/10", UnreadablePeriod, "5/10"),
        ("3 weeks ago", UnreadablePeriod, "3 weeks ago"),
        ("between 1 and 5 October", UnreadablePeriod, "between 1"),
        ("the last 0 days", UnreadablePeriod, "the last 0 days"),
    ],
)
def test_a_period_that_cannot_be_used_is_an_error_naming_its_words(
    question: str, error: type[PeriodError], words: str
) -> None:
    with pytest.raises(error) as caught:
        periods.find(question, TODAY)
    assert words in caught.value.words, caught.value
    assert caught.value.problem


def test_the_longest_period_is_the_analytics_apis() -> None:
    longest = D(2026, 11, 30) - dt.timedelta(days=date_ranges.MAX_DAYS - 1)
    assert days(f"since {longest.isoformat()}") == (longest, TODAY)
    with pytest.raises(PeriodTooLong, match=f"the most I can use is {date_ranges.MAX_DAYS}"):
        periods.find(f"since {(longest - dt.timedelta(days=1)).isoformat()}", TODAY)


@pytest.mark.parametrize(
    ("question", "asked", "base", "rest"),
    [
        # The base alone: the current period of its kind, or of its length.
        (
            "Do we deploy more often than last quarter?",
            (D(2026, 10, 1), D(2026, 11, 30)),
            (D(2026, 7, 1), D(2026, 9, 30)),
            "Do we deploy more often than ?",
        ),
        (
            "is our throughput down vs last month?",
            (D(2026, 11, 1), D(2026, 11, 30)),
            (D(2026, 10, 1), D(2026, 10, 31)),
            "is our throughput down vs ?",
        ),
        (
            "how long are reviews taking in web compared to last quarter?",
            (D(2026, 10, 1), D(2026, 11, 30)),
            (D(2026, 7, 1), D(2026, 9, 30)),
            "how long are reviews taking in web compared to ?",
        ),
        (
            "lead time vs June",
            (D(2026, 11, 1), D(2026, 11, 30)),
            (D(2026, 6, 1), D(2026, 6, 30)),
            "lead time vs",
        ),
        # A base of a year's length would overlap today's year: from the day after it.
        (
            "better than in 2025?",
            (D(2026, 1, 1), D(2026, 11, 30)),
            (D(2025, 1, 1), D(2025, 12, 31)),
            "better than ?",
        ),
        # Both named: the one not after "than" is asked about; "vs last" is of its unit.
        (
            "did incidents go up in October compared to September?",
            (D(2026, 10, 1), D(2026, 10, 31)),
            (D(2026, 9, 1), D(2026, 9, 30)),
            "did incidents go up compared to ?",
        ),
        (
            "what's our change failure rate this year vs last?",
            (D(2026, 1, 1), D(2026, 11, 30)),
            (D(2025, 1, 1), D(2025, 12, 31)),
            "what's our change failure rate vs ?",
        ),
        (
            "lead time in October versus the previous",
            (D(2026, 10, 1), D(2026, 10, 31)),
            (D(2026, 9, 30) - dt.timedelta(days=30), D(2026, 9, 30)),
            "lead time versus",
        ),
    ],
)
def test_a_period_after_than_or_vs_is_the_base_of_a_comparison(
    question: str, asked: tuple[dt.date, dt.date], base: tuple[dt.date, dt.date], rest: str
) -> None:
    found = periods.find(question, TODAY)
    assert found is not None and found.base is not None, question
    assert (found.range.first, found.range.last) == asked
    assert (found.base.first, found.base.last) == base
    assert found.without(question) == rest
    # Without a comparison, the period is the one asked about.
    assert periods.find("lead time last quarter", TODAY).base is None  # type: ignore[union-attr]


def test_a_base_that_ends_today_leaves_nothing_to_compare() -> None:
    with pytest.raises(UnreadablePeriod, match="nothing after it to compare it with"):
        periods.find("are we faster than over the last 2 weeks?", TODAY)


@pytest.mark.parametrize(
    ("question", "first", "last", "words"),
    [
        (
            "lead time in the summer",
            D(2026, 6, 1),
            D(2026, 8, 31),
            f"in summer 2026 (1 Jun {DASH} 31 Aug; northern-hemisphere summer assumed)",
        ),
        ("lead time last summer", D(2026, 6, 1), D(2026, 8, 31), None),
        ("lead time in summer 2025", D(2025, 6, 1), D(2025, 8, 31), None),
        (
            "incidents over the holidays",
            D(2025, 12, 24),
            D(2026, 1, 1),
            f"over the 2025/26 holidays (24 Dec 2025 {DASH} 1 Jan 2026; Christmas Eve to "
            "New Year's Day assumed)",
        ),
        ("deploys last winter", D(2025, 12, 1), D(2026, 2, 28), None),
        ("deploys in the fall", D(2026, 9, 1), D(2026, 11, 30), None),
        (
            "lead time in H1 2026",
            D(2026, 1, 1),
            D(2026, 6, 30),
            f"in H1 2026 (1 Jan {DASH} 30 Jun)",
        ),
        ("lead time in 2025 H2", D(2025, 7, 1), D(2025, 12, 31), None),
        ("lead time in Q3", D(2026, 7, 1), D(2026, 9, 30), None),
        ("since June", D(2026, 6, 1), TODAY, None),
    ],
)
def test_seasons_halves_and_the_holidays_are_their_dates(
    question: str, first: dt.date, last: dt.date, words: str | None
) -> None:
    """ "Last summer" is the latest summer ended (meteorological, northern
    hemisphere: said in the words), "over the holidays" the latest begun."""
    found = periods.find(question, TODAY)
    assert found is not None, question
    assert (found.range.first, found.range.last) == (first, last)
    if words is not None:
        assert found.range.words() == words


def test_last_summer_in_july_is_the_year_before_and_this_summer_so_far() -> None:
    july = D(2026, 7, 15)
    assert days("lead time last summer", july) == (D(2025, 6, 1), D(2025, 8, 31))
    found = periods.find("lead time this summer", july)
    assert found is not None
    assert found.range.words().startswith(f"in summer 2026 so far (1 Jun {DASH} 15 Jul; northern")
    # A bare season word is no period ("why did deployments fall?").
    assert periods.find("why did deployments fall?", july) is None


def test_at_the_turn_of_the_year_a_season_is_the_one_under_way_or_not_begun() -> None:
    """ "Winter 2026" asked on 20 January 2026 was said not to have begun
    (December 2026); "this summer" in May was last year's summer and "this
    Christmas" on 10 December last year's holidays."""
    january = D(2026, 1, 20)
    found = periods.find("lead time in winter 2026", january)
    assert found is not None
    assert found.range.words() == (
        f"in winter 2025/26 so far (1 Dec 2025 {DASH} 20 Jan 2026; northern-hemisphere winter "
        "assumed, the one with January and February 2026)"
    )
    # Once December 2026 has begun, winter 2026 is the one beginning then.
    assert days("lead time in winter 2026", D(2026, 12, 20)) == (D(2026, 12, 1), D(2026, 12, 20))
    assert days("lead time this winter", january) == (D(2025, 12, 1), january)
    with pytest.raises(FuturePeriod, match="“this summer”: this period has not begun yet"):
        periods.find("lead time this summer", D(2026, 5, 10))
    with pytest.raises(FuturePeriod, match="“this christmas”: this period has not begun yet"):
        periods.find("incidents this christmas", D(2026, 12, 10))
    assert days("incidents this christmas", D(2026, 12, 28)) == (D(2026, 12, 24), D(2026, 12, 28))


@pytest.mark.parametrize(
    ("question", "now", "base"),
    [
        (
            "lead time month over month",
            (D(2026, 10, 1), D(2026, 10, 31)),
            (D(2026, 9, 1), D(2026, 9, 30)),
        ),
        ("deploys WoW", (D(2026, 11, 23), D(2026, 11, 29)), (D(2026, 11, 16), D(2026, 11, 22))),
        (
            "lead time year-over-year",
            (D(2025, 1, 1), D(2025, 12, 31)),
            (D(2024, 1, 1), D(2024, 12, 31)),
        ),
        ("did CFR go down since Q2?", (D(2026, 7, 1), TODAY), (D(2026, 4, 1), D(2026, 6, 30))),
        (
            "has lead time improved since June?",
            (D(2026, 7, 1), TODAY),
            (D(2026, 6, 1), D(2026, 6, 30)),
        ),
    ],
)
def test_over_and_a_change_since_name_both_periods(
    question: str, now: tuple[dt.date, dt.date], base: tuple[dt.date, dt.date]
) -> None:
    """ "Month over month" is the last whole month against the one before;
    a change "since Q2" the days after Q2 against Q2 itself (agent24b)."""
    found = periods.find(question, TODAY)
    assert found is not None and found.base is not None, question
    assert (found.range.first, found.range.last) == now
    assert (found.base.first, found.base.last) == base


def test_since_a_day_or_without_a_change_is_since_then() -> None:
    # A day has nothing to compare with but the days before; "since June"
    # alone is from 1 June on.
    for question in ("has lead time improved since 1 September?", "PRs merged since June"):
        found = periods.find(question, TODAY)
        assert found is not None and found.base is None, question
