"""``pulse-db``: the operators' database tool.

    pulse-db control migrate
    pulse-db tenants list
    pulse-db tenant provision SLUG --display-name NAME --admin-email EMAIL [--profile demo]
    pulse-db tenant migrate SLUG | --all
    pulse-db tenant revoke SLUG
    pulse-db tenant drop SLUG --yes

The admin DSN comes from ``--dsn`` or ``$PULSE_DATABASE_ADMIN_URL``.
Exit codes: 0 ok, 1 failure, 2 bad input, 3 database unreachable.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError
from sqlalchemy import Engine

from pulse_common.db import make_engine
from pulse_common.errors import BackendUnavailable, InvalidInput, MigrationFailed, NotFound
from pulse_common.logging import configure_logging
from pulse_common.provisioning import (
    Branding,
    MigrationProgress,
    SeedProfile,
    TenantRequest,
    drop_tenant,
    ensure_platform,
    ensure_tenant,
    list_tenants,
    migrate_all_tenants,
    migrate_tenant,
    revoke_tenant,
)
from pulse_common.tenancy import validate_slug
from pulse_common.wording import count_of


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pulse-db", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--dsn", help="admin DSN (default: $PULSE_DATABASE_ADMIN_URL)")
    p.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = p.add_subparsers(dest="area", required=True)

    control = sub.add_parser("control", help="the shared control schema")
    control.add_subparsers(dest="action", required=True).add_parser(
        "migrate", help="migrate the control schema to head and set up the backend role"
    )

    tenants = sub.add_parser("tenants", help="all tenants")
    tenants.add_subparsers(dest="action", required=True).add_parser(
        "list", help="list tenants with state and schema revision"
    )

    tenant = sub.add_parser("tenant", help="one tenant")
    ts = tenant.add_subparsers(dest="action", required=True)
    prov = ts.add_parser("provision", help="create or complete a tenant (idempotent)")
    prov.add_argument("slug")
    prov.add_argument("--display-name", required=True)
    prov.add_argument("--admin-email", required=True)
    prov.add_argument("--tier", default="standard", choices=["trial", "standard", "enterprise"])
    prov.add_argument("--profile", default="minimal", choices=[s.value for s in SeedProfile])
    prov.add_argument("--primary-color", default="#1F6FEB")
    prov.add_argument("--secondary-color", default="#0B1F3A")
    mig = ts.add_parser("migrate", help="migrate one tenant, or all with --all")
    mig.add_argument("slug", nargs="?")
    mig.add_argument("--all", action="store_true")
    ts.add_parser("revoke", help="turn off the tenant's login, keep its data").add_argument("slug")
    drop = ts.add_parser("drop", help="delete the tenant's schema, roles and registry row")
    drop.add_argument("slug")
    drop.add_argument("--yes", action="store_true", help="confirm: this deletes data")
    return p


def _provision(engine: Engine, a: argparse.Namespace) -> int:
    result = ensure_tenant(
        engine,
        TenantRequest(
            slug=a.slug,
            display_name=a.display_name,
            admin_email=a.admin_email,
            tier=a.tier,
            seed_profile=SeedProfile(a.profile),
            branding=Branding(primary_color=a.primary_color, secondary_color=a.secondary_color),
        ),
    )
    print(
        f"tenant {result.slug}: id {result.tenant_id}, schema {result.schema_name}, "
        f"revision {result.schema_revision}, state {result.state.value}"
        + (" (adopted retained data)" if result.adopted else "")
    )
    # Shown once, here only: they are not stored anywhere in clear.
    if result.login_password:
        print(
            f"login role {result.login_role} password: {result.login_password.get_secret_value()}"
        )
    if result.admin_password:
        print(
            f"admin {result.admin_email} initial password: "
            f"{result.admin_password.get_secret_value()}"
        )
    return 0


def _migrate(engine: Engine, a: argparse.Namespace) -> int:
    if a.all == bool(a.slug):
        raise InvalidInput("give a tenant slug or --all (not both)")
    if a.slug:
        print(f"{a.slug}: {migrate_tenant(engine, validate_slug(a.slug))}")
        return 0

    def progress(p: MigrationProgress) -> None:
        print(f"[{p.index}/{p.total}] {p.slug}: {p.from_revision} -> {p.to_revision}", flush=True)

    done = migrate_all_tenants(engine, progress=progress)
    print(f"{count_of(len(done), 'tenant')} at head")
    return 0


def _list(engine: Engine, a: argparse.Namespace) -> int:
    rows = list_tenants(engine)
    print(f"{'ID':>4}  {'SLUG':<30} {'STATE':<12} {'TIER':<10} REVISION")
    for r in rows:
        print(
            f"{r['id']:>4}  {r['slug']!s:<30} {r['state']!s:<12} {r['tier']!s:<10} "
            f"{r['schema_revision'] or '-'}"
        )
    return 0


def _drop(engine: Engine, a: argparse.Namespace) -> int:
    validate_slug(a.slug)
    if not a.yes:
        raise InvalidInput(f"dropping {a.slug!r} deletes its data: add --yes to confirm")
    print(f"{a.slug}: {'dropped' if drop_tenant(engine, a.slug) else 'nothing to drop'}")
    return 0


def _revoke(engine: Engine, a: argparse.Namespace) -> int:
    revoke_tenant(engine, validate_slug(a.slug))
    print(f"{a.slug}: revoked (data kept)")
    return 0


def _control(engine: Engine, a: argparse.Namespace) -> int:
    print(f"control schema at {ensure_platform(engine)}")
    return 0


COMMANDS: dict[tuple[str, str], Callable[[Engine, argparse.Namespace], int]] = {
    ("control", "migrate"): _control,
    ("tenants", "list"): _list,
    ("tenant", "provision"): _provision,
    ("tenant", "migrate"): _migrate,
    ("tenant", "revoke"): _revoke,
    ("tenant", "drop"): _drop,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(json=False, level="DEBUG" if args.verbose else "WARNING")

    def fail(code: int, message: str) -> int:
        print(f"pulse-db: error: {message}", file=sys.stderr)
        return code

    dsn = args.dsn or os.environ.get("PULSE_DATABASE_ADMIN_URL")
    if not dsn:
        return fail(2, "no database: pass --dsn or set PULSE_DATABASE_ADMIN_URL")
    try:
        engine = make_engine(dsn, pool_size=1, application_name="pulse-db")
        try:
            return COMMANDS[(args.area, args.action)](engine, args)
        finally:
            engine.dispose()
    except (InvalidInput, NotFound) as exc:
        return fail(2, str(exc))
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return fail(2, errors)
    except BackendUnavailable as exc:
        return fail(3, f"cannot reach the database ({exc})")
    except MigrationFailed as exc:
        return fail(1, str(exc))


if __name__ == "__main__":
    sys.exit(main())
