"""When the next scheduled sync is due: ``spec.etl.schedule`` (5-field cron)
read in ``spec.etl.timeZone``.

The cron fields are matched against the tenant's wall clock, then mapped to
a real instant. Across daylight saving changes:

- a wall time the clock skips (02:30 on a spring-forward night) runs at the
  instant that time would have been without the jump (03:30 local);
- a wall time the clock repeats (01:30 on a fall-back night) runs once, at
  its first occurrence; so an hourly schedule has one run in the repeated
  hour, not two.

croniter is given naive wall times only: its own handling of aware
datetimes around transitions is what this module avoids depending on.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from croniter import croniter

from pulse_common.errors import InvalidInput

# More than a year of minutely ticks would mean a cron that never matches.
_MAX_CANDIDATES = 10_000


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"PULSE_ETL_TIMEZONE: unknown IANA time zone {name!r}") from None


def check_cron(expr: str) -> str:
    if not croniter.is_valid(expr) or len(expr.split()) != 5:
        raise InvalidInput(f"PULSE_ETL_SCHEDULE: not a 5-field cron expression: {expr!r}")
    return expr


def next_run(expr: str, tz: zoneinfo.ZoneInfo, after: dt.datetime) -> dt.datetime:
    """The first tick strictly after ``after`` (aware), as an aware UTC time."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    wall = after.astimezone(tz).replace(tzinfo=None)
    # Start one hour back: in a repeated hour the wall clock goes backwards.
    ticks = croniter(check_cron(expr), wall - dt.timedelta(hours=1))
    for _ in range(_MAX_CANDIDATES):
        candidate: dt.datetime = ticks.get_next(dt.datetime)
        # fold=0: the first occurrence of a repeated time; for a skipped
        # time, the pre-transition offset (i.e. shifted by the jump).
        instant = candidate.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
        if instant > after:
            return instant
    raise InvalidInput(f"PULSE_ETL_SCHEDULE: {expr!r} never fires")
