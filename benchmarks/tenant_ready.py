"""Time from `kubectl apply` of PulseTenants to Ready, for 1 tenant and for N
applied together, with the real operator (in-process, as in the tests), and
the floor of the same work done directly in the same run: ensure_tenant, the
Redis ACL user, the Qdrant collection and the children applied with raw
server-side-apply calls, one tenant after another, no Kopf.

    PYTHONPATH=hack:. .venv/bin/python benchmarks/tenant_ready.py [--many 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import sys
import threading
import time

os.environ.setdefault("PULSE_OPERATOR_DRIFT_INTERVAL_SECONDS", "300")
# Figures only: the operator's own log lines (and Kopf's) would bury them.
os.environ.setdefault("PULSE_OPERATOR_LOG_LEVEL", "WARNING")

import kopf
import psycopg

# Run as a script: its folder is on sys.path.
from operator_scale import kubectl, manifest

import pulse_operator  # noqa: F401 - registers the handlers
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
from pulse_testworld.platform import operator_env


def wait_ready(world, slugs: list[str]) -> None:  # type: ignore[no-untyped-def]
    while True:
        items = json.loads(kubectl(world, "get", "pt", "-o", "json"))["items"]
        ready = {
            i["metadata"]["name"] for i in items if i.get("status", {}).get("phase") == "Ready"
        }
        if set(slugs) <= ready:
            return
        time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--many", type=int, default=20)
    args = parser.parse_args()
    configure_logging(json=False, level="WARNING")
    logging.getLogger("kopf").setLevel(logging.ERROR)
    world = start_world()
    qdrant = serve_qdrant(secrets.token_urlsafe(32))
    figures: list[tuple[str, float]] = []
    try:
        with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse")
        env = operator_env(world, qdrant)
        os.environ.update(env)
        ensure_platform(make_engine(env["PULSE_OPERATOR_DATABASE_ADMIN_URL"]))
        kubectl(world, "apply", "--server-side", "-f", "crds/pulsetenants.yaml")
        kubectl(world, "wait", "--for=condition=Established", "crd/pulsetenants.pulse.dev")

        # Floor: the same work, directly.
        cfg = OperatorConfig()  # type: ignore[call-arg]
        direct = client_factory.build(cfg)
        slugs = [f"floor-{i:02d}" for i in range(args.many)]
        started = time.perf_counter()
        for slug in slugs:
            body = json.loads(
                kubectl(world, "create", "-o", "json", "-f", "-", input=json.dumps(manifest(slug)))
            )
            tenant = parse_tenant(slug, body["metadata"]["uid"], 1, body["spec"])
            creds = credentials.load(direct, cfg, slug, suspended=False)
            result = database.ensure(direct.db, tenant, creds.db_password)
            cache.ensure_user(
                direct.redis, TenantNames(slug), creds.redis_password, result.tenant_id
            )
            vector_admin.ensure_collection(
                direct.qdrant,
                vector_admin.CollectionSpec(
                    TenantNames(slug).collection, 1536, "Cosine", result.tenant_id
                ),
            )
            for obj in workload.children(
                tenant, result.tenant_id, cfg, credentials.secrets(cfg, slug, creds)
            ):
                kube.apply(direct.kube, obj)
        figures.append(
            (
                f"floor: {args.many} tenants provisioned directly, serially",
                time.perf_counter() - started,
            )
        )

        stop, ready = threading.Event(), threading.Event()
        memo = kopf.Memo()
        thread = threading.Thread(
            target=lambda: asyncio.run(
                kopf.operator(
                    clusterwide=True, standalone=True, memo=memo, stop_flag=stop, ready_flag=ready
                )
            ),
            daemon=True,
        )
        thread.start()
        ready.wait(30)
        wait_ready(world, slugs)  # the operator takes over the floor's tenants first

        started = time.perf_counter()
        kubectl(world, "apply", "-f", "-", input=json.dumps(manifest("one")))
        wait_ready(world, ["one"])
        figures.append(("operator: 1 tenant, apply -> Ready", time.perf_counter() - started))

        many = [f"many-{i:02d}" for i in range(args.many)]
        body = {"apiVersion": "v1", "kind": "List", "items": [manifest(s) for s in many]}
        started = time.perf_counter()
        kubectl(world, "apply", "-f", "-", input=json.dumps(body))
        wait_ready(world, many)
        figures.append(
            (
                f"operator: {args.many} tenants applied together -> all Ready",
                time.perf_counter() - started,
            )
        )
        stop.set()
        thread.join(30)
    finally:
        qdrant.stop()
        world.stop()
    for name, seconds in figures:
        print(f"{name:<58} {seconds:8.2f} s")
    print(
        f"\ncommand: PYTHONPATH=hack:. {sys.executable} benchmarks/tenant_ready.py --many {args.many}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
