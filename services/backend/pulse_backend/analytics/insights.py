"""The executive summary's rule-based insights in ``dora_metric_insights``:
stored per scope (``Scope.filters()``, ``Scope.key()``) and period, one set
per (scope_key, period_start, period_end, generated_by), and read back one
scope at a time, newest period first. A scope is stored under its zone's one
name (``check_zone``) and read, or replaced, under all of them
(``Scope.keys``): rows stored before names were canonical, under an alias
such as Asia/Calcutta, keep their key and are still the scope's."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, delete, func, insert, select, text

from pulse_backend.analytics.summary import Summarized
from pulse_backend.analytics.wording import (
    change_words,
    longest_step_words,
    open_incidents_words,
)
from pulse_common.analytics.scope import Scope
from pulse_common.models.base import table_of
from pulse_common.models.tenant_ai import DoraMetricInsight

RULES = "rules"
_T = table_of(DoraMetricInsight)


def store_insights(conn: Connection, tenant_id: int, scope: Scope, found: Summarized) -> int:
    """Replaces the rule-based insights of ``scope``'s filters and range with
    ``found``'s (needs the primary; one transaction). Two posts of the same
    scope and period at once take turns on a transaction-scoped advisory
    lock (keyed by the tenant's schema too: the lock space is the whole
    database), so the second deletes what the first wrote and neither set
    is left twice. The set stored before under another name of the zone is
    replaced too. Other scopes, periods and generators are untouched."""
    key = scope.key()
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:k || current_schema(), 0))"),
        {"k": f"dora_metric_insights:{key}:{scope.start.isoformat()}:{scope.end.isoformat()}"},
    )
    conn.execute(
        delete(_T).where(
            _T.c.scope_key.in_(sorted(scope.keys())),
            _T.c.period_start == scope.start,
            _T.c.period_end == scope.end,
            _T.c.generated_by == RULES,
        )
    )
    rows = [
        {
            "tenant_id": tenant_id,
            "metric": i.line.metric,
            "period_start": scope.start,
            "period_end": scope.end,
            "value": None if i.line.value is None else Decimal(str(round(i.line.value, 4))),
            "level": i.line.level.value if i.line.level else None,
            "insight_text": i.text,
            "generated_by": RULES,
            "scope": scope.filters(),
            "scope_key": key,
        }
        for i in found.insights
    ]
    if rows:
        conn.execute(insert(_T), rows)
    return len(rows)


# Rows posted before the insights were worded as the tiles and the assistant
# word a figure (``summary._insights``) keep their old text: "Lead time for
# changes improved: 84.74 → 60.20 hours (n=12).", "median 84.7 h over 13
# PRs", "2 incident(s) ... are still open". Each old shape, and the words the
# same figures get now: re-worded when read, so the overview shows every
# stored period as the summary and the assistant word it; the next post of a
# period replaces its rows. (No migration: the figures are in the text.)
_OLD_CHANGE = re.compile(
    r"(?P<label>[^:]+) (?P<change>improved|worsened): (?P<prev>-?\d+\.\d\d) → "
    r"(?P<now>-?\d+\.\d\d) (?P<unit>[a-z_ ]+) \(n=(?P<n>\d+)\)\."
)
_OLD_STEP = re.compile(
    r"Lead time: (?P<step>\w+) is the longest step \(median (?P<h>\d+\.\d) h "
    r"over (?P<n>\d+) PRs\)\."
)
_OLD_OPEN = re.compile(
    r"(?P<n>\d+) incident(?:\(s\)|s)? caused by deployments in this period (?:are|is) still open\."
)


def reworded(metric: str, text: str) -> str:
    """``text`` as the rule that stored it words it now (the same figures)."""
    if (m := _OLD_CHANGE.fullmatch(text)) is not None:
        unit = m["unit"].replace(" ", "_")
        prev, now, n = float(m["prev"]), float(m["now"]), int(m["n"])
        return change_words(metric, m["change"], prev, now, unit, n)
    if (m := _OLD_STEP.fullmatch(text)) is not None:
        return longest_step_words(m["step"], float(m["h"]), int(m["n"]))
    if (m := _OLD_OPEN.fullmatch(text)) is not None:
        return open_incidents_words(int(m["n"]))
    return text


class StoredInsight(BaseModel):
    """One row of ``dora_metric_insights``: ``value`` and ``level`` are the
    metric's figure for the period when the insight was generated."""

    metric: str
    period_start: dt.datetime
    period_end: dt.datetime
    value: float | None
    level: str | None
    text: str
    generated_by: str | None
    created_at: dt.datetime


class InsightsPage(BaseModel):
    """One page of a scope's stored insights, newest period first; ``total``
    counts them all."""

    total: int
    limit: int
    offset: int
    items: list[StoredInsight]


def read_insights(
    conn: Connection, scope: Scope, *, within: bool, limit: int, offset: int
) -> InsightsPage:
    """The insights stored for ``scope``'s filters (``scope_key``, under any
    name of its zone); with ``within`` only the periods inside ``scope``'s
    range."""
    where: list[ColumnElement[bool]] = [_T.c.scope_key.in_(sorted(scope.keys()))]
    if within:
        where += [_T.c.period_start >= scope.start, _T.c.period_end <= scope.end]
    total = conn.execute(select(func.count()).select_from(_T).where(*where)).scalar_one()
    rows = conn.execute(
        select(_T)
        .where(*where)
        .order_by(_T.c.period_end.desc(), _T.c.period_start.desc(), _T.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    items = [
        StoredInsight(
            metric=r.metric,
            period_start=r.period_start,
            period_end=r.period_end,
            value=None if r.value is None else float(r.value),
            level=r.level,
            text=reworded(r.metric, r.insight_text),
            generated_by=r.generated_by,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return InsightsPage(total=total, limit=limit, offset=offset, items=items)
