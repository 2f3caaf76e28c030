"""The operator at scale (issue 8): N PulseTenants applied at once -> all
Ready; the operator's RSS at N; Kubernetes requests per idle drift pass per
tenant. Each figure is printed next to its floor, measured in the same run:

- Ready: the same work done directly with the same libraries and no Kopf
  (ensure_tenant's SQL, the Redis ACL user, the Qdrant collection and the
  children server-side applied with raw API calls), on as many threads as the
  operator's default executor has;
- RSS: the same operator process before the first tenant;
- requests per idle pass: 0 (what a watch-based check needs).

The operator runs as its own process (``kopf run``, as the chart runs it)
against the test world's kube-apiserver, PostgreSQL and Redis, and a local
Qdrant server in this process. Its drift passes report their requests in its
log (kept in a file, not printed).

    PYTHONPATH=hack:operator:services/common:. .venv/bin/python benchmarks/operator_scale.py --tenants 100
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import psycopg

from pulse_common import cache, vector_admin
from pulse_common.db import make_engine
from pulse_common.logging import configure_logging
from pulse_common.provisioning import ensure_platform
from pulse_common.tenancy import TenantNames
from pulse_fakes.qdrant import serve_qdrant
from pulse_operator import clients as client_factory
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import credentials, database, kube, workload
from pulse_operator.spec import parse_tenant
from pulse_testworld import start_world
from pulse_testworld.platform import OPERATOR_ARGV, operator_env
from pulse_testworld.world import World


def kubectl(world: World, *args: str, input: str | None = None) -> str:
    return subprocess.run(
        [str(world.kubectl), "--kubeconfig", str(world.kube.kubeconfig), *args],
        capture_output=True,
        text=True,
        check=True,
        input=input,
    ).stdout


def manifest(slug: str) -> dict[str, Any]:
    return {
        "apiVersion": "pulse.dev/v1alpha1",
        "kind": "PulseTenant",
        "metadata": {"name": slug},
        "spec": {"displayName": slug, "admin": {"email": f"a@{slug}.example"}},
    }


def phases(world: World) -> dict[str, str]:
    items = json.loads(kubectl(world, "get", "pt", "-o", "json"))["items"]
    return {i["metadata"]["name"]: i.get("status", {}).get("phase", "") for i in items}


def _cpu_of_tree(root: int, stats: dict[int, list[str]]) -> float:
    """CPU seconds of ``root`` and its live descendants, plus what its reaped
    children used (PostgreSQL's backends come and go)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        stat = stats.get(pid)
        if stat is None:
            continue
        # utime stime cutime cstime: fields 14-17 of /proc/pid/stat
        total += sum(int(x) for x in stat[11:15]) / tick
        todo.extend(children.get(pid, []))
    return total


def cpu_by_process(roots: dict[str, int]) -> dict[str, float]:
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "stat").read_text()
            except OSError:
                continue
            # after "pid (comm) ": state ppid ... (comm may hold spaces)
            stats[int(entry.name)] = raw[raw.rindex(")") + 2 :].split()
    return {name: _cpu_of_tree(pid, stats) for name, pid in roots.items()}


Sample = tuple[float, int, dict[str, float]]  # (seconds, Ready, CPU s by process)


def wait_ready(
    world: World, slugs: list[str], timeout: float, roots: dict[str, int]
) -> tuple[int, list[Sample]]:
    """Tenants Ready: all of them, or as many as were by ``timeout``
    (reported as such, with the other figures); with CPU samples of each
    process of the test world and the operator."""
    started = time.perf_counter()
    ready = 0
    samples: list[Sample] = [(0.0, 0, cpu_by_process(roots))]
    while time.perf_counter() - started < timeout:
        seen = phases(world)
        ready = sum(1 for s in slugs if seen.get(s) == "Ready")
        samples.append((time.perf_counter() - started, ready, cpu_by_process(roots)))
        if ready == len(slugs):
            break
        time.sleep(2)
    return ready, samples


