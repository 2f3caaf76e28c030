"""The web app's type check and lint (what ``npm run lint`` runs: ``tsc -b
--noEmit`` and eslint), with caches that survive a fresh clone at a new
path (every CI run clones to a new folder).

Their state lives under ``$PULSE_CACHE/web-lint/<key>``, keyed by what
makes a cached answer stale as a whole: the installed packages and the
compiler and lint configuration, not the checkout's folder. During a run it
is copied into ``services/frontend/.lint-cache`` (inside the checkout, so
tsc's build info names the sources relative to itself, ``../../src/...``)
with the two checkout-dependent parts rewritten: the packages, which tsc
names by their real path (``node_modules`` is a link into the cache), and
eslint's keys, which are absolute paths. After the run it is copied back.

``tsc -b`` is tsc's own up-to-date check: every source newer than the build
info is compared by the hash of its text with the one recorded, and a
project whose last check found errors is always checked again. The copied
build info is dated 1970, so every source is compared by content, never
trusted by time. tsc compares the config files by time only, so each
project's config is written to ``.lint-cache`` whole (no ``extends``; its
content is part of the key) and dated older still."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from pulse_testworld.web import FRONTEND, cache_root, digest, installed

_CONFIGS = ("package.json", "tsconfig.json", "tsconfig.app.json", "tsconfig.node.json")
_PROJECTS = {"app": "tsconfig.app.json", "node": "tsconfig.node.json"}
WORK = FRONTEND / ".lint-cache"
_NODE_MODULES = "<node_modules>"
_FOLDER = "<frontend>"
# Options whose paths would need rebasing from services/frontend to WORK.
_PATH_OPTIONS = {"baseUrl", "paths", "typeRoots", "rootDir", "rootDirs", "outDir", "declarationDir"}


def cache_dir() -> Path:
    files = installed() + [FRONTEND / name for name in (*_CONFIGS, "eslint.config.js")]
    return cache_root() / "web-lint" / digest(files, "portable")


def _project_config(config: str, info: str) -> dict[str, Any]:
    """``config`` as seen from WORK, build info in WORK."""
    data: dict[str, Any] = json.loads((FRONTEND / config).read_text())
    options: dict[str, Any] = dict(data.get("compilerOptions", {}))
    unsupported = {"extends", "references"} & data.keys() | _PATH_OPTIONS & options.keys()
    if unsupported:
        raise ValueError(f"{config}: {sorted(unsupported)} not supported by web_lint")
    # Incremental build info records each source's hash: without it tsc -b
    # records only the roots and checks everything again.
    options.update(incremental=True, tsBuildInfoFile=f"./{info}")
    rebased: dict[str, Any] = {}
    for key in ("include", "exclude", "files"):
        if key in data:
            rebased[key] = [f"../{p}" for p in data[key]]
    return {**data, "compilerOptions": options, **rebased}


def _real_node_modules() -> Path:
    return (FRONTEND / "node_modules").resolve()


def _portable_build_info(text: str) -> str:
    """Build info read in WORK, its packages named from the cached packages."""
    info = json.loads(text)
    if "fileNames" not in info:
        return text
    real = _real_node_modules()
    names = []
    for name in info["fileNames"]:
        path = Path(os.path.normpath(WORK / name))
        names.append(
            f"{_NODE_MODULES}/{path.relative_to(real)}" if path.is_relative_to(real) else name
        )
    info["fileNames"] = names
    return json.dumps(info)


def _local_build_info(text: str) -> str:
    info = json.loads(text)
    if "fileNames" not in info:
        return text
    real = _real_node_modules()
    prefix = f"{_NODE_MODULES}/"
    info["fileNames"] = [
        os.path.relpath(real / n.removeprefix(prefix), WORK) if n.startswith(prefix) else n
        for n in info["fileNames"]
    ]
    return json.dumps(info)


def _folder_json() -> str:
    # eslint runs in FRONTEND, whose real path is what it writes.
    return json.dumps(str(FRONTEND.resolve()))[1:-1]


def _copy(src: Path, dst: Path, rewrite: Any) -> None:
    if not src.exists():
        dst.unlink(missing_ok=True)
        return
    partial = dst.with_name(dst.name + ".partial")
    partial.write_text(rewrite(src.read_text()))
    partial.replace(dst)


def _restore(cache: Path) -> None:
    WORK.mkdir(exist_ok=True)
    (WORK / ".gitignore").write_text("*\n")
    for name, config in _PROJECTS.items():
        project = WORK / f"{name}.json"
        project.write_text(json.dumps(_project_config(config, f"{name}.tsbuildinfo"), indent=1))
        os.utime(project, (0, 0))
        info = WORK / f"{name}.tsbuildinfo"
        _copy(cache / f"{name}.tsbuildinfo", info, _local_build_info)
        if info.exists():
            os.utime(info, (1, 1))
    _copy(cache / "eslintcache", WORK / "eslintcache", lambda t: t.replace(_FOLDER, _folder_json()))


def _save(cache: Path) -> None:
    for name in _PROJECTS:
        _copy(WORK / f"{name}.tsbuildinfo", cache / f"{name}.tsbuildinfo", _portable_build_info)
    _copy(WORK / "eslintcache", cache / "eslintcache", lambda t: t.replace(_folder_json(), _FOLDER))


def commands() -> list[list[str]]:
    bin_ = FRONTEND / "node_modules" / ".bin"
    tsc = [[str(bin_ / "tsc"), "-b", str(WORK / f"{name}.json"), "--noEmit"] for name in _PROJECTS]
    eslint = [str(bin_ / "eslint"), "--cache", "--cache-strategy", "content"]
    eslint += ["--cache-location", str(WORK / "eslintcache"), "."]
    return [*tsc, eslint]


def typecheck_and_lint() -> list[subprocess.CompletedProcess[str]]:
    """Runs every check, all of them even after a failure; their results."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    # One run at a time per cache entry (checkouts share it) and per checkout.
    with (cache / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _restore(cache)
        try:
            return [
                subprocess.run(argv, cwd=FRONTEND, capture_output=True, text=True, timeout=600)
                for argv in commands()
            ]
        finally:
            _save(cache)
