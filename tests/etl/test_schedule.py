"""The sync schedule in the tenant's time zone, across daylight saving
changes (America/New_York: 2026-03-08 02:00 → 03:00, 2026-11-01 02:00 →
01:00; Europe/Berlin: 2026-03-29, 2026-10-25)."""

from __future__ import annotations

import datetime as dt

import pytest

from pulse_common.errors import InvalidInput
from pulse_etl.jobs.schedule import next_run, zone

NY, BERLIN = zone("America/New_York"), zone("Europe/Berlin")
UTC = dt.UTC


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def _runs(expr: str, tz: dt.tzinfo, start: dt.datetime, n: int) -> list[dt.datetime]:
    out, at = [], start
    for _ in range(n):
        at = next_run(expr, tz, at)  # type: ignore[arg-type]
        out.append(at)
    return out


def test_daily_run_keeps_local_time_across_both_changes() -> None:
    runs = _runs("0 9 * * *", NY, _utc(2026, 3, 7, 12), 4)
    # 09:00 EST is 14:00 UTC; after the change 09:00 EDT is 13:00 UTC.
    assert runs == [
        _utc(2026, 3, 7, 14),
        _utc(2026, 3, 8, 13),
        _utc(2026, 3, 9, 13),
        _utc(2026, 3, 10, 13),
    ]
    runs = _runs("0 9 * * *", BERLIN, _utc(2026, 10, 24, 12), 2)
    assert runs == [_utc(2026, 10, 25, 8), _utc(2026, 10, 26, 8)]


def test_skipped_time_runs_shifted_by_the_jump() -> None:
    # 02:30 does not exist on 2026-03-08 in New York: it runs at 03:30 EDT (07:30 UTC).
    runs = _runs("30 2 * * *", NY, _utc(2026, 3, 7, 12), 3)
    assert runs == [_utc(2026, 3, 8, 7, 30), _utc(2026, 3, 9, 6, 30), _utc(2026, 3, 10, 6, 30)]
    assert runs[0].astimezone(NY).strftime("%H:%M %Z") == "03:30 EDT"


def test_repeated_time_runs_once() -> None:
    # 01:30 happens twice on 2026-11-01 in New York (EDT, then EST): one run, the first.
    runs = _runs("30 1 * * *", NY, _utc(2026, 10, 31, 12), 3)
    assert runs == [_utc(2026, 11, 1, 5, 30), _utc(2026, 11, 2, 6, 30), _utc(2026, 11, 3, 6, 30)]
    # Asked from inside the second 01:00-02:00 (01:10 EST), the next run is tomorrow.
    assert next_run("30 1 * * *", NY, _utc(2026, 11, 1, 6, 10)) == _utc(2026, 11, 2, 6, 30)


def test_hourly_schedule_over_the_night_of_each_change() -> None:
    spring = [
        r.astimezone(NY).strftime("%H:%M")
        for r in _runs("0 * * * *", NY, _utc(2026, 3, 8, 5, 30), 3)
    ]
    assert spring == ["01:00", "03:00", "04:00"]  # 02:00 never exists; no double run at 03:00
    fall = _runs("0 * * * *", NY, _utc(2026, 11, 1, 4, 30), 3)
    assert fall == [_utc(2026, 11, 1, 5), _utc(2026, 11, 1, 7), _utc(2026, 11, 1, 8)]


def test_every_two_hours_in_utc_is_unchanged() -> None:
    assert _runs("0 */2 * * *", zone("UTC"), _utc(2026, 3, 8, 0, 30), 2) == [
        _utc(2026, 3, 8, 2),
        _utc(2026, 3, 8, 4),
    ]


def test_bad_input_names_the_setting() -> None:
    with pytest.raises(InvalidInput, match="PULSE_ETL_TIMEZONE"):
        zone("Mars/Olympus")
    with pytest.raises(InvalidInput, match="PULSE_ETL_SCHEDULE"):
        next_run("61 * * * *", NY, _utc(2026, 1, 1))
    with pytest.raises(InvalidInput, match="PULSE_ETL_SCHEDULE"):
        next_run("0 0 * * * *", NY, _utc(2026, 1, 1))
