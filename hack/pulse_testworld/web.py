"""The web app for ``make dev``: built once (``npm run build``, type check
included) and served by ``vite preview``, which proxies ``/api`` (WebSocket
included) to the backend, so the browser sees one origin as behind the
ingress."""

from __future__ import annotations

import subprocess
import urllib.request

from pulse_testworld.procs import StartError, Supervisor, preferred_port, wait_until
from pulse_testworld.world import REPO

FRONTEND = REPO / "services" / "frontend"
WEB_PORT = 5173


def build() -> None:
    if not (FRONTEND / "node_modules").exists():
        raise StartError("services/frontend/node_modules is missing: run `make bootstrap`")
    out = subprocess.run(
        ["npm", "run", "build"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if out.returncode != 0:
        raise StartError(f"npm run build failed:\n{out.stdout[-3000:]}{out.stderr[-3000:]}")


def serve(sup: Supervisor, api_url: str, *, port: int | None = None) -> str:
    """Starts ``vite preview`` (5173 when free); returns the app's URL."""
    port = port or preferred_port(WEB_PORT)
    vite = FRONTEND / "node_modules" / ".bin" / "vite"
    config = FRONTEND / "vite.config.ts"
    argv = [str(vite), "preview", str(FRONTEND), "--config", str(config)]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--strictPort"]
    proc = sup.start("web", argv, env={"PULSE_API_URL": api_url})

    def up() -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
            return bool(resp.status == 200)

    wait_until("vite preview", up, timeout=60, proc=proc, interval=0.5)
    # localhost, not 127.0.0.1: the backend's cookies and CORS name this origin.
    return f"http://localhost:{port}"
