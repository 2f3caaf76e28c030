"""The read-only SQL tool's first gate: a tokenizer that accepts one SELECT
over vetted tables and refuses everything else with a reason.

This is a refusal list in front of stronger guards, not the only guard: the
query then runs as the tenant's login role (no rights outside its schema),
in a READ ONLY transaction with a statement_timeout, and ``sql_tool`` checks
with ``EXPLAIN`` which relations PostgreSQL actually resolved. The tokenizer
is deliberately strict (no comments, no dollar quotes, no escape strings):
the agent writes simple analytics queries and anything unusual is refused
rather than interpreted.
"""

from __future__ import annotations

import re

from pulse_common.errors import InvalidInput

MAX_SQL_CHARS = 4000

# The tenant's facts, never its users, sessions, settings or integrations
# (credentials) and never the control schema.
ALLOWED_TABLES = frozenset(
    {
        "repositories",
        "prs",
        "prs_reviews",
        "prs_commits",
        "commits",
        "deployments",
        "deployments_prs",
        "deployments_commits",
        "incidents",
        "incidents_deployments",
        "work_items",
        "work_items_prs",
        "projects",
        "projects_repositories",
        "statuses",
        "wits",
        "dora_metric_insights",
    }
)

# Pure functions only: nothing that reads files, sleeps, locks, reaches
# settings or other servers (pg_read_file, pg_sleep, dblink, set_config...).
ALLOWED_FUNCTIONS = frozenset(
    """count sum avg min max stddev variance percentile_cont percentile_disc mode
    bool_and bool_or every array_agg string_agg jsonb_agg json_agg
    coalesce nullif greatest least abs round ceil ceiling floor trunc sqrt power ln exp
    lower upper length trim btrim ltrim rtrim substring substr position replace
    split_part left right concat concat_ws initcap
    date_trunc date_part extract age now to_char make_interval justify_interval
    generate_series row_number rank dense_rank lag lead first_value last_value ntile
    cast""".split()  # noqa: SIM905 (a word list reads better as text)
)

# Keywords that may precede "(" without being functions.
_NOT_FUNCTIONS = frozenset(
    """in exists any all some values over filter as and or not on using from join where
    select with when then else case interval between is like ilike within group by
    partition order array row""".split()  # noqa: SIM905
)

# The OID alias types name what an OID stands for without any privilege on
# it: a cast over a series of numbers would list every tenant's schemas,
# tables and roles (the platform's customers), past the EXPLAIN check.
_OID_TYPES = frozenset(
    """regclass regcollation regconfig regdictionary regnamespace regoper regoperator
    regproc regprocedure regrole regtype""".split()  # noqa: SIM905
)

_REFUSED_KEYWORDS = {
    "insert": "writes",
    "update": "writes",
    "delete": "writes",
    "merge": "writes",
    "upsert": "writes",
    "truncate": "writes",
    "copy": "writes",
    "into": "SELECT INTO creates a table",
    "create": "DDL",
    "alter": "DDL",
    "drop": "DDL",
    "comment": "DDL",
    "grant": "privileges",
    "revoke": "privileges",
    "set": "session settings",
    "reset": "session settings",
    "lock": "locks",
    "call": "procedures",
    "do": "procedures",
    "execute": "procedures",
    "prepare": "procedures",
    "vacuum": "maintenance",
    "analyze": "maintenance",
    "listen": "notifications",
    "notify": "notifications",
    "nowait": "locks",
    "share": "locks",
    "tablesample": "sampling",
}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>--|/\*)
  | (?P<dollar>\$)
  | (?P<estring>[eEuUbBxX]&?')
  | (?P<string>'(?:[^']|'')*')
  | (?P<qident>"(?:[^"]|"")+")
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>::|<=|>=|<>|!=|\|\||[(),.;*=<>+\-/%])
    """,
    re.VERBOSE,
)


class SqlRefused(InvalidInput):
    """The SQL tool's query is not one SELECT over the vetted tables."""

    code = "sql_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"sql: {reason}")
        self.reason = reason


