"""seed DORA market benchmarks (2023 and 2024 State of DevOps reports)

Units: deployment_frequency in deployments per day (higher is better),
lead_time_for_changes and time_to_restore in hours, change_failure_rate in
percent (the reports give one typical rate per cluster, stored as both bounds).
A null bound is open.

Revision ID: 5b1e0c7d2a41
Revises: f2d93abee770
Create Date: 2026-11-28 13:05:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1e0c7d2a41"
down_revision: str | Sequence[str] | None = "f2d93abee770"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY, WEEK, MONTH, HALF_YEAR = 24, 24 * 7, 24 * 30, 24 * 180

# (metric, level, lower, upper, unit, description)
BANDS: dict[int, list[tuple[str, str, float | None, float | None, str, str]]] = {
    2023: [
        (
            "deployment_frequency",
            "elite",
            1,
            None,
            "per_day",
            "On demand (multiple deploys per day)",
        ),
        (
            "deployment_frequency",
            "high",
            1 / 7,
            1,
            "per_day",
            "Between once per day and once per week",
        ),
        (
            "deployment_frequency",
            "medium",
            1 / 30,
            1 / 7,
            "per_day",
            "Between once per week and once per month",
        ),
        (
            "deployment_frequency",
            "low",
            1 / 30,
            1 / 7,
            "per_day",
            "Between once per week and once per month",
        ),
        ("lead_time_for_changes", "elite", 0, DAY, "hours", "Less than one day"),
        ("lead_time_for_changes", "high", DAY, WEEK, "hours", "Between one day and one week"),
        ("lead_time_for_changes", "medium", WEEK, MONTH, "hours", "Between one week and one month"),
        ("lead_time_for_changes", "low", WEEK, MONTH, "hours", "Between one week and one month"),
        ("change_failure_rate", "elite", 5, 5, "percent", "5%"),
        ("change_failure_rate", "high", 10, 10, "percent", "10%"),
        ("change_failure_rate", "medium", 15, 15, "percent", "15%"),
        ("change_failure_rate", "low", 64, 64, "percent", "64%"),
        ("time_to_restore", "elite", 0, 1, "hours", "Less than one hour"),
        ("time_to_restore", "high", 1, DAY, "hours", "Less than one day"),
        ("time_to_restore", "medium", DAY, WEEK, "hours", "Between one day and one week"),
        ("time_to_restore", "low", MONTH, HALF_YEAR, "hours", "Between one month and six months"),
    ],
    2024: [
        (
            "deployment_frequency",
            "elite",
            1,
            None,
            "per_day",
            "On demand (multiple deploys per day)",
        ),
        (
            "deployment_frequency",
            "high",
            1 / 7,
            1,
            "per_day",
            "Between once per day and once per week",
        ),
        (
            "deployment_frequency",
            "medium",
            1 / 30,
            1 / 7,
            "per_day",
            "Between once per week and once per month",
        ),
        (
            "deployment_frequency",
            "low",
            1 / 180,
            1 / 30,
            "per_day",
            "Between once per month and once every six months",
        ),
        ("lead_time_for_changes", "elite", 0, DAY, "hours", "Less than one day"),
        ("lead_time_for_changes", "high", DAY, WEEK, "hours", "Between one day and one week"),
        ("lead_time_for_changes", "medium", WEEK, MONTH, "hours", "Between one week and one month"),
        (
            "lead_time_for_changes",
            "low",
            MONTH,
            HALF_YEAR,
            "hours",
            "Between one month and six months",
        ),
        ("change_failure_rate", "elite", 5, 5, "percent", "5%"),
        ("change_failure_rate", "high", 20, 20, "percent", "20%"),
        ("change_failure_rate", "medium", 10, 10, "percent", "10%"),
        ("change_failure_rate", "low", 40, 40, "percent", "40%"),
        ("time_to_restore", "elite", 0, 1, "hours", "Less than one hour"),
        ("time_to_restore", "high", 1, DAY, "hours", "Less than one day"),
        ("time_to_restore", "medium", 1, DAY, "hours", "Less than one day"),
        ("time_to_restore", "low", WEEK, MONTH, "hours", "Between one week and one month"),
    ],
}

table = sa.table(
    "dora_market_benchmarks",
    sa.column("report_year", sa.SmallInteger),
    sa.column("metric", sa.String),
    sa.column("level", sa.String),
    sa.column("lower_bound", sa.Numeric),
    sa.column("upper_bound", sa.Numeric),
    sa.column("unit", sa.String),
    sa.column("description", sa.String),
    schema="pulse",
)


def upgrade() -> None:
    op.bulk_insert(
        table,
        [
            {
                "report_year": year,
                "metric": m,
                "level": lvl,
                "lower_bound": None if lo is None else round(lo, 4),
                "upper_bound": None if hi is None else round(hi, 4),
                "unit": unit,
                "description": desc,
            }
            for year, bands in BANDS.items()
            for (m, lvl, lo, hi, unit, desc) in bands
        ],
    )


def downgrade() -> None:
    op.execute(table.delete().where(table.c.report_year.in_(list(BANDS))))
