"""``level_reason``: why a summary line has its level, against the bands
the control schema is seeded with (2023 and 2024 reports). The band quoted
must admit the value as shown: a value the tile rounds into another band
(23.99 h reads "24 h") is "just under 24 h", never "24 h is less than one
day", and with no second decimal (the tile's figure)."""

from __future__ import annotations

import re

import pytest

from pulse_backend.analytics.level_reason import BANDED, level_reason
from pulse_common.analytics.levels import Benchmarks

pytestmark = pytest.mark.postgres

LEAD = "lead_time_for_changes"
RECOVERY = "failed_deployment_recovery_time"
CFR = "change_failure_rate"
DF = "deployment_frequency"


def reason(
    bench: Benchmarks,
    metric: str,
    value: float | None,
    unit: str = "hours",
    n: int = 10,
    year: int = 2023,
    open_: int | None = None,
) -> str:
    return level_reason(bench, year, metric, value, unit, n, open_)


@pytest.mark.parametrize(
    ("metric", "value", "unit", "expected"),
    [
        (LEAD, 60.0, "hours", "High in the 2023 report: 2.5 days is between one day and one week."),
        (LEAD, 2.0, "hours", "Elite in the 2023 report: 2.0 h is less than one day."),
        # A bound belongs to the band above it ("less than one day" excludes 24 h).
        (LEAD, 24.0, "hours", "High in the 2023 report: 24 h is between one day and one week."),
        # Just under a bound: the tile's "24 h" / "7.0 days" would contradict the band.
        (LEAD, 23.99, "hours", "Elite in the 2023 report: just under 24 h is less than one day."),
        (LEAD, 23.9, "hours", "Elite in the 2023 report: just under 24 h is less than one day."),
        (
            LEAD,
            167.99,
            "hours",
            "High in the 2023 report: just under 7.0 days is between one day and one week.",
        ),
        (
            LEAD,
            168.0,
            "hours",
            "Medium in the 2023 report: 7.0 days is between one week and one month.",
        ),
        # Equal to a bound at the 4 decimals the bands are compared at: on it.
        (LEAD, 23.99999, "hours", "High in the 2023 report: 24 h is between one day and one week."),
        # Minutes: 59.94 min reads "60 min"... as "1.0 h": less than one hour it is not.
        (
            RECOVERY,
            0.999,
            "hours",
            "Elite in the 2023 report: just under 1.0 h is less than one hour.",
        ),
        (RECOVERY, 0.5, "hours", "Elite in the 2023 report: 30 min is less than one hour."),
        # The 2023 gap between one week and one month: no band, so low.
        (
            RECOVERY,
            240.0,
            "hours",
            "Low in the 2023 report: 10 days is in none of its elite, high and medium bands.",
        ),
        # Change failure rates are ceilings.
        (CFR, 5.0, "percent", "Elite in the 2023 report: 5.0 % is at most 5.0 %."),
        (CFR, 5.04, "percent", "High in the 2023 report: just over 5.0 % is at most 10.0 %."),
        # Shown as the tile shows it when that is in the same band.
        (CFR, 4.96, "percent", "Elite in the 2023 report: 5.0 % is at most 5.0 %."),
        # Once a month is 0.23 / week, which the tile shows as "0.2 / week": below it.
        (
            DF,
            1 / 30,
            "per_day",
            "Medium in the 2023 report: just over 0.2 / week is between once per week and once per month.",
        ),
        # Deployment frequency: higher is better; just under once a week
        # (the tile's "1.0 / week") is not "between once per day and once per week".
        (
            DF,
            0.5,
            "per_day",
            "High in the 2023 report: 3.5 / week is between once per day and once per week.",
        ),
        (
            DF,
            0.142,
            "per_day",
            "Medium in the 2023 report: just under 1.0 / week is between once per week and once per month.",
        ),
        (
            DF,
            2.0,
            "per_day",
            "Elite in the 2023 report: 2.0 / day is on demand (multiple deploys per day).",
        ),
    ],
)
def test_the_band_that_admits_the_value_as_shown(
    benchmarks: Benchmarks, metric: str, value: float, unit: str, expected: str
) -> None:
    assert reason(benchmarks, metric, value, unit) == expected


