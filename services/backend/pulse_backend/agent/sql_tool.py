"""Runs a vetted SELECT as the tenant on the replica: READ ONLY transaction,
the tenant's login role and schema (``read_transaction``), a statement
timeout, a row cap, a cap on the result's size (counted by PostgreSQL),
and an EXPLAIN check that every relation PostgreSQL resolved is an allowed
table of the tenant's own schema. A query the replica cancels for a
conflict with recovery is run once more on the primary
(``replica_conflicts``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy.exc
from psycopg import errors as pg_errors
from pydantic import BaseModel

from pulse_backend.agent.sqlguard import ALLOWED_TABLES, SqlRefused, vet_sql
from pulse_backend.context import Principal
from pulse_backend.replica_conflicts import read_on_primary_once
from pulse_backend.state import AppClients
from pulse_backend.tx import read_transaction

DEFAULT_TIMEOUT_MS = 3000
# ``pulse_replica_conflicts_total``'s outcome for a query answered on the
# primary after the replica cancelled it.
RETRIED = "sql_tool_retried_on_primary"
MAX_ROWS = 200
# The rows' text, measured by PostgreSQL: one aggregate builds a value of
# hundreds of megabytes within the timeout, which the shared backend would
# otherwise receive and hold (the model sees its first 12,000 characters).
MAX_RESULT_BYTES = 256 * 1024
# One answer whether a name is missing or another tenant's: PostgreSQL says
# "permission denied" for a schema that exists and "does not exist" for one
# that does not, which would tell a guessed company from a customer.
_UNREACHABLE = (
    pg_errors.InsufficientPrivilege,
    pg_errors.UndefinedTable,
    pg_errors.InvalidSchemaName,
)


class SqlTimedOut(SqlRefused):
    code = "sql_timeout"


class SqlResult(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


def _relations(node: Any) -> Iterator[tuple[str | None, str]]:
    if isinstance(node, dict):
        if "Relation Name" in node:
            yield node.get("Schema"), str(node["Relation Name"])
        for value in node.values():
            yield from _relations(value)
    elif isinstance(node, list):
        for item in node:
            yield from _relations(item)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _capped(body: str, max_rows: int) -> str:
    """The query's first rows whose text adds up to ``MAX_RESULT_BYTES``,
    in order, each with two more columns: the running size (NULL on the
    one row left when nothing fits) and whether rows were left out for size."""
    return (
        "WITH agent_s AS MATERIALIZED (SELECT agent_q.*, sum(octet_length(agent_q::text))"
        f" OVER (ROWS UNBOUNDED PRECEDING) AS agent_s_bytes_ FROM ({body}) AS agent_q"
        f" LIMIT {max_rows + 1})"
        " SELECT agent_r.*, f.agent_s_cut_ FROM"
        f" (SELECT bool_or(agent_s_bytes_ > {MAX_RESULT_BYTES}) AS agent_s_cut_ FROM agent_s) f"
        f" LEFT JOIN agent_s AS agent_r ON agent_r.agent_s_bytes_ <= {MAX_RESULT_BYTES}"
        " ORDER BY agent_r.agent_s_bytes_"
    )


def run_sql(
    clients: AppClients,
    principal: Principal,
    sql: str,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    max_rows: int = MAX_ROWS,
) -> SqlResult:
    body = vet_sql(sql)
    # The tool's queries may run for seconds, long enough for the replica to
    # cancel them to replay a conflicting change: the query did nothing
    # wrong, and the primary has no such conflict.
    return read_on_primary_once(
        clients.metrics,
        RETRIED,
        lambda: _run(clients, principal, body, timeout_ms=timeout_ms, max_rows=max_rows),
    )


def _run(
    clients: AppClients, principal: Principal, body: str, *, timeout_ms: int, max_rows: int
) -> SqlResult:
    schema = principal.names.schema
    try:
        with read_transaction(
            clients.replica, principal.names, principal.session_id, principal.pending_lsn
        ) as conn:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            plan = conn.exec_driver_sql(f"EXPLAIN (VERBOSE, FORMAT JSON) {body}").scalar_one()
            for rel_schema, name in _relations(plan):
                if rel_schema != schema:
                    raise SqlRefused(f"table {rel_schema}.{name}: other schemas are not allowed")
                if name not in ALLOWED_TABLES:
                    raise SqlRefused(f"table {name!r} is not allowed")
            result = conn.exec_driver_sql(_capped(body, max_rows))
            columns = list(result.keys())[:-2]
            fetched = result.fetchall()
            rows = [[_jsonable(v) for v in row[:-2]] for row in fetched if row[-2] is not None]
            cut = bool(fetched and fetched[0][-1])
    except sqlalchemy.exc.DBAPIError as exc:
        if isinstance(exc.orig, pg_errors.QueryCanceled):
            raise SqlTimedOut(f"the query ran longer than {timeout_ms} ms") from None
        if isinstance(exc.orig, _UNREACHABLE):
            raise SqlRefused(
                "no such table, or outside the tenant's data"
                f" (allowed: {', '.join(sorted(ALLOWED_TABLES))})"
            ) from None
        if isinstance(exc.orig, pg_errors.ReadOnlySqlTransaction):
            raise SqlRefused("writes are not allowed") from None
        diag = getattr(exc.orig, "diag", None)
        message = getattr(diag, "message_primary", None) or type(exc.orig).__name__
        raise SqlRefused(f"the query failed: {message}") from None
    truncated = cut or len(rows) > max_rows
    return SqlResult(columns=columns, rows=rows[:max_rows], truncated=truncated)