def slice_table(samples: list[Sample], log: Path, size: int) -> list[str]:
    """Where time and CPU go per ``size`` tenants made Ready: wall seconds,
    CPU seconds of each process, and the mean of each reconcile step (from
    the operator's "reconciled" lines, in the order they were logged)."""
    steps: list[dict[str, float]] = []
    for line in log.read_text(errors="replace").splitlines():
        if '"reconciled"' in line and '"trigger": "create"' in line:
            try:
                steps.append(json.loads(line)["seconds"])
            except (ValueError, KeyError):
                continue
    names = list(samples[0][2])
    keys = list(steps[0]) if steps else []
    head = ["tenants", "wall s", *(f"{n} cpu" for n in names), *keys]
    out = ["\nper slice of Ready tenants (CPU in s; steps: mean s per tenant):"]
    out.append(" ".join(f"{h:>13}" for h in head))
    top = samples[-1][1]
    previous = samples[0]
    for bound in range(size, top + size, size):
        bound = min(bound, top)
        at = next(s for s in samples if s[1] >= bound)
        cpu = [at[2][n] - previous[2][n] for n in names]
        chunk = steps[previous[1] : at[1]]
        means = [sum(c.get(k, 0.0) for c in chunk) / max(len(chunk), 1) for k in keys]
        row = [f"{previous[1]}-{at[1]}", f"{at[0] - previous[0]:.1f}"]
        row += [f"{c:.1f}" for c in cpu] + [f"{m:.3f}" for m in means]
        out.append(" ".join(f"{r:>13}" for r in row))
        previous = at
        if bound >= top:
            break
    return out


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def floor_one(direct: client_factory.Clients, cfg: OperatorConfig, slug: str) -> None:
    """One tenant's work without Kopf: the same calls, no owner (no
    PulseTenant) and not labelled as the operator's (its watch ignores it)."""
    tenant = parse_tenant(slug, "00000000-0000-0000-0000-000000000000", 1, manifest(slug)["spec"])
    creds = credentials.load(direct, cfg, slug, suspended=False)
    result = database.ensure(direct.db, tenant, creds.db_password)
    names = TenantNames(slug)
    cache.ensure_user(direct.redis, names, creds.redis_password, result.tenant_id)
    vector_admin.ensure_collection(
        direct.qdrant,
        vector_admin.CollectionSpec(names.collection, 1536, "Cosine", result.tenant_id),
    )
    secrets_ = credentials.secrets(cfg, slug, creds)
    for obj in workload.children(tenant, result.tenant_id, cfg, secrets_):
        obj["metadata"].pop("ownerReferences", None)
        obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "benchmark-floor"
        kube.apply(direct.kube, obj)


# --tracemalloc: the operator under tracemalloc; SIGUSR1 dumps a snapshot to
# $PULSE_BENCH_SNAPSHOTS.<n> (n = 0, 1...), then `kopf run` as usual.
TRACED_BOOT = """
import os, runpy, signal, sys, tracemalloc
tracemalloc.start(int(os.environ.get("PULSE_BENCH_FRAMES", "1")))
dumped = []
def dump(*_):
    path = os.environ["PULSE_BENCH_SNAPSHOTS"] + f".{len(dumped)}"
    tracemalloc.take_snapshot().dump(path)
    dumped.append(path)
    open(path + ".done", "w").close()
signal.signal(signal.SIGUSR1, dump)
sys.argv = ["kopf", *sys.argv[1:]]
runpy.run_module("kopf", run_name="__main__", alter_sys=True)
"""


def snapshot(op: subprocess.Popen[bytes], base: Path, index: int) -> Path:
    os.kill(op.pid, signal.SIGUSR1)
    path = Path(f"{base}.{index}")
    deadline = time.monotonic() + 300
    while not Path(f"{path}.done").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    return path


def snapshot_diff(first: Path, second: Path, what: str, top: int = 15) -> list[str]:
    import tracemalloc

    old, new = tracemalloc.Snapshot.load(str(first)), tracemalloc.Snapshot.load(str(second))
    total = sum(s.size for s in new.statistics("filename")) - sum(
        s.size for s in old.statistics("filename")
    )
    out = [f"\ntracemalloc growth {what}: {total / 2**20:.1f} MB traced; top by line:"]
    for stat in new.compare_to(old, "lineno")[:top]:
        frame = stat.traceback[0]
        where = f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}"
        out.append(f"  {stat.size_diff / 2**10:>9.0f} KB {stat.count_diff:>+8} blocks  {where}")
    return out


