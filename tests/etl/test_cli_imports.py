"""The one-shot ``pulse_etl.cli sync`` stays light: it never serves HTTP and
never embeds, so it must not load FastAPI or qdrant-client (together ~2 s of
CPU per process; the kill tests start dozens of these processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = (
    "import json, sys, pulse_etl.cli; "
    "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
)


def test_the_sync_cli_loads_neither_fastapi_nor_qdrant_client() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
        check=True,
    )
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert "pulse_etl" in loaded  # the probe really imported it
    assert loaded & {"fastapi", "qdrant_client", "starlette"} == set()
