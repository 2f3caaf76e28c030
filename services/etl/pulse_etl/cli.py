"""``python -m pulse_etl.cli sync <integration>``: one run (or the resumption
of an interrupted one) in the foreground, configured from the environment as
the service is; prints the job as JSON. Exit status 0 when it succeeded,
1 when it failed, 2 when another runner holds the integration."""

from __future__ import annotations

import argparse
import asyncio
import sys

import redis.asyncio as aioredis

from pulse_common.logging import configure_logging
from pulse_etl.errors import FailureNotRecorded, JobAlreadyRunning
from pulse_etl.integrations import parse_integrations
from pulse_etl.jobs.context import run_context
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_etl.settings import EtlSettings, load_settings


async def _sync(settings: EtlSettings, name: str) -> int:
    integrations = {i.name: i for i in parse_integrations(settings.etl_integrations)}
    if name not in integrations:
        print(f"no integration named {name!r}", file=sys.stderr)
        return 2
    cache = aioredis.Redis.from_url(settings.redis_url.get_secret_value(), socket_timeout=3)
    try:
        job = await run_job(run_context(settings, cache), integrations[name])
    except JobAlreadyRunning as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except FailureNotRecorded as exc:
        # The run failed and the database could not record it: say why here.
        print(f"run failed, not recorded: {exc}", file=sys.stderr)
        return 1
    finally:
        await cache.aclose()
    print(job.model_dump_json())
    return 0 if job.state is JobState.succeeded else 1


def main() -> None:
    parser = argparse.ArgumentParser(prog="pulse_etl.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sync = sub.add_parser("sync", help="run one integration's job now")
    sync.add_argument("integration")
    args = parser.parse_args()
    settings = load_settings()  # from the environment; exits naming a bad one
    configure_logging(json=settings.log_json)
    sys.exit(asyncio.run(_sync(settings, args.integration)))


if __name__ == "__main__":
    main()
