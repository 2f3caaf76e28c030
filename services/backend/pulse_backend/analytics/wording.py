"""How the assistant and the overview's insights word a figure: as the dashboard does
(``services/frontend/src/analytics/metrics.ts``: ``formatValue``,
``formatSample``, ``valueNote``), so that an answer never reads "0.00 per
day" beside the deployments it cites while the tile says "0.0 / week,
12 deployments" and explains the 0."""

from __future__ import annotations

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
    "rework_rate": ("deployment", "deployments"),
}


def metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, metric.replace("_", " ").capitalize())


def fmt_value(value: float | None, unit: str) -> str:
    """A figure in its unit. Deployment frequency (unit ``per_day``) is the
    median week's deployment days / 7, so it reads in deployment days per
    week, as on the dashboard; other units keep two decimals ("per_day" is
    an id, never shown)."""
    if value is None:
        return "no data"
    if unit == "per_day":
        if value >= 1:
            return "a deployment every day"
        return f"{value * 7:.1f} deployment days per week"
    return f"{value:.2f} {unit.replace('_', ' ')}"


def fmt_sample(metric: str, n: int) -> str:
    """ "12 deployments", "1 incident": what the figure was computed from."""
    one, many = _SAMPLE.get(metric, ("row", "rows"))
    return f"{n} {one if n == 1 else many}"


def value_note(metric: str, value: float | None, sample_size: int) -> str | None:
    """Why a figure reads as wrong, or None (``valueNote`` on the dashboard):
    a deployment frequency of 0 with deployments in the period means most
    months had no deployment day, not that nothing was deployed."""
    if metric == "deployment_frequency" and value == 0 and sample_size > 0:
        return "most months in this period had no deployment day (the median month counts)"
    return None


def figure_words(
    metric: str, value: float | None, unit: str, sample_size: int, period: str = ""
) -> str:
    """The figure (then ``period``, e.g. " over 90 days") with its sample
    and, where it reads as wrong, why: "0.0 deployment days per week over
    90 days (from 12 deployments); most months ..."."""
    text = fmt_value(value, unit) + period
    if value is None:
        return text
    text = f"{text} (from {fmt_sample(metric, sample_size)})"
    note = value_note(metric, value, sample_size)
    return f"{text}; {note}" if note else text
