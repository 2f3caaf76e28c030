"""Elite/high/medium/low per report year, from ``pulse.dora_market_benchmarks``.

The published bands overlap and have gaps, so one rule decides, per metric:

- Levels are tried best first (elite, high, medium, low); the first whose
  band admits the value wins. Overlaps therefore go to the better level
  (2023 deployment frequency: medium and low share a band → medium; 2024
  recovery: high and medium share "< 1 day" → high), and a level whose band
  a better level covers is never given (2024 change failure rate: medium's
  10 % lies under high's 20 % ceiling).
- A value no band admits is **low** (the worst level); a value in a gap
  between two bands therefore goes to the worse side, as DevLake's contiguous
  bands do (2023 recovery between one week and one month → low).
- Higher-is-better (deployment frequency, per day): a band admits v when
  v >= lower (an open lower bound admits everything).
- Lower-is-better with a range (lead time, recovery, in hours): admits
  lower <= v < upper ("less than one day" excludes exactly 24 h); an open
  upper bound admits everything from lower.
- Lower-is-better with a single typical value (the reports' change failure
  rates, stored as lower = upper): an inclusive ceiling, v <= value (2023:
  <= 5 % elite, <= 10 % high, <= 15 % medium, as DevLake's dashboard).
- The table stores bounds rounded to 4 decimals (1/7 per day = 0.1429), so
  the value is rounded to 4 decimals before it is compared.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Connection, select

from pulse_common.models.control import DoraLevel, DoraMarketBenchmark, DoraMetric

ORDER = (DoraLevel.elite, DoraLevel.high, DoraLevel.medium, DoraLevel.low)
HIGHER_IS_BETTER = frozenset({DoraMetric.deployment_frequency})


class Band(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: DoraLevel
    lower: Decimal | None
    upper: Decimal | None
    unit: str
    description: str


class Benchmarks(BaseModel):
    """All bands, keyed ``"<year>:<metric>"``; load once (reference data)."""

    model_config = ConfigDict(frozen=True)

    bands: dict[str, tuple[Band, ...]]

    @field_validator("bands")
    @classmethod
    def _best_first(cls, bands: dict[str, tuple[Band, ...]]) -> dict[str, tuple[Band, ...]]:
        # classify tries the levels best first: sorted once here, not on each
        # call (a weekly trend classifies 28 points).
        return {k: tuple(sorted(v, key=lambda b: ORDER.index(b.level))) for k, v in bands.items()}

    def years(self) -> list[int]:
        return sorted({int(k.split(":")[0]) for k in self.bands})

    def of(self, year: int, metric: DoraMetric) -> tuple[Band, ...]:
        return self.bands.get(f"{year}:{metric.value}", ())

    def classify(self, year: int, metric: DoraMetric, value: float | None) -> DoraLevel | None:
        """None when there is no value or the year has no bands for the metric."""
        if value is None or not self.of(year, metric):
            return None
        band = self.band(year, metric, value)
        return DoraLevel.low if band is None else band.level

    def band(self, year: int, metric: DoraMetric, value: float) -> Band | None:
        """The band that gives ``value`` its level (``classify``), or None
        when no band admits it (then it is low: the summary's level reason
        says so instead of quoting a band the value is not in)."""
        v = Decimal(str(round(value, 4)))
        return next((b for b in self.of(year, metric) if _admits(metric, b, v)), None)


def _admits(metric: DoraMetric, band: Band, v: Decimal) -> bool:
    lo, hi = band.lower, band.upper
    if metric in HIGHER_IS_BETTER:
        return lo is None or v >= lo
    if lo is not None and hi is not None and lo == hi:
        return v <= hi
    return (lo is None or v >= lo) and (hi is None or v < hi)


def load_benchmarks(conn: Connection) -> Benchmarks:
    """Reads the control schema: call it with a connection that may (the
    backend's own role, before switching to the tenant's)."""
    grouped: dict[str, list[Band]] = {}
    b = DoraMarketBenchmark
    cols = (b.report_year, b.metric, b.level, b.lower_bound, b.upper_bound, b.unit, b.description)
    for row in conn.execute(select(*cols)):
        grouped.setdefault(f"{row.report_year}:{row.metric.value}", []).append(
            Band(
                level=row.level,
                lower=row.lower_bound,
                upper=row.upper_bound,
                unit=row.unit,
                description=row.description,
            )
        )
    return Benchmarks(bands={k: tuple(v) for k, v in grouped.items()})
