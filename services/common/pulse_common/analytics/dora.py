"""The four keys and the rework rate (definitions: docs/metrics.md), one
import for callers; each metric lives in its own module."""

from __future__ import annotations

from pulse_common.analytics.failures import (
    change_failure_rate,
    mttr,
    recovery_time,
    rework_rate,
)
from pulse_common.analytics.frequency import deployment_frequency
from pulse_common.analytics.lead_time import lead_time

__all__ = [
    "change_failure_rate",
    "deployment_frequency",
    "lead_time",
    "mttr",
    "recovery_time",
    "rework_rate",
]
