"""The web app for ``make dev``: built (``npm run build``, type check
included) once per source hash and served by ``vite preview``, which proxies
``/api`` (WebSocket included) to the backend, so the browser sees one origin
as behind the ingress."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pulse_testworld.procs import StartError, Supervisor, preferred_port, wait_until
from pulse_testworld.world import REPO

FRONTEND = REPO / "services" / "frontend"
WEB_PORT = 5173
# What the build reads besides the sources: the installed dependency tree.
_INSTALLED = FRONTEND / "node_modules" / ".package-lock.json"
# .lint-cache: the type check and lint state (pulse_testworld.web_lint).
_NOT_SOURCES = {"node_modules", "dist", ".lint-cache"}
_MARK = ".source-hash"


def cache_root() -> Path:
    return Path(os.environ.get("PULSE_CACHE") or Path.home() / ".cache" / "pulse")


def _cache_dir() -> Path:
    return cache_root() / "web"


def digest(files: list[Path], *extra: str) -> str:
    """A digest of the files (their paths under services/frontend and bytes)
    and of ``extra``: the name of a cache entry for what they determine."""
    sha = hashlib.sha256()
    for path in files:
        sha.update(str(path.relative_to(FRONTEND)).encode() + b"\0")
        sha.update(path.read_bytes() + b"\0")
    for item in extra:
        sha.update(item.encode() + b"\0")
    return sha.hexdigest()[:20]


def installed() -> list[Path]:
    """What stands for the installed dependency tree (npm writes it on install)."""
    return [_INSTALLED] if _INSTALLED.exists() else []


def source_hash() -> str:
    """A digest of every file the build reads (paths and bytes)."""
    files = installed()
    for path in sorted(FRONTEND.rglob("*")):
        rel = path.relative_to(FRONTEND)
        if rel.parts[0] in _NOT_SOURCES or not path.is_file():
            continue
        files.append(path)
    return digest(files)


@contextmanager
def frontend_lock() -> Iterator[None]:
    """Held across processes while ``tsc -b`` runs or dist/ is replaced:
    the build and the type check share tsbuildinfo files, and a served dist/
    must not change under ``vite preview`` (parallel test workers)."""
    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _npm_build() -> None:
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


def build() -> Path:
    """services/frontend/dist for the current sources: ``npm run build`` when
    no build of them is cached, else the cached copy (the build is a function
    of the sources and installed packages, which the hash covers)."""
    if not (FRONTEND / "node_modules").exists():
        raise StartError("services/frontend/node_modules is missing: run `make bootstrap`")
    dist = FRONTEND / "dist"
    with frontend_lock():
        key = source_hash()
        mark = dist / _MARK
        if mark.exists() and mark.read_text() == key:
            return dist
        cached = _cache_dir() / key
        if not cached.is_dir():
            _npm_build()
            (dist / _MARK).write_text(key)
            partial = cached.with_name(f"{key}.partial")
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(dist, partial)
            partial.rename(cached)
            return dist
        shutil.rmtree(dist, ignore_errors=True)
        shutil.copytree(cached, dist)
    return dist


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

    wait_until("vite preview", up, timeout=120, proc=proc, interval=0.5)  # see start_backend
    # localhost, not 127.0.0.1: the backend's cookies and CORS name this origin.
    return f"http://localhost:{port}"
