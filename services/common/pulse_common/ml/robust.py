"""Robust statistics for ML monitoring: no model to train, nothing a few
outliers can drag around.

- **Robust z-score** of a value against a trailing window: ``(x - median) /
  (1.4826 * MAD)``, where MAD is the median absolute deviation from the
  median; 1.4826 makes the MAD estimate the standard deviation of normal
  data, so thresholds read like ordinary z-scores (Iglewicz and Hoaglin's
  3.5 is the usual outlier cut-off). A window whose values are mostly equal
  has MAD 0: the scale then falls back to the mean absolute deviation
  (times 1.2533, the same normal-consistency idea), and never drops below the
  series' own floor (one deployment day, one hour...), so that a steady
  series that moves by one unit is not an infinite z.
- **Theil-Sen trend**: the median of the pairwise slopes and the median
  intercept; one odd week cannot tilt it.
- **Accuracy** of a prediction: ``1 - |predicted - actual| / max(|predicted|,
  |actual|, floor)``, clamped to [0, 1]. 1 is exact; 0.5 is off by half the
  larger of the two (for positive values, a factor of two); the floor keeps
  small counts from swinging (predicting 1 deployment day and seeing 0
  scores 0, predicting 0.4 and seeing 0 scores 0.6).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel

MAD_TO_SIGMA = 1.4826
MEAN_AD_TO_SIGMA = 1.2533


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


# |z| thresholds, from the highest severity down; below the last, no alert.
SEVERITY_THRESHOLDS: tuple[tuple[float, Severity], ...] = (
    (12.0, Severity.critical),
    (8.0, Severity.high),
    (5.0, Severity.medium),
    (3.5, Severity.low),
)
ALERT_THRESHOLD = SEVERITY_THRESHOLDS[-1][0]


class RobustScore(BaseModel):
    median: float
    mad: float
    scale: float
    z: float


def robust_z(value: float, window: Sequence[float], floor: float) -> RobustScore:
    """``window`` must not be empty; ``floor`` > 0 is the smallest scale."""
    median = statistics.median(window)
    deviations = [abs(v - median) for v in window]
    mad = statistics.median(deviations)
    scale = MAD_TO_SIGMA * mad
    if scale == 0:
        scale = MEAN_AD_TO_SIGMA * statistics.fmean(deviations)
    scale = max(scale, floor)
    return RobustScore(median=median, mad=mad, scale=scale, z=(value - median) / scale)


def severity(z: float) -> Severity | None:
    size = abs(z)
    return next((s for top, s in SEVERITY_THRESHOLDS if size >= top), None)


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """(slope, intercept); at least two distinct x values."""
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    ]
    slope = statistics.median(slopes)
    intercept = statistics.median(y - slope * x for x, y in zip(xs, ys, strict=True))
    return slope, intercept


def accuracy(predicted: float, actual: float, floor: float) -> float:
    error = abs(predicted - actual) / max(abs(predicted), abs(actual), floor)
    return min(1.0, max(0.0, 1.0 - error))
