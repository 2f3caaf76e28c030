"""What the metric modules share: the report year,
the fields every figure has, and the counted deployments of a scope.

The statements aggregate in PostgreSQL and return one drill-down page as
JSON, which pydantic parses in one call, or which goes to the response body
as it is (``raw_pages``: the service must stay close to its bare SQL, see
benchmarks/dora_api.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import Connection, text

from pulse_common.analytics import queries as q
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.raw_pages import kept
from pulse_common.analytics.results import DeploymentRef
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraLevel

HOUR = 3600.0
# JIT compiles every expression of a statement anew at each run (nothing is
# kept between statements), and the planner's costs for these queries (the
# correlated look-ups per PR) cross its threshold on large tenants: at
# benchmarks/dora.py's scale 0.3 it spent 0.66 s of a 2.1 s lead-time query
# compiling, and the query ran in 1.0-1.4 s without it.
NO_JIT = "SET LOCAL jit = off"
# A statement a connection runs often is prepared by psycopg (from its 5th
# run), and PostgreSQL may then settle on a generic plan, made without the
# range's and the environments' values: for the rework rate at 1M that plan
# took 3.4 s where the custom one takes 40 ms. These statements are planned
# for their parameters each time (a fraction of a millisecond).
CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"


def analytics_session(conn: Connection) -> None:
    """Session settings of every analytics read transaction."""
    conn.execute(text(NO_JIT))
    conn.execute(text(CUSTOM_PLANS))


# What every analytics read transaction needs first, in one round trip
# instead of three: JIT off and custom plans for this transaction
# (``NO_JIT``, ``CUSTOM_PLANS``), UTC as the time zone its JSON writes
# timestamps in (``raw_pages``: never the server's default), the
# deployments' environments (``q.ENVIRONMENTS``) and the tenant's DORA rules
# (``load_rules``: the model's fields are ``dora_settings``' columns; no
# row, the defaults).
OPENING = f"""SELECT set_config('jit', 'off', true),
    set_config('plan_cache_mode', 'force_custom_plan', true),
    set_config('TimeZone', 'UTC', true),
    ARRAY({q.ENVIRONMENTS}),
    (SELECT row_to_json(s)::text FROM (
        SELECT {", ".join(DoraRules.model_fields)} FROM dora_settings LIMIT 1) s)"""


@contextmanager
def analytics_transaction(
    conn: Connection, opened: Sequence[Any] | None = None
) -> Iterator[DoraRules]:
    """The session settings and the tenant's DORA rules of an analytics read
    transaction; the metrics computed in the block reuse the environments
    it read (``q.known_environments``). ``opened``: the ``OPENING`` row when
    the transaction's first round trip already ran it (the backend's
    ``tx.opened_read_transaction``); without it, it runs here."""
    _, _, _, names, rules = conn.execute(q.statement(OPENING)).one() if opened is None else opened
    token = q.known_environments.set((conn, tuple(names)))
    try:
        yield DoraRules() if rules is None else DoraRules.model_validate_json(rules)
    finally:
        q.known_environments.reset(token)


T = TypeVar("T")


def report_year(scope: Scope, rules: DoraRules) -> int:
    return scope.report_year or rules.report_year


def figure(
    metric: str,
    value: float | None,
    unit: str,
    level: DoraLevel | None,
    year: int,
    total: int,
    drilldown: Sequence[Any],
) -> dict[str, Any]:
    """The fields every figure has: its value and level, and the rows behind it."""
    return {
        "metric": metric,
        "value": value,
        "unit": unit,
        "level": level,
        "report_year": year,
        "sample_size": total,
        # A tuple as it is: it may be a page kept as text (raw_pages.RawPage).
        "drilldown": drilldown if isinstance(drilldown, tuple) else tuple(drilldown),
        "drilldown_total": total,
    }


class Reading(NamedTuple):
    """What a trend's point keeps of a figure."""

    value: float | None
    level: DoraLevel | None
    sample_size: int
    unit: str


Statement = tuple[str, dict[str, Any]]


class PointMetric(NamedTuple):
    """A metric as a trend's point: its statement over one period (a point's
    scope, drill-down page empty), and the ``Reading`` of that statement's
    row. The trend runs every point's statement as one (``q.lateral``).
    ``reading``'s last argument answers ``ever_deployed`` for the trend's
    scope, whose filters every point shares (asked at most once per trend)."""

    statement: Callable[[Connection, Scope, DoraRules], Statement]
    reading: Callable[[Any, Scope, DoraRules, Benchmarks, Callable[[], bool]], Reading]


def page_params(scope: Scope) -> dict[str, Any]:
    return {"limit": scope.drilldown_limit, "offset": scope.drilldown_offset}


def parse_page(adapter: TypeAdapter[tuple[T, ...]], page: str | None) -> tuple[T, ...]:
    """A drill-down page the statement built as a JSON array (None: empty),
    or the text itself when the caller passes pages through (``raw_pages``)."""
    if page is None:
        return ()
    raw = kept(page)
    return adapter.validate_json(page) if raw is None else raw


DEPLOYMENT_PAGE: TypeAdapter[tuple[DeploymentRef, ...]] = TypeAdapter(tuple[DeploymentRef, ...])


def deployments_cte(conn: Connection, scope: Scope, rules: DoraRules) -> tuple[str, dict[str, Any]]:
    """``d AS MATERIALIZED (...)``: the counted deployments finished in the
    scope, and the parameters it binds (range and drill-down page included)."""
    f = q.deployment_filter(conn, scope, rules)
    sql = f"d AS MATERIALIZED ({q.render(q.SCOPED_DEPLOYMENTS, deployments=f.sql)})"
    return sql, {**f.params, "start": scope.start, "end": scope.end, **page_params(scope)}


def ever_deployed(conn: Connection, scope: Scope, rules: DoraRules) -> bool:
    f = q.deployment_filter(conn, scope, rules)
    sql = f"SELECT EXISTS (SELECT 1 FROM deployments d WHERE {f.sql})"
    return bool(conn.execute(q.statement(sql), f.params).scalar())


def first_deployed(conn: Connection, scope: Scope, rules: DoraRules) -> dt.datetime | None:
    """When the scope's first counted deployment finished, whatever the range
    (``None``: none was ever collected). A period before it, without a
    deployment, is before the data loaded, not a real zero: the summary and
    the trend compare with it as with nothing (docs/metrics.md)."""
    f = q.deployment_filter(conn, scope, rules)
    sql = f"SELECT min(d.finished_at) FROM deployments d WHERE {f.sql}"
    found: dt.datetime | None = conn.execute(q.statement(sql), f.params).scalar()
    return found


def deployed_before(conn: Connection, scope: Scope, rules: DoraRules, moment: dt.datetime) -> bool:
    """Whether anything in the scope's filters was deployed before ``moment``:
    if not, a period ending by then has no real figure to compare with."""
    first = first_deployed(conn, scope, rules)
    return first is not None and first < moment
