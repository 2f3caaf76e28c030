"""``python -m pulse_testworld up``: start the test world and keep it up until
Ctrl-C, printing the kubeconfig path and the connection URLs."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from pulse_testworld.world import REPO, World, start_world


def _print_world(world: World) -> None:
    k, pg, rd = world.kube, world.postgres, world.redis
    print(
        f"""
Pulse test world is up ({k.version}); logs in {world.base / "logs"}

  export KUBECONFIG={k.kubeconfig}
  export PATH={world.bin_dir}:$PATH      # kubectl, helm built for this world
  kubectl get ns

  PostgreSQL primary  {pg.primary_dsn}
  PostgreSQL replica  {pg.replica_dsn}
  Redis (admin)       {rd.url}

  psql "{pg.primary_dsn}"
""",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse_testworld", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start the world and wait for Ctrl-C")
    up.add_argument("--state-file", type=Path, help="write the world's description here (JSON)")
    up.add_argument(
        "--platform",
        action="store_true",
        help="also run the operator, the example tenants, their ETL, the backend and the web app",
    )
    up.add_argument("--no-web", action="store_true", help="skip building and serving the web app")
    up.add_argument(
        "--no-build", action="store_true", help="serve services/frontend/dist as it is (tests)"
    )
    up.add_argument(
        "--tenants",
        type=Path,
        default=REPO / "examples" / "tenants",
        help="the folder of PulseTenant manifests to apply (default: examples/tenants)",
    )
    args = parser.parse_args(argv)

    print("starting the test world (first run builds the control plane: 10-20 min)...", flush=True)
    world = start_world()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    platform = None
    try:
        if args.state_file:
            args.state_file.write_text(json.dumps(world.describe(), indent=2))
        _print_world(world)
        if args.platform:
            from pulse_testworld.platform import start_platform

            platform = start_platform(
                world, tenants_dir=args.tenants, web=not args.no_web, build=not args.no_build
            )
            if args.state_file:
                described = {**world.describe(), "etl_dir": str(platform.fleet.folder)}
                described |= {"api_url": platform.api_url, "web_url": platform.web_url}
                described |= {"service_proxy": platform.proxy.url}
                described |= {
                    "qdrant_url": platform.qdrant.url,
                    "gateway_url": platform.gateway.url,
                }
                described |= {"qdrant_api_key": platform.qdrant.app.api_key}
                args.state_file.write_text(json.dumps(described, indent=2))
            print(platform.summary, flush=True)
        print("Ctrl-C stops everything.", flush=True)
        stop.wait()
    finally:
        print("stopping the test world...", flush=True)
        if platform is not None:
            platform.stop()
        world.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
