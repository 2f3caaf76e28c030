"""ETL throughput against the local Jira and GitHub servers (latency 0).

Prints, in one run:
- extract: fetching and validating every page (no database);
- load: the bulk upsert (COPY into staging + INSERT ... ON CONFLICT with the
  natural-key joins), one transaction per batch, rows per second, next to its
  floor: a raw COPY of the same rows into the same staging tables;
- re-load: the same batches again (the idempotent re-run: nothing changes);
- end to end: run_job for both integrations into a fresh tenant.

    PYTHONPATH=hack:services/etl:services/common .venv/bin/python benchmarks/etl.py \
        [--issues 2000] [--prs 400] [--full]

``--full`` is the issue's size: 100000 issues with changelogs, 20000 PRs
(long: run it alone on a quiet machine). Starts its own test
world (PostgreSQL only is used) and stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from psycopg import AsyncConnection

from pulse_common.db import make_engine
from pulse_common.logging import configure_logging
from pulse_common.provisioning import TenantRequest, ensure_platform, ensure_tenant
from pulse_common.tenancy import TenantNames
from pulse_etl.integrations import parse_integrations
from pulse_etl.jobs.runner import RunContext, make_client, run_job
from pulse_etl.load import bulk
from pulse_etl.load.targets import ORDER
from pulse_etl.sources.batch import Batch
from pulse_etl.sources.github import GithubConnector
from pulse_etl.sources.jira import JiraConnector
from pulse_fakes import OrgSpec, generate, serve_github, serve_jira
from pulse_fakes.app import RateLimit
from pulse_testworld import start_world


def _tenant(engine: Any, db: str, admin_dsn: str, base: str) -> tuple[str, int, TenantNames]:
    slug = f"b-{uuid.uuid4().hex[:8]}"
    prov = ensure_tenant(
        engine,
        TenantRequest(
            slug=slug, display_name="Bench", admin_email="a@b.example", login_password=f"pw-{slug}"
        ),
    )
    names = TenantNames(slug)
    return f"postgresql://{names.login_role}:pw-{slug}@{base}", prov.tenant_id, names


async def _extract(ctx: RunContext, integrations: dict[str, Any]) -> list[tuple[str, Batch]]:
    from pulse_etl.integrations import load_credentials

    out: list[tuple[str, Batch]] = []
    for integ in integrations.values():
        client = make_client(ctx, integ, load_credentials(ctx.credentials_dir, integ))
        connector = (
            JiraConnector(client, integ)
            if integ.type.value == "jira"
            else GithubConnector(client, integ, {})
        )
        async for batch in connector.batches({}, None):
            out.append((integ.name, batch))
        await client.aclose()
    return out


async def _load(dsn: str, tenant_id: int, batches: list[tuple[str, Batch]], raw: bool) -> int:
    conn = await AsyncConnection.connect(dsn, autocommit=True)
    rows = 0
    try:
        for _, batch in batches:
            async with conn.transaction():
                for target in ORDER:
                    data = batch.rows.get(target.table)
                    if not data:
                        continue
                    rows += len(data)
                    if raw:
                        await bulk.prepare(conn, target)
                        async with conn.cursor() as cur:
                            cols = ", ".join(c for c, _ in target.staging)
                            async with cur.copy(
                                f"COPY {target.stage_name} (_n, {cols}) FROM STDIN"
                            ) as copy:
                                for n, row in enumerate(data):
                                    await copy.write_row((n, *row))
                            await cur.execute(f"DELETE FROM {target.stage_name}")
                    else:
                        await bulk.upsert(
                            conn, target, data, tenant_id=tenant_id, integration_id=None
                        )
    finally:
        await conn.close()
    return rows


async def bench(args: argparse.Namespace) -> None:
    world = start_world()
    try:
        with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse_bench_etl")
        admin = world.postgres.primary_dsn.rsplit("/", 1)[0] + "/pulse_bench_etl"
        engine = make_engine(admin)
        ensure_platform(engine)
        base = admin.split("@", 1)[1]
        spec = OrgSpec(
            seed=3,
            projects=2,
            issues_per_project=args.issues // 2,
            repos=2,
            prs_per_repo=args.prs // 2,
        )
        t = time.perf_counter()
        jira_org, github_org = generate(spec)
        print(
            f"generated {len(jira_org.issues)} issues, {args.prs} PRs in {time.perf_counter() - t:.1f} s"
        )
        jira = serve_jira(jira_org)
        github = serve_github(github_org, limit=RateLimit(10**9, 3600))
        creds = Path(tempfile.mkdtemp())
        (creds / "jira-main").mkdir()
        (creds / "jira-main" / "token").write_text("jira-token")
        (creds / "jira-main" / "email").write_text("etl@acme.example")
        (creds / "github-main").mkdir()
        (creds / "github-main" / "token").write_text("github-token")
        integrations = {
            i.name: i
            for i in parse_integrations(
                json.dumps(
                    [
                        {
                            "name": "jira-main",
                            "type": "jira",
                            "baseUrl": jira.url,
                            "projects": ["PRJA", "PRJB"],
                            "credentialsSecretRef": {"name": "j", "key": "token"},
                        },
                        {
                            "name": "github-main",
                            "type": "github",
                            "baseUrl": github.url,
                            "organization": "acme",
                            "credentialsSecretRef": {"name": "g", "key": "token"},
                        },
                    ]
                )
            )
        }
        dsn, tenant_id, names = _tenant(engine, "pulse_bench_etl", admin, base)
        ctx = RunContext(names, tenant_id, dsn, creds, overlap=dt.timedelta(minutes=5))

        t = time.perf_counter()
        batches = await _extract(ctx, integrations)
        extract = time.perf_counter() - t
        t = time.perf_counter()
        rows = await _load(dsn, tenant_id, batches, raw=True)
        copy_s = time.perf_counter() - t
        t = time.perf_counter()
        await _load(dsn, tenant_id, batches, raw=False)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        await _load(dsn, tenant_id, batches, raw=False)
        reload_s = time.perf_counter() - t

        dsn2, tenant2, names2 = _tenant(engine, "pulse_bench_etl", admin, base)
        ctx2 = RunContext(names2, tenant2, dsn2, creds, overlap=dt.timedelta(minutes=5))
        e2e: dict[str, float] = {}
        for name, integ in integrations.items():
            t = time.perf_counter()
            job = await run_job(ctx2, integ)
            e2e[name] = time.perf_counter() - t
            assert job.state.value == "succeeded", job.last_error

        print(f"batches: {len(batches)}, rows: {rows}")
        print(f"extract (HTTP + validation)   {extract:8.2f} s")
        print(f"floor: raw COPY to staging    {copy_s:8.2f} s  {rows / copy_s:10.0f} rows/s")
        print(
            f"load: COPY + upsert           {load_s:8.2f} s  {rows / load_s:10.0f} rows/s"
            f"  ({100 * copy_s / load_s:.0f}% of raw COPY)"
        )
        print(f"re-load (idempotent re-run)   {reload_s:8.2f} s  {rows / reload_s:10.0f} rows/s")
        for name, s in e2e.items():
            print(f"end to end run_job {name:12s}{s:8.2f} s")
        jira.stop()
        github.stop()
        engine.dispose()
    finally:
        world.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=2000)
    parser.add_argument("--prs", type=int, default=400)
    parser.add_argument(
        "--full", action="store_true", help="the issue's size: 100000 issues, 20000 PRs"
    )
    args = parser.parse_args()
    if args.full:
        args.issues, args.prs = 100_000, 20_000
    configure_logging(json=False, level="WARNING")
    print(
        "command: PYTHONPATH=hack:services/etl:services/common .venv/bin/python benchmarks/etl.py "
        + ("--full" if args.full else f"--issues {args.issues} --prs {args.prs}")
    )
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
