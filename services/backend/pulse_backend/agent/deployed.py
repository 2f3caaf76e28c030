"""What was deployed ("what did we ship last week?"): the deployments
deployment frequency counts over the period (the dashboard's environments
and rules, and its repository and author filters), how many, the latest
``LISTED`` newest first, and where the dashboard lists them all. The
drill-down of the figure is oldest first, a page at most: a month of a busy
tenant's deployments is more than a page, so the latest are read newest
first on their own."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection

from pulse_backend.agent import links
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.narrowing import NarrowedPeriod, narrowed
from pulse_backend.agent.toolkit import ToolContext
from pulse_backend.analytics.wording import figure_words, fmt_count, fmt_value
from pulse_backend.analytics_service import benchmarks
from pulse_common.analytics import dora
from pulse_common.analytics import queries as q
from pulse_common.analytics.common import deployments_cte
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules, load_rules

# Deployments listed, at most: a short list, the rest on the dashboard.
LISTED = 20
# The dashboard's periods (web app ``analytics/filters.PERIODS``): the last
# days up to today; another period is chosen there.
DASHBOARD_DAYS = (7, 30, 90, 180, 365)
DASHBOARD = "/dora/deployment-frequency"

_LATEST = """
WITH {deployments}
SELECT d.id, d.finished_at FROM d ORDER BY d.finished_at DESC, d.id DESC LIMIT :listed
"""


def latest(conn: Connection, scope: Scope, rules: DoraRules, n: int) -> list[Any]:
    """The ``n`` latest deployments deployment frequency counts over
    ``scope``: ``id`` and ``finished_at``, newest first."""
    cte, params = deployments_cte(conn, scope, rules)
    return q.rows(conn, _LATEST.format(deployments=cte), {**params, "listed": n})


def dashboard(args: NarrowedPeriod, scope: Scope) -> str:
    """The deployment frequency page with the same filters, and the same
    days when it offers them (the last 7, 30, … days up to today)."""
    query: list[tuple[str, str | int]] = []
    today = dt.datetime.now(dt.UTC).date()
    if args.days in DASHBOARD_DAYS and args.end in (None, today):
        query.append(("days", args.days))
    query += [("repository", r) for r in scope.repository_ids]
    query += [("author", a) for a in scope.authors]
    return DASHBOARD + (f"?{urlencode(query)}" if query else "")


def deployed_tool(ctx: ToolContext, args: NarrowedPeriod) -> ToolOutput:
    with ctx.read() as conn:
        scope, words = narrowed(conn, args)
        rules = load_rules(conn)
        # The figure without its drill-down: the latest are read below.
        fig = dora.deployment_frequency(conn, scope, rules, benchmarks(ctx.clients))
        rows = latest(conn, scope, rules, LISTED)
        cites = links.cite(conn, "deployment", [r.id for r in rows])
    figure = figure_words("deployment_frequency", fig.value, fig.unit, fig.sample_size)
    return ToolOutput(
        summary=f"{fig.sample_size} deployments{words} over {args.days} days, {figure}",
        data={
            "narrowed": words,
            "value": fig.value,
            "unit": fig.unit,
            "sample_size": fig.sample_size,
            "items": [
                {"deployment_id": r.id, "finished_at": r.finished_at.isoformat()} for r in rows
            ],
            "dashboard": dashboard(args, scope),
        },
        citations=cites,
    )


def deployed_answer(out: ToolOutput, when: str) -> str:
    """How many were deployed, the latest newest first, and where the rest are."""
    d = out.data
    if not d["sample_size"]:
        return f"Nothing was deployed{d['narrowed']} {when}."
    day = {i["deployment_id"]: i["finished_at"][:10] for i in d["items"]}
    lines = [f"{n}. {c.title} (finished {day[c.id]})" for n, c in enumerate(out.citations, 1)]
    more = d["sample_size"] - len(lines)
    if more > 0:
        # A period the dashboard does not offer ("last month") is chosen there.
        over = "" if "days=" in d["dashboard"] else " over the period you choose there"
        lines.append(
            f"…and {more} more: the Deployment frequency dashboard lists them all{over} "
            f"({d['dashboard']})."
        )
    total = fmt_count(d["sample_size"], "deployment", "deployments")
    return (
        f"Deployed{d['narrowed']} {when}: {total} ({fmt_value(d['value'], d['unit'])}), "
        "newest first:\n" + "\n".join(lines)
    )
