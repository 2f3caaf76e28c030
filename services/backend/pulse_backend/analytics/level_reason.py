"""Why a summary line has its level, in words: the band of the report year
that admits its value (``Benchmarks.band``), or why there is none. The
overview can show it and the assistant's model reads it (``dora_summary``),
so that an answer says "high: 2.5 days is between one day and one week"
instead of guessing the bands."""

from __future__ import annotations

from pulse_backend.analytics.wording import fmt_count, fmt_sample, fmt_value, metric_name
from pulse_common.analytics.levels import Benchmarks
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
    if banded is None or not bench.of(year, banded):
        return f"No level: the {year} report gives no bands for {metric_name(metric).lower()}."
    if sample_size == 0:
        return f"No level: no {fmt_sample(metric, 0).split(' ', 1)[1]} in this period."
    report = f"in the {year} report"
    if value is None:
        # Recovery time with most incidents open (failures._recovery_level).
        return (
            f"{DoraLevel.low.capitalize()} {report}: {unresolved or 0} of "
            f"{fmt_count(sample_size, 'incident', 'incidents')} "
            f"{'is' if (unresolved or 0) == 1 else 'are'} still open, so the median recovery "
            "time is longer than any band."
        )
    band = bench.band(year, banded, value)
    shown = fmt_value(value, unit)
    if band is None:
        better = [b.level.value for b in bench.of(year, banded) if b.level != DoraLevel.low]
        named = ", ".join(better[:-1]) + " and " + better[-1] if len(better) > 1 else better[0]
        text = f"{DoraLevel.low.capitalize()} {report}: {shown} is in none of its {named} bands."
    elif band.lower is not None and band.lower == band.upper:
        ceiling = fmt_value(float(band.upper), unit)
        text = f"{band.level.capitalize()} {report}: {shown} is at most {ceiling}."
    else:
        how = band.description[:1].lower() + band.description[1:]
        text = f"{band.level.capitalize()} {report}: {shown} is {how}."
    if unresolved:
        still = fmt_count(unresolved, "incident", "incidents")
        text += f" {still} still open count as longer than any resolved one."
    return text
