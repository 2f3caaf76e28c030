"""ETL throughput against the local Jira and GitHub servers (latency 0).

Prints, in one run:
- extract: fetching and validating every page (no database);
- load: the bulk upsert (COPY into staging + INSERT ... ON CONFLICT with the
  natural-key joins), one transaction per batch, rows per second, next to two
  floors measured in the same run with the same psycopg COPY code:
  floor 1, a raw COPY of the same batches into the same (temporary, no key,
  no index) staging tables; floor 2, a raw COPY of the load's final rows
  (ids already resolved, taken from the loaded tenant) straight into the
  real tables of a fresh tenant, with their keys, foreign keys, indexes and
  triggers, 5000 rows per COPY and transaction. Each of ``--repeat`` rounds
  loads into a fresh tenant (floor 1, then load, then re-load, then floor 2
  into another fresh tenant, whose row counts must equal the load's); the
  best round counts (the machine is shared: the best is the least disturbed);
- re-load: the same batches again (the idempotent re-run: nothing changes);
- end to end: run_job for both integrations into a fresh tenant, whose
  tables must hold exactly what the bulk load produced;
- peak RSS of this process (the local servers run in a child process).

    PYTHONPATH=hack:services/etl:services/common .venv/bin/python benchmarks/etl.py \
        [--issues 2000] [--prs 400] [--repeat 3] [--full]

Which floor the goal (load >= 50 % of COPY) is judged on: floor 2. The
standard's floor is "the same work done directly", and the work is these
rows in the target tables; floor 1 leaves them in a temporary table that
the commit empties, so it is the floor of the staging step only, not of the
load: it writes no WAL and checks no key, and any writer of these tables,
COPY included, pays the tables' own costs (foreign-key checks, index
entries, WAL, the embedding-queue triggers). Floor 2 pays exactly those and
none of what the load adds (staging, natural-key resolution, conflict
handling); it is given the resolved ids for free and fewer, larger
statements, so it is a strict floor. Floor 1 stays printed, as earlier
figures were against it. (The lead decides.)

``--full`` is the issue's size: 100000 issues with changelogs, 20000 PRs
(long: run it alone on a quiet machine). Starts its own test
world (PostgreSQL only is used) and stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import pickle
import resource
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psycopg
from psycopg import AsyncConnection

from pulse_common.db import make_engine
from pulse_common.logging import configure_logging
from pulse_common.provisioning import TenantRequest, ensure_platform, ensure_tenant
from pulse_common.tenancy import TenantNames
from pulse_etl.integrations import Integration, load_credentials, parse_integrations
from pulse_etl.jobs.context import RunContext
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.source import make_client
from pulse_etl.load import bulk
from pulse_etl.load.targets import BY_SOURCE, ORDER, load_rows
from pulse_etl.sources.batch import Batch
from pulse_etl.sources.github import GithubConnector
from pulse_etl.sources.jira import JiraConnector
from pulse_fakes import OrgSpec, generate, serve_github, serve_jira
from pulse_fakes.app import RateLimit
from pulse_testworld import start_world


def _backend_cpu(pid: int) -> float:
    """CPU seconds the PostgreSQL backend serving ``pid`` has used (same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _serve(spec: OrgSpec, pipe: Connection) -> None:
    """The local servers, in their own process: their CPU and memory are not
    the ETL's."""
    t = time.perf_counter()
    jira_org, github_org = generate(spec)
    generated = time.perf_counter() - t
    jira = serve_jira(jira_org)
    github = serve_github(github_org, limit=RateLimit(10**9, 3600))
    pipe.send((jira.url, github.url, len(jira_org.issues), generated))
    pipe.recv()  # until the benchmark is done
    jira.stop()
    github.stop()


def _tenant(engine: Any, base: str) -> tuple[str, int, TenantNames]:
    slug = f"b-{uuid.uuid4().hex[:8]}"
    prov = ensure_tenant(
        engine,
        TenantRequest(
            slug=slug, display_name="Bench", admin_email="a@b.example", login_password=f"pw-{slug}"
        ),
    )
    names = TenantNames(slug)
    return f"postgresql://{names.login_role}:pw-{slug}@{base}", prov.tenant_id, names


def _integrations(jira_url: str, github_url: str) -> dict[str, Integration]:
    raw = [
        {
            "name": "jira-main",
            "type": "jira",
            "baseUrl": jira_url,
            "projects": ["PRJA", "PRJB"],
            "credentialsSecretRef": {"name": "j", "key": "token"},
        },
        {
            "name": "github-main",
            "type": "github",
            "baseUrl": github_url,
            "organization": "acme",
            "credentialsSecretRef": {"name": "g", "key": "token"},
        },
    ]
    return {i.name: i for i in parse_integrations(json.dumps(raw))}


def _credentials() -> Path:
    creds = Path(tempfile.mkdtemp())
    for name, files in {
        "jira-main": {"token": "jira-token", "email": "etl@acme.example"},
        "github-main": {"token": "github-token"},
    }.items():
        (creds / name).mkdir()
        for key, value in files.items():
            (creds / name / key).write_text(value)
    return creds


async def _extract(ctx: RunContext, integrations: dict[str, Integration], spill: Path) -> int:
    """Every batch, pickled to ``spill`` as it arrives (memory stays bounded
    at any size); returns how many."""
    count = 0
    with spill.open("wb") as out:
        for integ in integrations.values():
            client = make_client(ctx, integ, load_credentials(ctx.credentials_dir, integ))
            connector = (
                JiraConnector(client, integ)
                if integ.type.value == "jira"
                else GithubConnector(client, integ, {})
            )
            async for batch in connector.batches({}, None):
                pickle.dump((integ.type, batch), out, protocol=pickle.HIGHEST_PROTOCOL)
                count += 1
            await client.aclose()
    return count


def _batches(spill: Path) -> Iterator[Any]:
    with spill.open("rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


async def _load(dsn: str, tenant_id: int, spill: Path, raw: bool) -> tuple[int, float, float]:
    """One transaction per batch, as the runner commits them, and one
    connection per source with that source's staging tables, as each run
    has. ``raw``: only the COPY into the (already created) staging tables,
    which commit empties. Returns rows, wall seconds, and CPU seconds (this
    process + its database backends): on a shared machine the CPU figure is
    the steadier one. Reading the spilled batches back is outside the timed
    part."""
    rows = 0
    wall = cpu_s = backend = 0.0
    conn: AsyncConnection[Any] | None = None
    kind = None
    try:
        for source, batch in _batches(spill):
            if source != kind:
                if conn is not None:
                    cpu_s += _backend_cpu(conn.info.backend_pid) - backend
                    await conn.close()
                conn = await AsyncConnection.connect(dsn, autocommit=True)
                await bulk.stage(conn, BY_SOURCE[source])
                kind, backend = source, _backend_cpu(conn.info.backend_pid)
            assert conn is not None
            rows += sum(len(r) for r in batch.rows.values())
            t, cpu = time.perf_counter(), time.process_time()
            await _load_one(conn, batch, tenant_id, raw)
            wall += time.perf_counter() - t
            cpu_s += time.process_time() - cpu
        if conn is not None:
            cpu_s += _backend_cpu(conn.info.backend_pid) - backend
        return rows, wall, cpu_s
    finally:
        if conn is not None:
            await conn.close()


async def _load_one(conn: AsyncConnection[Any], batch: Batch, tenant_id: int, raw: bool) -> None:
    async with conn.transaction():
        if not raw:
            await load_rows(conn, batch.rows, tenant_id=tenant_id, integration_id=None)
            return
        for target in ORDER:
            if data := batch.rows.get(target.table):
                await bulk.copy_rows(conn, target, data)


async def _final_rows(admin: str, loaded: str, fresh: str, spill: Path) -> None:
    """The rows the load left in schema ``loaded`` that the fresh tenant's
    schema lacks, table by table in load order, as pickled ``(table,
    columns, rows)`` chunks, ``tenant_id`` already the fresh tenant's. Both
    tenants got the same seed (statuses, work-item types) with the same ids,
    so the ids the load resolved are valid in the fresh one too. (The load's
    updates of seeded rows are a handful of statuses: left out.)"""
    async with await AsyncConnection.connect(admin) as conn:
        cur = await conn.execute("SELECT tenant_id FROM " + fresh + ".system_settings LIMIT 1")
        tenant_id = (await cur.fetchone() or (0,))[0]
        with spill.open("wb") as out:
            for target in ORDER:
                cur = await conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                    (loaded, target.table),
                )
                columns = [str(r[0]) for r in await cur.fetchall()]
                at = columns.index("tenant_id")
                src = conn.cursor(name=f"final_{target.table}")
                await src.execute(
                    f"SELECT {', '.join(columns)} FROM {loaded}.{target.table}"
                    f" WHERE id NOT IN (SELECT id FROM {fresh}.{target.table}) ORDER BY id"
                )
                while chunk := await src.fetchmany(DIRECT_CHUNK):
                    rows = [(*r[:at], tenant_id, *r[at + 1 :]) for r in chunk]
                    pickle.dump((target.table, columns, rows), out, pickle.HIGHEST_PROTOCOL)
                await src.close()


# Rows per COPY (and transaction) of the direct floor: ten times a batch's
# rows, so the floor pays less per-statement overhead than the load does.
DIRECT_CHUNK = 5000


async def _direct(dsn: str, spill: Path) -> tuple[int, float, float]:
    """The second floor: the final rows (ids resolved) COPYed straight into
    the real tables of a fresh tenant, with their keys, foreign keys, indexes
    and triggers, with the same psycopg COPY code and commit settings as the
    load. Returns rows, wall and CPU seconds as ``_load``."""
    conn = await AsyncConnection.connect(dsn, autocommit=True)
    rows = 0
    try:
        pid = conn.info.backend_pid
        wall = client = 0.0
        backend = _backend_cpu(pid)
        for table, columns, chunk in _batches(spill):
            rows += len(chunk)
            t, cpu = time.perf_counter(), time.process_time()
            async with conn.transaction():
                await conn.execute("SET LOCAL synchronous_commit TO off")
                copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                async with conn.cursor() as cur, cur.copy(copy_sql) as copy:
                    for row in chunk:
                        await copy.write_row(row)
            wall += time.perf_counter() - t
            client += time.process_time() - cpu
        return rows, wall, client + _backend_cpu(pid) - backend
    finally:
        await conn.close()


async def _counts(dsn: str) -> dict[str, int]:
    async with await AsyncConnection.connect(dsn) as conn:
        out = {}
        for target in ORDER:
            cur = await conn.execute(f"SELECT count(*) FROM {target.table}")
            out[target.table] = int((await cur.fetchone() or (0,))[0])
        return out


async def bench(args: argparse.Namespace) -> None:
    spec = OrgSpec(
        seed=3, projects=2, issues_per_project=args.issues // 2, repos=2, prs_per_repo=args.prs // 2
    )
    here, there = multiprocessing.get_context("spawn").Pipe()
    servers = multiprocessing.get_context("spawn").Process(target=_serve, args=(spec, there))
    servers.start()
    world = start_world()
    # Credentials and the spilled batches (hundreds of MB at --full).
    creds = _credentials()
    try:
        jira_url, github_url, issues, generated = here.recv()
        print(f"generated {issues} issues, {args.prs} PRs in {generated:.1f} s (server process)")
        with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse_bench_etl")
        admin = world.postgres.primary_dsn.rsplit("/", 1)[0] + "/pulse_bench_etl"
        engine = make_engine(admin)
        ensure_platform(engine)
        base = admin.split("@", 1)[1]
        integrations = _integrations(jira_url, github_url)
        overlap = dt.timedelta(minutes=5)

        dsn, tenant_id, names = _tenant(engine, base)
        t = time.perf_counter()
        spill = creds / "batches.pickle"
        batches = await _extract(
            RunContext(names, tenant_id, dsn, creds, overlap=overlap), integrations, spill
        )
        extract = time.perf_counter() - t
        rss_extract = _rss_mb()
        print(f"extracted {batches} batches in {extract:.1f} s", flush=True)

        rounds: list[list[float]] = []
        for _ in range(args.repeat):
            rows, copy_s, copy_cpu = await _load(dsn, tenant_id, spill, raw=True)
            _, load_s, load_cpu = await _load(dsn, tenant_id, spill, raw=False)
            _, reload_s, reload_cpu = await _load(dsn, tenant_id, spill, raw=False)
            loaded = await _counts(dsn)
            fresh_dsn, _, fresh = _tenant(engine, base)
            final = creds / "final.pickle"
            await _final_rows(admin, names.schema, fresh.schema, final)
            direct_rows, direct_s, direct_cpu = await _direct(fresh_dsn, final)
            direct = await _counts(fresh_dsn)
            assert direct == loaded, (direct, loaded)
            rounds.append(
                [copy_s, load_s, reload_s, direct_s, copy_cpu, load_cpu, reload_cpu, direct_cpu]
            )
            print("round:", [round(x, 2) for x in rounds[-1]], flush=True)
            dsn, tenant_id, names = _tenant(engine, base)

        e2e: dict[str, float] = {}
        ctx = RunContext(names, tenant_id, dsn, creds, overlap=overlap)
        for name, integ in integrations.items():
            t = time.perf_counter()
            job = await run_job(ctx, integ)
            e2e[name] = time.perf_counter() - t
            print(f"run_job {name}: {e2e[name]:.1f} s", flush=True)
            assert job.state.value == "succeeded", job.last_error
        synced = await _counts(dsn)
        # run_job adds what the bulk load cannot (releases, compare ranges).
        same = {k: v for k, v in loaded.items() if k != "commits"}
        assert same == {k: v for k, v in synced.items() if k != "commits"}, (loaded, synced)

        copy_s, load_s, reload_s, direct_s, copy_cpu, load_cpu, reload_cpu, direct_cpu = (
            min(r[i] for r in rounds) for i in range(8)
        )
        print(f"batches: {batches}, rows: {rows}, best of {args.repeat} rounds")
        print(f"extract (HTTP + validation)   {extract:8.2f} s  {rows / extract:10.0f} rows/s")
        print("                                 wall       rows/s    CPU s (client + backend)")
        print(
            f"floor 1: COPY to staging      {copy_s:8.2f} s  {rows / copy_s:10.0f}  {copy_cpu:8.2f}"
        )
        print(
            f"floor 2: COPY final rows      {direct_s:8.2f} s  {direct_rows / direct_s:10.0f}"
            f"  {direct_cpu:8.2f}   ({direct_rows} rows into a fresh tenant's real tables)"
        )
        print(
            f"load: COPY + upsert           {load_s:8.2f} s  {rows / load_s:10.0f}  {load_cpu:8.2f}"
        )
        for label, floor_s, floor_cpu in (
            ("floor 1", copy_s, copy_cpu),
            ("floor 2", direct_s, direct_cpu),
        ):
            print(
                f"  load = {100 * floor_s / load_s:3.0f}% of {label} (wall),"
                f" {100 * floor_cpu / load_cpu:3.0f}% (CPU)"
            )
        print(
            f"re-load (idempotent re-run)   {reload_s:8.2f} s  {rows / reload_s:10.0f}"
            f"  {reload_cpu:8.2f}"
        )
        print(
            "rounds (wall copy, load, re-load, direct; CPU copy, load, re-load, direct):",
            [tuple(round(x, 2) for x in r) for r in rounds],
        )
        for name, s in e2e.items():
            print(f"end to end run_job {name:12s}{s:8.2f} s")
        print(f"tables after run_job: {synced}")
        print(f"peak RSS: {rss_extract:.0f} MB after extract (batches spilled), {_rss_mb():.0f} MB")
        engine.dispose()
    finally:
        here.send("stop")
        servers.join(timeout=30)
        world.stop()
        shutil.rmtree(creds, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=2000)
    parser.add_argument("--prs", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
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
        + f" --repeat {args.repeat}"
    )
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
