"""Why a summary line has its level, in words: the band of the report year
that admits its value (``Benchmarks.band``), or why there is none. The
overview can show it and the assistant's model reads it (``dora_summary``),
so that an answer says "high: 2.5 days is between one day and one week"
instead of guessing the bands. ``tests/dora/test_level_reason.py``."""

from __future__ import annotations

import re
from collections.abc import Callable

from pulse_backend.analytics.wording import (
    RECOVERY,
    fmt_count,
    fmt_sample,
    fmt_value,
    metric_name,
)
from pulse_common.analytics.levels import Band, Benchmarks
from pulse_common.models.control import DoraLevel, DoraMetric

# The summary's metric ids → the benchmarks' (rework rate has no bands).
BANDED = {
    "deployment_frequency": DoraMetric.deployment_frequency,
    "lead_time_for_changes": DoraMetric.lead_time_for_changes,
    "change_failure_rate": DoraMetric.change_failure_rate,
    "failed_deployment_recovery_time": DoraMetric.time_to_restore,
    "mean_time_to_restore": DoraMetric.time_to_restore,
}


def level_reason(
    bench: Benchmarks,
    year: int,
    metric: str,
    value: float | None,
    unit: str,
    sample_size: int,
    unresolved: int | None = None,
) -> str:
    """E.g. "High in the 2023 report: 2.5 days is between one day and one
    week.", "Low in the 2023 report: 3 of 4 incidents are still open, so the
    median recovery time is longer than any band.", "No level: no deployments
    in this period."."""
    banded = BANDED.get(metric)
    bands = bench.of(year, banded) if banded is not None else ()
    if banded is None or not bands:
        return f"No level: the {year} report gives no bands for {metric_name(metric).lower()}."
    if sample_size == 0:
        return f"No level: no {fmt_sample(metric, 0).split(' ', 1)[1]} in this period."
    report = f"in the {year} report"
    low = DoraLevel.low.capitalize()
    if value is None:
        if metric not in RECOVERY or not unresolved:
            return f"No level: no {metric_name(metric).lower()} in this period."
        # Recovery time with most incidents open (failures._recovery_level).
        return (
            f"{low} {report}: {unresolved:,} of {fmt_count(sample_size, 'incident', 'incidents')} "
            f"{'is' if unresolved == 1 else 'are'} still open, so the median recovery "
            "time is longer than any band."
        )
    band = bench.band(year, banded, value)
    figure = shown(value, unit, lambda x: bench.band(year, banded, x))
    if band is None:
        better = [b.level.value for b in bands if b.level != DoraLevel.low]
        text = f"{low} {report}: {figure} is in none of its {_listed(better)}bands."
    elif band.lower is not None and band.lower == band.upper:
        ceiling = fmt_value(float(band.upper), unit)
        text = f"{band.level.capitalize()} {report}: {figure} is at most {ceiling}."
    else:
        how = band.description[:1].lower() + band.description[1:]
        text = f"{band.level.capitalize()} {report}: {figure} is {how}."
    if unresolved:
        still = fmt_count(unresolved, "incident", "incidents")
        counts = "counts" if unresolved == 1 else "count"
        text += f" The {still} still open {counts} as longer than any resolved one."
    return text


def _listed(levels: list[str]) -> str:
    """ "elite, high and medium " (with a trailing space), or "" for none."""
    if not levels:
        return ""
    head = ", ".join(levels[:-1])
    return f"{head} and {levels[-1]} " if head else f"{levels[0]} "


def shown(value: float, unit: str, band_of: Callable[[float], Band | None]) -> str:
    """``value`` as the tile shows it, and "just under" / "just over" it when
    that figure, read back, is in another band than the value: 23.99 h reads
    "24 h" on the tile, and "24 h is less than one day" is false, while
    "just under 24 h is less than one day" is true. No second decimal: the
    figure stays the tile's (``tests/agent/test_answer_wording.py``)."""
    text = fmt_value(value, unit)
    back = read_back(text)
    if band_of(back) == band_of(value):
        return text
    return f"just {'under' if value < back else 'over'} {text}"


# What ``fmt_value`` writes, back in the bands' units (hours, per day, percent).
_READ = re.compile(r"^([\d.]+) (min|h|days|/ day|/ week|%)$")
_SCALE = {"min": 1 / 60, "h": 1.0, "days": 24.0, "/ day": 1.0, "/ week": 1 / 7, "%": 1.0}


def read_back(text: str) -> float:
    """The figure ``fmt_value`` wrote, in the unit the bands use."""
    m = _READ.match(text.replace(",", ""))
    if m is None:
        raise ValueError(f"not a figure fmt_value writes: {text!r}")
    return float(m.group(1)) * _SCALE[m.group(2)]
