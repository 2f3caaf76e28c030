"""``python -m pulse_fakes [--seed N] [--jira-port P] [--github-port P]``:
serves a generated organisation on both local servers until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from pulse_fakes.data import OrgSpec, generate
from pulse_fakes.server import serve_github, serve_jira


def main() -> None:
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
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    j.stop()
    g.stop()


if __name__ == "__main__":
    main()
