"""The assistant's and the insights' figures read as the dashboard shows
them: each pair is what the web app's formatter gives for that value
(``formatHours``, ``formatValue`` and ``countOf``, whose Vitest cases in
services/frontend/src/analytics/analytics.test.ts and
src/format/plural.test.ts hold the same strings), never "84.74 hours" or
"12.50 percent"."""

from __future__ import annotations

import pytest

from pulse_backend.analytics.summary import _insights
from pulse_backend.analytics.wording import (
    change_words,
    figure_words,
    fmt_count,
    fmt_hours,
    fmt_sample,
    fmt_value,
)
from pulse_common.analytics.results import SummaryLine
from pulse_common.models.control import DoraLevel


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        # formatHours' Vitest cases.
        (0.25, "15 min"),
        (5, "5.0 h"),
        (30, "30 h"),
        (72, "3.0 days"),
        (0.999, "1.0 h"),
        (9.97, "10 h"),
        (9.94, "9.9 h"),
        (239.5, "10 days"),
        # The walkthrough's figures, as the tile shows them.
        (84.74, "3.5 days"),
        (0.5, "30 min"),
        (59.9 / 60, "1.0 h"),  # rounded first: never "60 min"
        (47.97, "48 h"),
        (48, "2.0 days"),
    ],
)
def test_hours_read_in_the_unit_the_dashboard_chooses(hours: float, text: str) -> None:
    assert fmt_hours(hours) == text
    assert fmt_value(hours, "hours") == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        # formatValue's Vitest cases.
        (2, "per_day", "2.0 / day"),
        (0.5, "per_day", "3.5 / week"),
        (16.25, "percent", "16.3 %"),
        # Deployment frequency: the median week's deployment days / 7.
        (1, "per_day", "1.0 / day"),
        (1 / 7, "per_day", "1.0 / week"),
        (0, "per_day", "0.0 / week"),
        (12.5, "percent", "12.5 %"),
        (100 / 7, "percent", "14.3 %"),
        (0, "percent", "0.0 %"),
        (0.25, "percent", "0.3 %"),  # toFixed's tie goes up; Python's format said "0.2"
        (0.125, "ratio", "12.5 %"),
        (None, "percent", "no data"),
        (None, "hours", "no data"),
    ],
)
def test_each_unit_reads_as_on_the_dashboard(value: float | None, unit: str, text: str) -> None:
    assert fmt_value(value, unit) == text


def test_counts_group_their_thousands() -> None:
    # countOf's Vitest cases: "12,345 items", "1,000,000 deployments".
    assert fmt_count(12345, "item", "items") == "12,345 items"
    assert fmt_count(1_000_000, "deployment", "deployments") == "1,000,000 deployments"
    assert fmt_count(1, "incident", "incidents") == "1 incident"
    assert fmt_sample("change_failure_rate", 1234) == "1,234 deployments"
    assert fmt_sample("lead_time_for_changes", 1) == "1 deployed PR"


def _line(metric: str, unit: str, now: float, before: float, change: str) -> SummaryLine:
    return SummaryLine(
        metric=metric,
        value=now,
        unit=unit,
        level=DoraLevel.high,
        sample_size=1234,
        previous_value=before,
        previous_level=DoraLevel.high,
        previous_sample_size=1000,
        change=change,
        level_reason="",
    )


def test_a_change_reads_as_the_tiles_read_it() -> None:
    cfr = _line("change_failure_rate", "percent", 100 / 7, 12.5, "worsened")
    assert _insights(cfr) == [
        "Change failure rate worsened: 12.5 % → 14.3 % (from 1,234 deployments)."
    ]
    lead = _line("lead_time_for_changes", "hours", 20.0, 84.74, "improved")
    assert _insights(lead) == [
        "Lead time for changes improved: 3.5 days → 20 h (from 1,234 deployed PRs)."
    ]
    df = _line("deployment_frequency", "per_day", 3 / 7, 2 / 7, "improved")
    assert _insights(df) == [
        "Deployment frequency improved: 2.0 / week → 3.0 / week (from 1,234 deployments)."
    ]


def test_a_figure_that_reads_as_wrong_says_why_as_the_tile_does() -> None:
    # valueNote's cases: a 0 beside deployments, no recovery time beside
    # incidents (which reads as the tile's "Still open", never "no data").
    assert figure_words("deployment_frequency", 0, "per_day", 12, " over 90 days") == (
        "0.0 / week over 90 days (from 12 deployments); most months in this period had no "
        "deployment day (the median month counts)"
    )
    assert figure_words("recovery_time", None, "hours", 4) == (
        "still open (most of the 4 incidents not resolved yet)"
    )
    assert figure_words("failed_deployment_recovery_time", None, "hours", 1) == (
        "still open (the 1 incident is not resolved yet)"
    )
    # A previous period without a median (most incidents open), this one with one.
    assert change_words("failed_deployment_recovery_time", "improved", None, 2.0, "hours", 1) == (
        "Failed deployment recovery time improved: still open → 2.0 h (from 1 incident)."
    )
    assert figure_words("recovery_time", None, "hours", 0) == "no data"
    assert figure_words("recovery_time", 20, "hours", 5) == "20 h (from 5 incidents)"
