"""The web app's type check and lint (what ``npm run lint`` runs), with
their own incremental caches under ``$PULSE_CACHE/web-lint/<key>``: tsc's
``--incremental`` build info (it re-checks a file whose content hash
changed, and whatever depends on its types) and eslint's
``--cache-strategy content``. The key covers what makes a cached answer
stale as a whole: the installed packages, the compiler and lint
configuration, and this checkout's folder (tsc names sources relative to
the build info, so checkouts side by side keep one cache each)."""

from __future__ import annotations

import fcntl
import subprocess
from pathlib import Path

from pulse_testworld.web import FRONTEND, cache_root, digest, installed

_CONFIGS = ("package.json", "tsconfig.json", "tsconfig.app.json", "tsconfig.node.json")
_PROJECTS = {"app": "tsconfig.app.json", "node": "tsconfig.node.json"}


def cache_dir() -> Path:
    files = installed() + [FRONTEND / name for name in (*_CONFIGS, "eslint.config.js")]
    return cache_root() / "web-lint" / digest(files, str(FRONTEND.resolve()))


def commands(cache: Path) -> list[list[str]]:
    bin_ = FRONTEND / "node_modules" / ".bin"
    tsc = [
        [str(bin_ / "tsc"), "-p", config, "--noEmit", "--incremental", "--tsBuildInfoFile", info]
        for config, info in ((c, str(cache / f"{n}.tsbuildinfo")) for n, c in _PROJECTS.items())
    ]
    eslint = [str(bin_ / "eslint"), "--cache", "--cache-strategy", "content"]
    eslint += ["--cache-location", str(cache / "eslintcache"), "."]
    return [*tsc, eslint]


def typecheck_and_lint() -> list[subprocess.CompletedProcess[str]]:
    """Runs every check, all of them even after a failure; their results."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    # One run at a time per cache: tsc rewrites its build info whole.
    with (cache / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return [
            subprocess.run(argv, cwd=FRONTEND, capture_output=True, text=True, timeout=600)
            for argv in commands(cache)
        ]
