"""Level classification at the band boundaries, from the real benchmark
table (docs/metrics.md states the rule)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pulse_common.analytics.levels import Benchmarks
from pulse_common.models.control import DoraLevel, DoraMetric

E, H, M, L = DoraLevel.elite, DoraLevel.high, DoraLevel.medium, DoraLevel.low
DF, LT = DoraMetric.deployment_frequency, DoraMetric.lead_time_for_changes
CFR, TTR = DoraMetric.change_failure_rate, DoraMetric.time_to_restore

CASES = [
    (2023, DF, 3.0, E),
    (2023, DF, 1.0, E),
    (2023, DF, 6 / 7, H),
    (2023, DF, 1 / 7, H),
    (2023, DF, 0.14, M),
    (2023, DF, 1 / 30, M),
    (2023, DF, 0.0333 - 0.0001, L),
    (2023, DF, 0.0, L),
    (2024, DF, 1 / 30, M),
    (2024, DF, 1 / 31, L),
    (2024, DF, 1 / 180, L),
    (2024, DF, 0.0, L),
    (2023, LT, 0.0, E),
    (2023, LT, 23.99, E),
    (2023, LT, 24.0, H),
    (2023, LT, 167.99, H),
    (2023, LT, 168.0, M),
    (2023, LT, 719.99, M),
    (2023, LT, 720.0, L),
    (2023, LT, 9999.0, L),
    (2024, LT, 720.0, L),
    (2024, LT, 4320.0, L),
    (2023, CFR, 0.0, E),
    (2023, CFR, 5.0, E),
    (2023, CFR, 5.01, H),
    (2023, CFR, 10.0, H),
    (2023, CFR, 15.0, M),
    (2023, CFR, 15.01, L),
    (2023, CFR, 64.0, L),
    (2023, CFR, 100.0, L),
    # 2024: medium's 10 % lies under high's 20 %: per metric, medium is never given
    (2024, CFR, 5.0, E),
    (2024, CFR, 8.0, H),
    (2024, CFR, 10.0, H),
    (2024, CFR, 20.0, H),
    (2024, CFR, 20.01, L),
    (2024, CFR, 40.0, L),
    (2024, CFR, 41.0, L),
    (2023, TTR, 0.99, E),
    (2023, TTR, 1.0, H),
    (2023, TTR, 23.99, H),
    (2023, TTR, 24.0, M),
    (2023, TTR, 167.99, M),
    (2023, TTR, 168.0, L),
    (2023, TTR, 700.0, L),
    (2023, TTR, 5000.0, L),
    # 2024: high and medium share "< 1 day" → high; the gap up to a week → low
    (2024, TTR, 0.5, E),
    (2024, TTR, 1.0, H),
    (2024, TTR, 23.99, H),
    (2024, TTR, 24.0, L),
    (2024, TTR, 1000.0, L),
]


@pytest.mark.parametrize(("year", "metric", "value", "level"), CASES)
def test_band_boundaries(
    benchmarks: Benchmarks, year: int, metric: DoraMetric, value: float, level: DoraLevel
) -> None:
    assert benchmarks.classify(year, metric, value) is level


def test_no_value_or_no_bands_is_no_level(benchmarks: Benchmarks) -> None:
    assert benchmarks.classify(2023, LT, None) is None
    assert benchmarks.classify(2019, LT, 1.0) is None
    assert benchmarks.years() == [2023, 2024]


# The cells docs/dora-benchmarks.md could not confirm from a published
# source, with the values they could take without changing any level:
# a low band never matters (low is also what no band admits), and a medium
# band inside the high band's range is shadowed by it (high is tried first).
Bounds = tuple[int, int | None]
ANY: list[Bounds] = [(0, 0), (1, 1), (50, 50), (0, None), (10_000, 10_000)]
UNCONFIRMED: list[tuple[int, DoraMetric, DoraLevel, list[Bounds]]] = [
    (2023, CFR, L, ANY),
    (2023, TTR, L, ANY),
    (2024, CFR, L, ANY),
    (2024, TTR, L, ANY),
    (2024, CFR, M, [(0, 0), (10, 10), (15, 15), (20, 20)]),
    (2024, TTR, M, [(0, 1), (1, 24), (0, 24), (12, 24)]),
]
PROBES = {
    CFR: [x / 4 for x in range(0, 401)],  # 0 % to 100 % in quarter points
    TTR: [x / 2 for x in range(0, 2 * 24 * 400)],  # 0 h to 400 days in half hours
}


@pytest.mark.parametrize(
    ("year", "metric", "level", "replacement"),
    [(y, m, lvl, r) for y, m, lvl, rs in UNCONFIRMED for r in rs],
)
def test_the_unconfirmed_cells_cannot_change_a_level(
    benchmarks: Benchmarks,
    year: int,
    metric: DoraMetric,
    level: DoraLevel,
    replacement: Bounds,
) -> None:
    key = f"{year}:{metric.value}"
    lo, hi = (Decimal(v) if v is not None else None for v in replacement)
    changed = tuple(
        b.model_copy(update={"lower": lo, "upper": hi}) if b.level is level else b
        for b in benchmarks.bands[key]
    )
    other = Benchmarks(bands={**benchmarks.bands, key: changed})
    for value in PROBES[metric]:
        assert other.classify(year, metric, value) is benchmarks.classify(year, metric, value), (
            value
        )


def test_bands_given_in_any_order_are_tried_best_first(benchmarks: Benchmarks) -> None:
    # The overlaps go to the better level whatever order the bands came in
    # (classify relies on Benchmarks keeping them best first).
    reversed_bands = Benchmarks(bands={k: tuple(reversed(v)) for k, v in benchmarks.bands.items()})
    for key in benchmarks.bands:
        year, metric = int(key.split(":")[0]), DoraMetric(key.split(":")[1])
        # Quarter steps from 0 to 960: per-day rates, hours, percentages.
        for value in [x / 4 for x in range(0, 4 * 960)]:
            assert reversed_bands.classify(year, metric, value) is benchmarks.classify(
                year, metric, value
            ), (key, value)
