"""The per-row Python helpers the engineering and work-item flows used before
they aggregated in SQL (``pulse_common.analytics.lead_time`` at e1e7e66),
kept for the reference implementations their tests compare against."""

from __future__ import annotations

from collections.abc import Sequence

from pulse_common.analytics.common import HOUR
from pulse_common.analytics.median import lower_median
from pulse_common.analytics.results import Component


def span(a: float | None, b: float | None) -> float | None:
    """Hours from epoch a to epoch b; None when either is missing or b
    precedes a (``span_sql`` in Python)."""
    if a is None or b is None or b < a:
        return None
    return (b - a) / HOUR


def component(values: Sequence[float | None]) -> Component:
    present = [v for v in values if v is not None]
    return Component(median_hours=lower_median(present), sample_size=len(present))