def _tokens(sql: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if m is None:
            raise SqlRefused(f"unexpected character {sql[pos]!r} at position {pos}")
        kind = m.lastgroup or ""
        value = m.group()
        if kind == "comment":
            raise SqlRefused("comments are not allowed")
        if kind in ("dollar", "estring"):
            raise SqlRefused("only plain 'quoted' strings are allowed")
        if kind == "qident":
            kind, value = "ident", value[1:-1].replace('""', '"')
        elif kind == "ident":
            value = value.lower()
        if kind != "space":
            out.append((kind, value))
        pos = m.end()
    return out


def _check_names(tokens: list[tuple[str, str]], allowed_tables: frozenset[str]) -> None:
    for i, (kind, value) in enumerate(tokens):
        if kind != "ident":
            continue
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        prev = tokens[i - 1][1] if i > 0 else ""
        if value in _REFUSED_KEYWORDS and prev != ".":
            raise SqlRefused(f"{value.upper()} is not allowed ({_REFUSED_KEYWORDS[value]})")
        if value in _OID_TYPES:
            raise SqlRefused(f"{value}: object names by OID are not allowed")
        if value.startswith("pg_") or value in ("information_schema", "pulse", "public"):
            raise SqlRefused(f"{value!r}: system catalogs and other schemas are not allowed")
        if nxt == "(" and prev == ".":
            raise SqlRefused(f"schema-qualified function {value}() is not allowed")
        if nxt == "(" and value not in _NOT_FUNCTIONS | ALLOWED_FUNCTIONS:
            raise SqlRefused(f"function {value}() is not allowed")
        if nxt == "." and prev != ".":
            # Qualified names: a column of a table or alias ("prs.title").
            # A schema-qualified table ("other.prs") must name an allowed
            # table, which EXPLAIN then confirms lives in the tenant's schema.
            after = tokens[i + 3][1] if i + 3 < len(tokens) else ""
            if after == ".":
                raise SqlRefused("three-part names (database.schema.table) are not allowed")
            if prev in ("from", "join", ",") and value not in allowed_tables:
                raise SqlRefused(f"{value!r}: other schemas are not allowed")
    in_call = _inside_call(tokens)
    for i, (kind, value) in enumerate(tokens):
        if in_call[i]:
            continue  # extract(epoch FROM x), substring(x FROM 2): not a table
        if kind == "ident" and i > 0 and tokens[i - 1][1] in ("from", "join"):
            nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
            if nxt == ".":
                raise SqlRefused(f"{value}.{tokens[i + 2][1]}: other schemas are not allowed")
            if nxt != "(" and value not in allowed_tables and not _is_cte(tokens, value):
                raise SqlRefused(
                    f"table {value!r} is not allowed (allowed: {', '.join(sorted(allowed_tables))})"
                )


def _inside_call(tokens: list[tuple[str, str]]) -> list[bool]:
    """Whether each token's innermost parenthesis is a function call's."""
    stack: list[bool] = []
    out: list[bool] = []
    for i, (_, value) in enumerate(tokens):
        out.append(bool(stack) and stack[-1])
        if value == "(":
            prev = tokens[i - 1] if i > 0 else ("", "")
            stack.append(prev[0] == "ident" and prev[1] in ALLOWED_FUNCTIONS)
        elif value == ")" and stack:
            stack.pop()
    return out


def _is_cte(tokens: list[tuple[str, str]], name: str) -> bool:
    # "WITH name AS (" or ", name AS (" defines a common table expression.
    for i in range(1, len(tokens) - 2):
        if (
            tokens[i] == ("ident", name)
            and tokens[i - 1][1] in ("with", ",", "recursive")
            and tokens[i + 1][1] == "as"
            and tokens[i + 2][1] == "("
        ):
            return True
    return False


def vet_sql(sql: str, allowed_tables: frozenset[str] = ALLOWED_TABLES) -> str:
    """The query without its trailing semicolon, or ``SqlRefused`` saying why."""
    if not sql.strip():
        raise SqlRefused("the query is empty")
    if len(sql) > MAX_SQL_CHARS:
        raise SqlRefused(f"the query is longer than {MAX_SQL_CHARS} characters")
    if "\x00" in sql:
        raise SqlRefused("the query contains a NUL character")
    tokens = _tokens(sql)
    body = sql.strip()
    if tokens and tokens[-1] == ("punct", ";"):
        tokens = tokens[:-1]
        body = body[:-1].rstrip()
    if ("punct", ";") in tokens:
        raise SqlRefused("only one statement is allowed")
    if not tokens or tokens[0][1] not in ("select", "with"):
        raise SqlRefused("only SELECT queries are allowed")
    _check_names(tokens, allowed_tables)
    return body
