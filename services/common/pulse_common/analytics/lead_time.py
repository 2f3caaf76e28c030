"""Lead time for changes and its coding / pickup / review / deploy split."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection

from pulse_common.analytics import queries as q
from pulse_common.analytics.common import (
    PointMetric,
    Reading,
    figure,
    page_params,
    parse_page,
    report_year,
)
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.results import Component, LeadTime, PrRef
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraLevel, DoraMetric


def pr_filter(scope: Scope) -> q.Filter:
    f = q.repository_filter(scope, "pr.repository_id")
    parts, params = ([f.sql] if f.sql else []), dict(f.params)
    if scope.authors:
        parts.append("pr.author = ANY(:authors)")
        params["authors"] = list(scope.authors)
    return q.Filter("".join(f" AND {p}" for p in parts), params)


# A PR's deployment is its first successful production deployment (any
# repository filter applies to the PR, not to which deployment shipped it).
# relink stores it (deployments_prs.is_first) under the tenant's production
# rules; {first} is FIRST_STORED then, or FIRST_RANKED for a scope that
# names another environment.
FIRST_STORED = """
    SELECT dp.pr_id, p.id AS deployment_id, p.finished_at
    FROM prod p JOIN deployments_prs dp ON dp.deployment_id = p.id AND dp.is_first
    WHERE p.finished_at >= :start AND p.finished_at < :end
"""
FIRST_RANKED = """
    SELECT DISTINCT ON (dp.pr_id) dp.pr_id, p.id AS deployment_id, p.finished_at
    FROM deployments_prs dp JOIN prod p ON p.id = dp.deployment_id
    WHERE dp.pr_id IN (
        SELECT dp.pr_id FROM deployments_prs dp JOIN prod p ON p.id = dp.deployment_id
        WHERE p.finished_at >= :start AND p.finished_at < :end)
    ORDER BY dp.pr_id, p.finished_at, p.id