def test_what_is_missing_and_open_incidents(benchmarks: Benchmarks) -> None:
    b = benchmarks
    assert reason(b, DF, None, "per_day", n=0) == "No level: no deployments in this period."
    assert reason(b, LEAD, None, n=0) == "No level: no deployed PRs in this period."
    assert reason(b, "rework_rate", 12.0, "percent") == (
        "No level: the 2023 report gives no bands for rework rate."
    )
    assert reason(b, LEAD, 2.0, year=2019) == (
        "No level: the 2019 report gives no bands for lead time for changes."
    )
    # Most incidents open: low, said with the count and its grammar.
    assert reason(b, RECOVERY, None, n=4, open_=3) == (
        "Low in the 2023 report: 3 of 4 incidents are still open, so the median recovery"
        " time is longer than any band."
    )
    assert reason(b, RECOVERY, None, n=1, open_=1) == (
        "Low in the 2023 report: 1 of 1 incident is still open, so the median recovery"
        " time is longer than any band."
    )
    # A median beside some open incidents: they are said too, in agreement.
    assert reason(b, RECOVERY, 0.5, n=5, open_=1).endswith(
        " The 1 incident still open counts as longer than any resolved one."
    )
    assert reason(b, RECOVERY, 0.5, n=5, open_=2).endswith(
        " The 2 incidents still open count as longer than any resolved one."
    )
    assert "still open" not in reason(b, RECOVERY, 0.5, n=5, open_=0)
    # 2024: high and medium share "less than one day"; the better one wins.
    assert reason(b, RECOVERY, 5.0, year=2024) == (
        "High in the 2024 report: 5.0 h is less than one day."
    )
    assert reason(b, CFR, 50.0, "percent", year=2024) == (
        "Low in the 2024 report: 50.0 % is in none of its elite, high and medium bands."
    )


_SHOWN = re.compile(r"report: (just under |just over )?([\d.,]+) (h|days|min|/ day|/ week|%) is")
_HOURS = {"h": 1.0, "days": 24.0, "min": 1 / 60}


def _back(number: str, unit: str, metric_unit: str) -> float:
    x = float(number.replace(",", ""))
    if metric_unit == "per_day":
        return x / 7 if unit == "/ week" else x
    return x * _HOURS[unit] if metric_unit == "hours" else x


@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.parametrize(
    ("metric", "unit"), [(LEAD, "hours"), (RECOVERY, "hours"), (CFR, "percent"), (DF, "per_day")]
)
def test_every_level_and_shown_value_agree_with_classify(
    benchmarks: Benchmarks, year: int, metric: str, unit: str
) -> None:
    """Around every bound, the level named is the one ``classify`` gives,
    and the value shown, read back, is in that level too (so no reason
    quotes a band its own figure contradicts)."""
    banded = BANDED[metric]
    bounds = {
        float(x) for band in benchmarks.of(year, banded) for x in (band.lower, band.upper) if x
    }
    for bound in sorted(bounds):
        for value in (bound * 0.999, bound - 0.01, bound, bound + 0.01, bound * 1.001):
            if value <= 0:
                continue
            text = reason(benchmarks, metric, value, unit, year=year)
            level = benchmarks.classify(year, banded, value)
            assert level is not None and text.startswith(f"{level.capitalize()} in the {year}"), (
                value,
                text,
            )
            m = _SHOWN.search(text)
            assert m, text
            back = _back(m.group(2), m.group(3), unit)
            # The band, not only the level: "between one month and six
            # months" must admit the figure quoted beside it.
            band, shown_band = (benchmarks.band(year, banded, x) for x in (value, back))
            if m.group(1) is None:
                assert shown_band == band, (value, back, text)
            else:
                # The tile's figure is in another band: the value is on its
                # side, as the words say.
                assert shown_band != band, (value, back, text)
                assert (value < back) == (m.group(1) == "just under "), (value, back, text)
            assert not re.search(r"\d\.\d\d", text), text
