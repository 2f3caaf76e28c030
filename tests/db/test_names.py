"""Issue 8 item 1: names derived from slugs never collide, and destructive
steps drop only what the registry says belongs to the tenant."""

from __future__ import annotations

import itertools

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pulse_common.db import connect
from pulse_common.errors import Conflict
from pulse_common.provisioning import drop_tenant, ensure_tenant
from pulse_common.tenancy import SLUG_RE, TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory, unique_slug

# Slugs chosen to hit every suffix and separator the old scheme used.
ADVERSARIAL = [
    "acme",
    "acme-owner",
    "acme-login",
    "acme-o",
    "acme--owner",
    "tenant-acme",
    "acme-tenant",
    "a-b-c",
    "a--b-c",
    "a-b--c",
    "ab-c",
    "a-bc",
    "abc",
    "t-acme",
    "owner",
    "login-owner",
]

slugs = st.from_regex(SLUG_RE, fullmatch=True)


def _kinds(n: TenantNames) -> dict[str, list[str]]:
    """Every derived name, grouped by the namespace it lives in (a name may
    repeat across namespaces, e.g. a schema and a role, but never within one)."""
    return {
        "pg_role": [n.login_role, n.owner_role],
        "pg_schema": [n.schema],
        "redis_user": [n.redis_user],
        "redis_prefix": [n.key_prefix],
        "collection": [n.collection],
        "namespace": [n.namespace],
    }


def _assert_disjoint(a: TenantNames, b: TenantNames) -> None:
    ka, kb = _kinds(a), _kinds(b)
    for kind in ka:
        assert not set(ka[kind]) & set(kb[kind]), (kind, a.slug, b.slug)
    # Key prefixes are glob patterns: neither may be a prefix of the other.
    assert not a.key_prefix.startswith(b.key_prefix)
    assert not b.key_prefix.startswith(a.key_prefix)


def test_adversarial_pairs_never_share_a_name() -> None:
    names = [TenantNames(s) for s in ADVERSARIAL]
    for n in names:
        assert n.login_role != n.owner_role
        assert len(n.owner_role.encode()) <= 63 and len(n.login_role.encode()) <= 63
    for a, b in itertools.combinations(names, 2):
        _assert_disjoint(a, b)


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(slugs, slugs)
def test_generated_pairs_never_share_a_name(a: str, b: str) -> None:
    if a != b:
        _assert_disjoint(TenantNames(a), TenantNames(b))


@pytest.mark.postgres
def test_dropping_acme_owner_leaves_acme_untouched(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    base = unique_slug("own")
    acme, _ = make_tenant(slug=base)
    evil, _ = make_tenant(slug=f"{base}-owner")
    victim = TenantNames(acme.slug)
    with connect(pulse_db.engine) as conn:
        before = conn.execute(text(f"SELECT count(*) FROM {victim.schema}.users")).scalar_one()
    assert before == 1

    drop_tenant(pulse_db.engine, evil.slug)

    with connect(pulse_db.engine) as conn:
        after = conn.execute(text(f"SELECT count(*) FROM {victim.schema}.users")).scalar_one()
        owner = conn.execute(
            text("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = :s"),
            {"s": victim.schema},
        ).scalar_one()
    assert after == 1
    assert owner.strip('"') == victim.owner_role
    # acme's login still works with acme's password, and the evil one's does not.
    with psycopg.connect(pulse_db.dsn_as(victim.login_role, f"pw-{acme.slug}")) as c:
        assert c.execute("SELECT count(*) FROM users").fetchone() == (1,)


@pytest.mark.postgres
def test_drop_refuses_objects_marked_for_another_tenant(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    req, made = make_tenant("mark")
    n = TenantNames(req.slug)
    with connect(pulse_db.engine) as conn:
        conn.execute(
            text(
                f"COMMENT ON SCHEMA {quote_ident(n.schema)} IS 'pulse.tenant_id={made.tenant_id + 1000}'"
            )
        )
    with pytest.raises(Conflict, match="tenant id"):
        drop_tenant(pulse_db.engine, req.slug)
    with connect(pulse_db.engine) as conn:
        assert (
            conn.execute(text(f"SELECT count(*) FROM {quote_ident(n.schema)}.users")).scalar_one()
            == 1
        )
        # Give it back so that the fixture can drop it.
        conn.execute(
            text(f"COMMENT ON SCHEMA {quote_ident(n.schema)} IS 'pulse.tenant_id={made.tenant_id}'")
        )


@pytest.mark.postgres
def test_tenant_provisioned_with_the_old_names_is_upgraded(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    req, made = make_tenant("legacy")
    n = TenantNames(req.slug)
    legacy_owner = n.legacy_owner_role
    # Exactly what the old code left: the owner role under its old name, no marks.
    with connect(pulse_db.engine) as conn:
        conn.execute(
            text(f"ALTER ROLE {quote_ident(n.owner_role)} RENAME TO {quote_ident(legacy_owner)}")
        )
        conn.execute(text(f"COMMENT ON SCHEMA {quote_ident(n.schema)} IS NULL"))
        conn.execute(text(f"COMMENT ON ROLE {quote_ident(n.login_role)} IS NULL"))
        conn.execute(text(f"COMMENT ON ROLE {quote_ident(legacy_owner)} IS NULL"))
        conn.execute(
            text(
                f"INSERT INTO {quote_ident(n.schema)}.system_settings (tenant_id, key, value) VALUES (:t, 'kept', '\"yes\"')"
            ),
            {"t": made.tenant_id},
        )

    again = ensure_tenant(pulse_db.engine, req)

    assert again.tenant_id == made.tenant_id
    with connect(pulse_db.engine) as conn:
        roles = {
            r[0]
            for r in conn.execute(
                text("SELECT rolname FROM pg_roles WHERE rolname IN (:a, :b)"),
                {"a": legacy_owner, "b": n.owner_role},
            )
        }
        assert roles == {n.owner_role}
        kept = conn.execute(
            text(f"SELECT count(*) FROM {quote_ident(n.schema)}.system_settings WHERE key = 'kept'")
        ).scalar_one()
        assert kept == 1
        mark = conn.execute(
            text(
                "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = :s"
            ),
            {"s": n.schema},
        ).scalar_one()
        assert mark == f"pulse.tenant_id={made.tenant_id}"
    # Tables created by the old owner still get the default privileges.
    with psycopg.connect(pulse_db.dsn_as(n.login_role, f"pw-{req.slug}"), autocommit=True) as c:
        c.execute(
            "INSERT INTO system_settings (tenant_id, key, value) VALUES (%s, 'x', '1')",
            (made.tenant_id,),
        )
