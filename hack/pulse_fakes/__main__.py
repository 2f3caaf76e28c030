"""``python -m pulse_fakes [--seed N] [--jira-port P] [--github-port P]``:
serves a generated organisation on both local servers until Ctrl-C.
``python -m pulse_fakes gateway [--port P] [--key K] [--dimension N]
[--embedder hash|local]``: the local OpenAI-compatible AI gateway."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from pulse_fakes.data import OrgSpec, generate
from pulse_fakes.gateway import GatewayState
from pulse_fakes.server import FakeServer, serve_gateway, serve_github, serve_jira


def _wait(*servers: FakeServer) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    for s in servers:
        s.stop()


def gateway(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="pulse_fakes gateway")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key", default="gateway-key", help="the API key clients must send")
    parser.add_argument("--dimension", type=int, default=1536, help="embeddings' size")
    parser.add_argument("--embedder", choices=["hash", "local"], default="hash")
    args = parser.parse_args(argv)
    state = GatewayState(api_key=args.key, dimension=args.dimension, embedder=args.embedder)
    server = serve_gateway(state, port=args.port)
    print(f"ai-gateway {server.url}/v1  (key {args.key})", flush=True)
    _wait(server)


def main() -> None:
    if sys.argv[1:2] == ["gateway"]:
        return gateway(sys.argv[2:])
    parser = argparse.ArgumentParser(prog="pulse_fakes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--issues", type=int, default=200, help="issues per project")
    parser.add_argument("--prs", type=int, default=100, help="pull requests per repository")
    parser.add_argument("--jira-port", type=int, default=0)
    parser.add_argument("--github-port", type=int, default=0)
    args = parser.parse_args()
    jira_org, github_org = generate(
        OrgSpec(seed=args.seed, issues_per_project=args.issues, prs_per_repo=args.prs)
    )
    j = serve_jira(jira_org, port=args.jira_port)
    g = serve_github(github_org, port=args.github_port)
    print(f"jira   {j.url}  (email etl@acme.example, token jira-token)", flush=True)
    print(f"github {g.url}  (token github-token, organization acme)", flush=True)
    _wait(j, g)
    return None


if __name__ == "__main__":
    main()
