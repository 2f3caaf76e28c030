"""How the assistant and the overview's insights word a figure: as the dashboard does
(``services/frontend/src/analytics/metrics.ts``: ``formatValue``,
``formatHours``, ``formatSample``, ``valueNote``; ``format/plural.ts``'s
``countOf``), with the same units and rounding, so that an answer or an
insight never reads "84.74 hours" or "12.50 percent" where the tile says
"3.5 days" and "12.5 %", nor "0.00 per day" beside the deployments it
cites while the tile says "0.0 / week, 12 deployments" and explains the 0.
``tests/backend/test_figure_wording.py`` pins the web app's strings."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from pulse_common.wording import count_of

# What people read for the metric ids of the summary and of the metric
# tool (the step line, local mode's answers); the data keeps the ids.
METRIC_NAMES = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes",
    "lead_time_for_changes": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "recovery_time": "Failed deployment recovery time",
    "failed_deployment_recovery_time": "Failed deployment recovery time",
    "rework_rate": "Rework rate",
}

# What each figure's sample counts (its drill-down's rows): one, many.
_SAMPLE = {
    "deployment_frequency": ("deployment", "deployments"),
    "lead_time": ("deployed PR", "deployed PRs"),
    "lead_time_for_changes": ("deployed PR", "deployed PRs"),
    "change_failure_rate": ("deployment", "deployments"),
    "recovery_time": ("incident", "incidents"),
    "failed_deployment_recovery_time": ("incident", "incidents"),
    "mean_time_to_restore": ("incident", "incidents"),
    "rework_rate": ("deployment", "deployments"),
}

RECOVERY = ("recovery_time", "failed_deployment_recovery_time", "mean_time_to_restore")


def metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, metric.replace("_", " ").capitalize())


def _fixed(x: float, digits: int) -> str:
    """JavaScript's ``toFixed``: the float's exact binary value rounded, ties
    away from zero (Python's format rounds ties to even: 0.25 reads "0.2"
    there and "0.3" on the dashboard)."""
    return str(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _round(x: float) -> int:
    """JavaScript's ``Math.round``: ties up, on the exact value (``floor(x +
    0.5)`` in floats reads 0.49999999999999994 as 1)."""
    return math.floor(Decimal(x) + Decimal("0.5"))


def _tenths(v: float) -> str:
    """One decimal below 10, none from 10: "9.9", "10", "12"."""
    r = _round(v * 10) / 10
    return _fixed(r, 1) if r < 10 else str(_round(v))


def fmt_hours(h: float | None) -> str:
    """Hours in minutes, hours or days (``formatHours``): rounded first, then
    the unit chosen, so 0.999 h reads "1.0 h" and 9.97 h "10 h"."""
    if h is None or math.isnan(h):
        return "no data"
    minutes = _round(h * 60)
    if minutes < 60:
        return f"{minutes} min"
    if h < 48:
        return f"{_tenths(h)} h"
    return f"{_tenths(h / 24)} days"


def fmt_value(value: float | None, unit: str) -> str:
    """A figure in its unit as the dashboard's ``formatValue`` shows it:
    hours in min / h / days, "12.5 %", deployment frequency (the median
    week's deployment days / 7) "3.5 / week" below one a day. A unit id
    ("per_day", "percent", "hours") is never shown; "no data" stands for
    the tile's "—", which reads as nothing in a sentence."""
    if value is None or math.isnan(value):
        return "no data"
    if unit == "hours":
        return fmt_hours(value)
    if unit == "per_day":
        return f"{_fixed(value, 1)} / day" if value >= 1 else f"{_fixed(value * 7, 1)} / week"
    if unit == "percent":
        return f"{_fixed(value, 1)} %"
    if unit == "ratio":
        return f"{_fixed(value * 100, 1)} %"
    number = str(int(value)) if float(value).is_integer() else _fixed(value, 2)
    return f"{number} {unit.replace('_', ' ')}"


def fmt_count(n: int, one: str, many: str) -> str:
    """ "1 incident", "1,234 deployments": thousands grouped, as the web
    app's ``countOf`` shows them to an en-US reader."""
    return count_of(n, one, many)


def fmt_sample(metric: str, n: int) -> str:
    """ "12 deployments", "1 incident": what the figure was computed from."""
    return fmt_count(n, *_SAMPLE.get(metric, ("row", "rows")))


def value_note(metric: str, value: float | None, sample_size: int) -> str | None:
    """Why a figure reads as wrong, or None (``valueNote`` on the dashboard):
    a deployment frequency of 0 with deployments in the period means most
    months had no deployment day, not that nothing was deployed; a recovery
    time without a value beside incidents means most are still open (they
    count as longer than any resolved one: no median yet)."""
    if metric == "deployment_frequency" and value == 0 and sample_size > 0:
        return "most months in this period had no deployment day (the median month counts)"
    if metric in RECOVERY and value is None and sample_size > 0:
        if sample_size == 1:
            return "the incident is still open: no recovery time yet"
        return "most of these incidents are still open: the median recovery time is not known yet"
    return None


def figure_words(
    metric: str,
    value: float | None,
    unit: str,
    sample_size: int,
    period: str = "",
    unresolved: int | None = None,
) -> str:
    """The figure (then ``period``, e.g. " over 90 days") with its sample
    and, where it reads as wrong, why: "0.0 / week over 90 days (from 12
    deployments); most months ...". A recovery time whose median is an
    unresolved incident reads as the tile does, "still open", with how
    many are (``unresolved``; ``still_open_words``), never "no data"."""
    if metric in RECOVERY and value is None and sample_size > 0:
        return still_open_words(metric, sample_size, unresolved, period)
    text = fmt_value(value, unit) + period
    note = value_note(metric, value, sample_size)
    if value is not None:
        text = f"{text} (from {fmt_sample(metric, sample_size)})"
    return f"{text}; {note}" if note else text


def still_open_words(
    metric: str, sample_size: int, unresolved: int | None, period: str = ""
) -> str:
    """A recovery time with more than half of its incidents unresolved: the
    median is one of them, so there is no duration to give. The dashboard's
    tile says "Still open"; so does the assistant, with the count: "still
    open over 90 days (3 of 5 incidents not resolved yet)". Without the
    count (``unresolved`` None) it says "most of" them, which is what a
    missing median means."""
    if sample_size == 1:
        return f"still open{period} (the 1 incident is not resolved yet)"
    many = fmt_sample(metric, sample_size)
    of = f"most of the {many}" if unresolved is None else f"{unresolved:,} of {many}"
    return f"still open{period} ({of} not resolved yet)"


# The overview's insights, worded once: ``summary`` words them for a period,
# ``insights.reworded`` rows stored in an older wording with the same figures.


def change_words(
    metric: str, change: str, previous: float | None, now: float, unit: str, sample_size: int
) -> str:
    """A figure's change, e.g. "Lead time for changes improved: 3.5 days →
    2.5 days (from 12 deployed PRs)." (a note after it where it reads as wrong).
    A recovery time compared with a previous period whose median was an open
    incident (``summary.recovery_change``) reads "still open → 5.0 h"."""
    note = value_note(metric, now, sample_size)
    before = "still open" if previous is None and metric in RECOVERY else fmt_value(previous, unit)
    return (
        f"{metric_name(metric)} {change}: {before} → {fmt_value(now, unit)} "
        f"(from {fmt_sample(metric, sample_size)})" + (f"; {note}." if note else ".")
    )


def longest_step_words(step: str, median_hours: float, prs: int) -> str:
    """The lead time's longest step, e.g. "Lead time: coding is the longest
    step (median 3.5 days over 13 PRs)." as the breakdown reads it."""
    over = fmt_count(prs, "PR", "PRs")
    return f"Lead time: {step} is the longest step (median {fmt_hours(median_hours)} over {over})."


def open_incidents_words(n: int) -> str:
    """E.g. "1 incident caused by deployments in this period is still open."
    (the recovery time's unresolved incidents)."""
    return (
        f"{fmt_count(n, 'incident', 'incidents')} caused by deployments in this "
        f"period {'are' if n > 1 else 'is'} still open."
    )
