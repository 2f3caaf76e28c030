"""ensure_tenant is idempotent and crash-safe; revoke, adopt and drop."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from pulse_common.db import connect
from pulse_common.errors import NotFound
from pulse_common.models import TenantBase
from pulse_common.models.control import TenantState
from pulse_common.provisioning import (
    TenantRequest,
    drop_tenant,
    ensure_tenant,
    revoke_tenant,
    set_suspended,
)
from pulse_common.provisioning.ensure import STEPS
from pulse_common.tenancy import TenantNames
from tests.db.conftest import PulseDb, TenantFactory, unique_slug


class Crash(Exception):
    pass


def snapshot(db: PulseDb, slug: str) -> dict[str, Any]:
    """Everything ensure_tenant decides, with the slug-specific names neutralised."""
    n = TenantNames(slug)
    with connect(db.engine) as conn:
        q = lambda sql, **kw: [tuple(r) for r in conn.execute(text(sql), kw)]  # noqa: E731
        state = {
            "registry": q(
                "SELECT tier, state, schema_revision, revoked_at IS NULL "
                "FROM pulse.tenants WHERE slug = :s",
                s=slug,
            ),
            "roles": q(
                "SELECT rolname = :login, rolcanlogin, rolsuper, rolcreaterole, "
                "rolinherit FROM pg_roles WHERE rolname IN (:login, :owner) ORDER BY 1",
                login=n.login_role,
                owner=n.owner_role,
            ),
            "schema_owner": q(
                "SELECT nspowner::regrole::text = :o FROM pg_namespace WHERE nspname = :s",
                o=n.owner_role,
                s=n.schema,
            ),
            "grants": q(
                "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) "
                "FROM information_schema.role_table_grants WHERE grantee = :r "
                "AND table_schema = :s GROUP BY 1 ORDER BY 1",
                r=n.login_role,
                s=n.schema,
            ),
            "backend_member": q(
                "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r "
                "ON r.oid = m.roleid WHERE r.rolname = :r",
                r=n.login_role,
            ),
        }
        counts = {}
        for table in sorted(TenantBase.metadata.tables):
            counts[table] = conn.execute(
                text(f'SELECT count(*) FROM "{n.schema}"."{table}"')
            ).scalar()
        state["counts"] = counts
        state["users"] = q(f'SELECT email, role, must_change_password FROM "{n.schema}".users')
    state["users"] = [(e.replace(slug, "SLUG"), *rest) for e, *rest in state["users"]]
    return state


def can_login(db: PulseDb, slug: str) -> bool:
    n = TenantNames(slug)
    try:
        with psycopg.connect(db.dsn_as(n.login_role, f"pw-{slug}"), connect_timeout=5) as c:
            return c.execute("SELECT count(*) FROM users").fetchone() is not None
    except psycopg.OperationalError:
        return False


def test_ensure_twice_is_idempotent(pulse_db: PulseDb, make_tenant: TenantFactory) -> None:
    req, first = make_tenant("idem")
    assert first.state is TenantState.active
    assert first.admin_password is not None
    before = snapshot(pulse_db, req.slug)
    second = ensure_tenant(pulse_db.engine, req)
    assert second.tenant_id == first.tenant_id
    assert second.login_role == first.login_role
    assert second.admin_password is None  # the admin already exists: no new password
    assert snapshot(pulse_db, req.slug) == before
    assert can_login(pulse_db, req.slug)


@pytest.fixture(scope="module")
def reference(
    pulse_db: PulseDb, make_module_tenant: TenantFactory
) -> tuple[TenantRequest, dict[str, Any]]:
    """One undisturbed tenant and its snapshot, which every crash case must
    converge to (only read, so provisioned once for the module)."""
    req, _ = make_module_tenant("ref")
    return req, snapshot(pulse_db, req.slug)


@pytest.mark.parametrize("crash_after", STEPS[:-1])
def test_crash_after_each_step_then_rerun_converges(
    pulse_db: PulseDb, reference: tuple[TenantRequest, dict[str, Any]], crash_after: str
) -> None:
    reference_req, expected = reference

    slug = unique_slug("crash")
    req = reference_req.model_copy(
        update={
            "slug": slug,
            "admin_email": f"admin@{slug}.example",
            "login_password": SecretStr(f"pw-{slug}"),
        }
    )

    def crash(step: str) -> None:
        if step == crash_after:
            raise Crash(step)

    try:
        with pytest.raises(Crash):
            ensure_tenant(pulse_db.engine, req, after_step=crash)
        result = ensure_tenant(pulse_db.engine, req)
        assert result.state is TenantState.active
        assert snapshot(pulse_db, slug) == expected
        assert can_login(pulse_db, slug)
    finally:
        drop_tenant(pulse_db.engine, slug)


def test_revoke_keeps_data_and_recreate_adopts_it(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    req, first = make_tenant("keep", seed_profile="demo")
    before = snapshot(pulse_db, req.slug)["counts"]
    revoke_tenant(pulse_db.engine, req.slug)
    assert not can_login(pulse_db, req.slug)
    after = snapshot(pulse_db, req.slug)
    assert after["registry"][0][1] == "revoked"
    assert after["counts"] == before

    again = ensure_tenant(pulse_db.engine, req)
    assert again.adopted is True
    assert again.tenant_id == first.tenant_id
    assert again.state is TenantState.active
    assert snapshot(pulse_db, req.slug)["counts"] == before
    assert can_login(pulse_db, req.slug)


def test_drop_removes_everything_and_is_idempotent(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    req, _ = make_tenant("drop")
    n = TenantNames(req.slug)
    assert drop_tenant(pulse_db.engine, req.slug) is True
    with connect(pulse_db.engine) as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": n.schema}
            ).scalar()
            == 0
        )
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_roles WHERE rolname IN (:a, :b)"),
                {"a": n.login_role, "b": n.owner_role},
            ).scalar()
            == 0
        )
        assert (
            conn.execute(
                text("SELECT count(*) FROM pulse.tenants WHERE slug = :s"), {"s": req.slug}
            ).scalar()
            == 0
        )
    assert drop_tenant(pulse_db.engine, req.slug) is False


def test_suspend_and_resume(pulse_db: PulseDb, make_tenant: TenantFactory) -> None:
    req, _ = make_tenant("susp")
    assert set_suspended(pulse_db.engine, req.slug, True) is TenantState.suspended
    # Re-running provisioning must not silently resume a suspended tenant.
    assert ensure_tenant(pulse_db.engine, req).state is TenantState.suspended
    assert set_suspended(pulse_db.engine, req.slug, False) is TenantState.active


def test_unknown_tenant_is_not_found(pulse_db: PulseDb) -> None:
    with pytest.raises(NotFound, match="unknown tenant 'no-such-tenant'"):
        revoke_tenant(pulse_db.engine, "no-such-tenant")


def test_concurrent_provisioning_in_threads(pulse_db: PulseDb) -> None:
    """The operator provisions tenants in parallel threads: catalog grants and
    Alembic's global state must not make them collide or mix schemas."""
    from concurrent.futures import ThreadPoolExecutor

    slugs = [unique_slug("par") for _ in range(8)]
    reqs = [TenantRequest(slug=s, display_name=s, admin_email=f"a@{s}.example") for s in slugs]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda r: ensure_tenant(pulse_db.engine, r), reqs))
        assert len({r.tenant_id for r in results}) == 8
        for slug in slugs:
            counts = snapshot(pulse_db, slug)["counts"]
            assert set(counts) == set(TenantBase.metadata.tables)
            assert counts["statuses"] == 7
    finally:
        for slug in slugs:
            drop_tenant(pulse_db.engine, slug)