"""


def span_sql(a: str, b: str) -> str:
    """Hours from epoch a to epoch b (SQL float8 expressions); null when either
    is missing or b precedes a (the step did not happen in that order: DevLake
    leaves it null). The engineering and work-item flows use it too."""
    return f"CASE WHEN {b} >= {a} THEN ({b} - {a}) / 3600::float8 END"


# Each PR's first commit and first review by someone else are stored by
# relink (pulse_common.dora.starts); a PR it has not seen yet (it has no
# deployment link either, then) falls back to the API's own fields.
# The steps in hours: plain float arithmetic on epoch seconds (date_part's
# float8, not extract's numeric: several times faster, and the same value,
# both being the exact microseconds / 1e6 correctly rounded). As DevLake's
# pr_cycle_time, the cycle is coding + opened→merged + deploy, each counted
# when not null (a merge commit without a merge time counts up to the
# deployment); on consistent data that is simply the first commit (or the
# opening, if earlier) → the deployment finishing.
# ``steps`` keeps only ids and hours (narrow rows: the medians sort them in
# memory); the drill-down page reads the PRs' titles and times for its own
# rows only, by primary key. Carrying every PR's title through the
# materialized rows spilled them to disk and took half the statement's time.
FIRST_COMMIT = "coalesce(pr.derived_first_commit_at, pr.first_commit_at, pr.created)"
FIRST_REVIEW = (
    "CASE WHEN pr.derived_first_commit_at IS NULL THEN pr.first_review_at"
    " ELSE pr.derived_first_review_at END"
)
LEAD_TIME = f"""
WITH prod AS (
    SELECT d.id, d.finished_at FROM deployments d WHERE {{deployments}}
), first AS ({{first}}), epochs AS (
    SELECT pr.id, f.deployment_id, f.finished_at,
           date_part('epoch', {FIRST_COMMIT}) AS e_first,
           date_part('epoch', pr.created) AS e_opened,
           date_part('epoch', {FIRST_REVIEW}) AS e_review,
           date_part('epoch', pr.merged_at) AS e_merged,
           date_part('epoch', f.finished_at) AS e_deployed
    FROM first f JOIN prs pr ON pr.id = f.pr_id
    WHERE f.finished_at >= :start AND f.finished_at < :end {{pr_filter}}
), spans AS (
    SELECT e.id, e.deployment_id, e.finished_at,
           {span_sql("e_first", "e_opened")} AS coding,
           {span_sql("e_opened", "e_review")} AS pickup,
           {span_sql("e_review", "e_merged")} AS review,
           {span_sql("e_merged", "e_deployed")} AS deploy,
           coalesce({span_sql("e_opened", "coalesce(e_merged, e_deployed)")}, 0) AS middle
    FROM epochs e
), steps AS MATERIALIZED (
    SELECT s.id, s.deployment_id, s.finished_at, s.coding, s.pickup, s.review, s.deploy,
           coalesce(s.coding, 0) + s.middle + coalesce(s.deploy, 0) AS cycle
    FROM spans s
)
SELECT count(*) AS total,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY cycle) AS cycle,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY coding) AS coding, count(coding) AS n_coding,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY pickup) AS pickup, count(pickup) AS n_pickup,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY review) AS review, count(review) AS n_review,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY deploy) AS deploy, count(deploy) AS n_deploy,
       {
    q.json_array(
        "SELECT s.id, pr.repository_id, pr.number, pr.title, pr.author, s.deployment_id,"
        f" least({FIRST_COMMIT}, pr.created) AS first_commit_at,"
        f" pr.created AS opened_at, {FIRST_REVIEW} AS first_review_at, pr.merged_at,"
        " s.finished_at AS deployed_at, s.cycle AS cycle_hours,"
        " s.coding AS coding_hours, s.pickup AS pickup_hours,"
        " s.review AS review_hours, s.deploy AS deploy_hours"
        f" FROM ({q.limited('steps', 'finished_at, id')}) s JOIN prs pr ON pr.id = s.id",
        "p.deployed_at, p.id",
    )
} AS page
FROM steps
"""
PR_PAGE: TypeAdapter[tuple[PrRef, ...]] = TypeAdapter(tuple[PrRef, ...])


def lead_time_statement(
    conn: Connection, scope: Scope, rules: DoraRules
) -> tuple[str, dict[str, Any]]:
    """The statement and its parameters (the benchmark runs them bare)."""
    f = q.deployment_filter(conn, scope, rules, with_scope=False)
    pf = pr_filter(scope)
    # The stored first deployment follows the tenant's production rules; a
    # scope naming one environment ranks that environment's deployments.
    first = FIRST_STORED if scope.environment is None else FIRST_RANKED
    sql = q.render(LEAD_TIME, deployments=f.sql, first=first, pr_filter=pf.sql)
    params = {**f.params, **pf.params, "start": scope.start, "end": scope.end}
    return sql, {**params, **page_params(scope)}


def _component(median: float | None, n: int) -> Component:
    return Component(median_hours=median, sample_size=n)


def _level(row: Any, scope: Scope, rules: DoraRules, bench: Benchmarks) -> DoraLevel | None:
    return bench.classify(report_year(scope, rules), DoraMetric.lead_time_for_changes, row.cycle)


def _reading(
    row: Any, scope: Scope, rules: DoraRules, bench: Benchmarks, _: Callable[[], bool]
) -> Reading:
    return Reading(row.cycle, _level(row, scope, rules, bench), row.total, "hours")


def lead_time(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> LeadTime:
    row = q.one(conn, *lead_time_statement(conn, scope, rules))
    year = report_year(scope, rules)
    return LeadTime(
        **figure(
            DoraMetric.lead_time_for_changes.value,
            row.cycle,
            "hours",
            _level(row, scope, rules, bench),
            year,
            row.total,
            parse_page(PR_PAGE, row.page),
        ),
        coding=_component(row.coding, row.n_coding),
        pickup=_component(row.pickup, row.n_pickup),
        review=_component(row.review, row.n_review),
        deploy=_component(row.deploy, row.n_deploy),
    )


POINT = PointMetric(lead_time_statement, _reading)
