"""The median as DevLake's DORA dashboard computes it.

DevLake ranks the values with ``percent_rank()`` (``(rank - 1) / (n - 1)``,
ties sharing the lowest rank) and takes ``max(value) WHERE rank <= 0.5``.
That is the *lower median*: the element at index ``(n - 1) // 2`` of the
sorted values (for an even count, the smaller of the two middle values; no
averaging). Proof sketch: sorted[k] with k = (n-1)//2 has at most k smaller
values, so its rank is <= 0.5; any larger value has more than (n-1)/2
smaller ones. ``None`` values are unresolved and rank above every number
(open incidents: see recovery time).
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def lower_median(values: Iterable[float | None]) -> float | None:
    """None for an empty sample, or when the median itself is unresolved."""
    ordered = sorted(math.inf if v is None else v for v in values)
    if not ordered:
        return None
    m = ordered[(len(ordered) - 1) // 2]
    return None if math.isinf(m) else m