def drift_passes(log: Path) -> list[dict[str, Any]]:
    out = []
    for line in log.read_text(errors="replace").splitlines():
        if '"drift pass"' in line:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def report(
    figures: list[tuple[str, str, str]], lines: list[str], args: argparse.Namespace, n_floor: int
) -> None:
    print(f"{'figure':<62} {'measured':>12} {'floor':>10}")
    for name, value, floor in figures:
        print(f"{name:<62} {value:>12} {floor:>10}")
    print("\n".join(lines))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    n = args.tenants
    floor_arg = f" --floor-tenants {n_floor}" if n_floor != n else ""
    print(
        "\ncommand: PYTHONPATH=hack:operator:services/common:. "
        f"{sys.executable} benchmarks/operator_scale.py --tenants {n}{floor_arg} "
        f"--drift-interval {args.drift_interval:g} --timeout {args.timeout:g}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--drift-interval", type=float, default=15.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument(
        "--floor-tenants",
        type=int,
        default=0,
        help="measure the Ready floor on this many tenants and scale it to N (default: N)",
    )
    parser.add_argument("--slice", type=int, default=50, help="tenants per profile slice")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="run the operator under tracemalloc and print what grew from empty to Ready",
    )
    args = parser.parse_args()
    n = args.tenants
    n_floor = min(args.floor_tenants or n, n)
    configure_logging(json=False, level="WARNING")  # figures, not log lines
    warnings.filterwarnings("ignore", message="Api key is used with an insecure connection")
    world = start_world()
    qdrant = serve_qdrant(secrets.token_urlsafe(32))
    figures: list[tuple[str, str, str]] = []
    slices: list[str] = []
    memory_lines: list[str] = []
    op: subprocess.Popen[bytes] | None = None
    log = world.base / "operator.log"
    try:
        with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse")
        env = {
            **os.environ,
            **operator_env(world, qdrant),
            "PULSE_OPERATOR_LOG_LEVEL": "INFO",
            "PULSE_OPERATOR_DRIFT_INTERVAL_SECONDS": str(args.drift_interval),
        }
        os.environ.update(env)
        ensure_platform(make_engine(env["PULSE_OPERATOR_DATABASE_ADMIN_URL"]))
        kubectl(world, "apply", "--server-side", "-f", "crds/pulsetenants.yaml")
        kubectl(world, "wait", "--for=condition=Established", "crd/pulsetenants.pulse.dev")

        # Floor for Ready: the same work, directly, on 6 threads (the size
        # of the operator's default executor on 2 cores).
        cfg = OperatorConfig()  # type: ignore[call-arg]
        direct = client_factory.build(cfg)
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            list(
                pool.map(
                    lambda s: floor_one(direct, cfg, s), [f"fl-{i:03d}" for i in range(n_floor)]
                )
            )
        # The same work per tenant on a fixed pool: linear in the count.
        floor_ready = (time.perf_counter() - started) * n / n_floor
        floor_label = f"{floor_ready:.1f} s" + ("" if n_floor == n else f" (x{n / n_floor:g})")
        direct.close()

        argv = OPERATOR_ARGV
        snapshots = world.base / "snapshot"
        if args.tracemalloc:
            env["PULSE_BENCH_SNAPSHOTS"] = str(snapshots)
            argv = [sys.executable, "-c", TRACED_BOOT, *OPERATOR_ARGV[3:]]
        with log.open("wb") as out:
            op = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        time.sleep(3)
        while '"operator started"' not in log.read_text(errors="replace"):
            if op.poll() is not None:
                raise SystemExit(f"the operator exited: see {log}")
            time.sleep(0.5)
        rss_empty = rss_mb(op.pid)
        first = snapshot(op, snapshots, 0) if args.tracemalloc else None

        slugs = [f"t-{i:03d}" for i in range(n)]
        body = {"apiVersion": "v1", "kind": "List", "items": [manifest(s) for s in slugs]}
        started = time.perf_counter()
        kubectl(world, "apply", "-f", "-", input=json.dumps(body))
        roots = {**world.describe()["pids"], "operator": op.pid}
        count, samples = wait_ready(world, slugs, args.timeout, roots)
        ready = time.perf_counter() - started
        what = "all Ready" if count == n else f"{count} Ready (timeout)"
        figures.append((f"{n} tenants applied at once -> {what}", f"{ready:.1f} s", floor_label))
        rss_ready = rss_mb(op.pid)
        if first is not None:
            memory_lines = snapshot_diff(
                first, snapshot(op, snapshots, 1), f"empty -> {count} Ready"
            )
        slices = slice_table(samples, log, args.slice)

        # Idle drift passes: wait for two that start after everything settled.
        seen = len(drift_passes(log))
        deadline = time.monotonic() + 4 * args.drift_interval + 60 + n / 5
        while len(drift_passes(log)) < seen + 3 and time.monotonic() < deadline:
            time.sleep(1)
        idle = drift_passes(log)[seen + 1 :]
        rss_idle = rss_mb(op.pid)
        figures.append(
            (
                f"operator RSS at {n} tenants (after {what})",
                f"{rss_ready:.0f} MB",
                f"{rss_empty:.0f} MB",
            )
        )
        figures.append(
            (
                f"operator RSS at {n} tenants (after drift)",
                f"{rss_idle:.0f} MB",
                f"{rss_empty:.0f} MB",
            )
        )
        for p in idle:
            sent = sum(p.get("kube_requests", {}).values())
            per = sent / max(p.get("tenants", 1), 1)
            figures.append(
                (
                    f"idle drift pass: kube requests/tenant ({p['tenants']} tenants, {p['seconds']} s)",
                    f"{per:.2f}",
                    "0",
                )
            )
        if not idle:
            figures.append(("idle drift pass", "none completed in time", "-"))
        else:
            kb = idle[-1].get("cache_bytes", 0) / 1024
            figures.append((f"watch cache at {n} tenants (compressed JSON)", f"{kb:.0f} KB", "-"))
    finally:
        if op is not None:
            op.terminate()
            op.wait(30)
        qdrant.stop()
        # Figures first: removing 500 schemas' files takes minutes.
        report(figures, slices + memory_lines, args, n_floor)
        world.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
