"""A tenant schema's catalog as plain data, with its own schema and role
names replaced by placeholders, so that two tenants' schemas compare equal
exactly when they hold the same objects, definitions, privileges and owners."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from pulse_common.tenancy import TenantNames, quote_ident

_NS = "(SELECT oid FROM pg_namespace WHERE nspname = :s)"

QUERIES: dict[str, str] = {
    "schema": "SELECT pg_get_userbyid(nspowner), nspacl::text FROM pg_namespace WHERE nspname = :s",
    "relations": "SELECT relname, relkind, relpersistence, pg_get_userbyid(relowner), "
    "relacl::text, reloptions::text, relrowsecurity, obj_description(oid, 'pg_class') "
    f"FROM pg_class WHERE relnamespace = {_NS}",
    "columns": "SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), "
    "a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, "
    "a.attcollation, a.attacl::text, col_description(c.oid, a.attnum) "
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
    "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    f"WHERE c.relnamespace = {_NS} AND a.attnum > 0 AND NOT a.attisdropped",
    "constraints": "SELECT conrelid::regclass::text, conname, contype, condeferrable, "
    "condeferred, convalidated, pg_get_constraintdef(oid) FROM pg_constraint "
    f"WHERE connamespace = {_NS}",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s",
    "triggers": "SELECT t.tgname, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t "
    f"JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = {_NS} AND NOT t.tgisinternal",
    "functions": "SELECT proname, pg_get_function_identity_arguments(oid), "
    "pg_get_functiondef(oid), proconfig::text, pg_get_userbyid(proowner), proacl::text "
    f"FROM pg_proc WHERE pronamespace = {_NS}",
    "types": "SELECT t.typname, t.typtype, pg_get_userbyid(t.typowner), t.typacl::text, "
    "(SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum "
    f"WHERE enumtypid = t.oid) FROM pg_type t WHERE t.typnamespace = {_NS}",
    "sequences": "SELECT sequencename, data_type::text, start_value, min_value, max_value, "
    "increment_by, cycle, cache_size, sequenceowner FROM pg_sequences WHERE schemaname = :s",
    "sequence_owners": "SELECT s.relname, t.relname, a.attname FROM pg_depend d "
    "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
    "JOIN pg_class t ON t.oid = d.refobjid "
    "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
    f"WHERE s.relnamespace = {_NS} AND d.deptype IN ('a', 'i')",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = :s",
    "policies": "SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check "
    "FROM pg_policies WHERE schemaname = :s",
    "default_privileges": "SELECT pg_get_userbyid(defaclrole), defaclobjtype, defaclacl::text "
    f"FROM pg_default_acl WHERE defaclnamespace = {_NS}",
}


def _normalize(value: Any, names: TenantNames) -> Any:
    if not isinstance(value, str):
        return value
    # The owner role's name contains the login role's (= the schema's): first.
    for name, placeholder in (
        (names.owner_role, "{owner}"),
        (names.schema, "{schema}"),
        (names.login_role, "{login}"),
    ):
        value = value.replace(name, placeholder)
    return value


def snapshot(conn: Connection, slug: str) -> dict[str, list[tuple[Any, ...]]]:
    names = TenantNames(slug)
    found: dict[str, list[tuple[Any, ...]]] = {}
    for kind, query in QUERIES.items():
        rows = conn.execute(text(query), {"s": names.schema}).all()
        found[kind] = sorted((tuple(_normalize(v, names) for v in row) for row in rows), key=repr)
    schema = quote_ident(names.schema)
    tables = [r[0] for r in found["relations"] if r[1] in ("r", "p")]
    found["rows"] = sorted(
        (t, conn.execute(text(f"SELECT count(*) FROM {schema}.{quote_ident(t)}")).scalar())
        for t in tables
    )
    version = f"{schema}.alembic_version"
    found["alembic_version"] = [tuple(r) for r in conn.execute(text(f"TABLE {version}")).all()]
    return found
