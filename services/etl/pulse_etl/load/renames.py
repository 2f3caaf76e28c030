"""Rows whose natural key the source can change (``Target.rekey``: a GitHub
repository renamed or transferred keeps its id, not its ``full_name``).
Before a batch's merge, with its rows staged:

1. a row holding a staged row's new name but another source id (a
   repository renamed or deleted on GitHub whose name another one took
   since; a name swap) is moved aside to ``<name> (moved aside, row <id>)``,
   its data kept, with a notice for the admin. Merged as it was, it would
   have become the other repository, its pull requests mixed with the new
   one's by number;
2. the row found by the source id takes the new name, so the merge updates
   it instead of inserting a second one (the old name's data stays with it).

Only the integration's own rows are found by id (another GitHub host's ids
are another numbering); a name is the tenant's (``full_name`` is unique
across integrations). A row without an id holding the name is the merge's
to adopt, unless a row has the id: then it is moved aside too."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from psycopg import AsyncCursor, sql

if TYPE_CHECKING:  # bulk calls this module
    from pulse_etl.load.bulk import Target

MOVED_ASIDE = " (moved aside, row {id})"


async def apply(cur: AsyncCursor[Any], target: Target, params: dict[str, Any]) -> list[str]:
    """Moves aside the rows in the way, then renames; returns the notices."""
    await cur.execute(_move_aside_sql(target), params)
    moved = await cur.fetchall()
    await cur.execute(_rename_sql(target), params)
    # A row moved aside and then renamed (two repositories swapped names)
    # is where it belongs: nothing for the admin to do.
    renamed = {row_id for (row_id,) in await cur.fetchall()}
    return [
        f"{name} is now the name of the repository with GitHub id {new}; the row that "
        f"had it (GitHub id {old or 'unknown'}) keeps its data as {parked!r}"
        for name, new, old, parked, row_id in sorted(moved)
        if row_id not in renamed
    ]


def _names(target: Target) -> dict[str, sql.Composable]:
    assert target.rekey is not None
    assert len(target.conflict) == 1
    return {
        "table": sql.Identifier(target.table),
        "key": sql.Identifier(target.conflict[0]),
        "stage": sql.Identifier(target.stage_name),
        "rekey": sql.Identifier(target.rekey),
        "suffix": sql.Literal(MOVED_ASIDE.split("{id}")[0]),
        "end": sql.Literal(MOVED_ASIDE.split("{id}")[1]),
    }


@functools.cache
def _move_aside_sql(target: Target) -> str:
    # One staged row per name (the listing's last), as the merge takes it.
    return (
        sql.SQL(
            "WITH s AS (SELECT DISTINCT ON ({key}) {key}, {rekey} FROM {stage} "
            "WHERE _n >= %(first)s AND {rekey} IS NOT NULL ORDER BY {key}, _n DESC) "
            "UPDATE {table} h SET {key} = h.{key} || {suffix} || h.id || {end}, "
            "last_updated_at = now() FROM s "
            "WHERE h.{key} = s.{key} AND h.{rekey} IS DISTINCT FROM s.{rekey} "
            "AND (h.{rekey} IS NOT NULL OR EXISTS (SELECT 1 FROM {table} o "
            "WHERE o.{rekey} = s.{rekey} "
            "AND o.integration_id IS NOT DISTINCT FROM %(integration)s)) "
            "RETURNING s.{key}, s.{rekey}, h.{rekey}, h.{key}, h.id"
        )
        .format(**_names(target))
        .as_string(None)
    )


@functools.cache
def _rename_sql(target: Target) -> str:
    # Several rows with the id (left by a version that inserted a renamed
    # repository anew): the oldest takes the name, the others keep theirs.
    return (
        sql.SQL(
            "UPDATE {table} t SET {key} = m.{key}, last_updated_at = now() FROM ("
            "SELECT DISTINCT ON (s.{key}) r.id, s.{key} FROM {stage} s "
            "JOIN {table} r ON r.{rekey} = s.{rekey} "
            "AND r.integration_id IS NOT DISTINCT FROM %(integration)s "
            "WHERE s._n >= %(first)s AND r.{key} <> s.{key} "
            "AND NOT EXISTS (SELECT 1 FROM {table} o WHERE o.{key} = s.{key}) "
            "ORDER BY s.{key}, r.id) m WHERE t.id = m.id RETURNING t.id"
        )
        .format(**_names(target))
        .as_string(None)
    )
