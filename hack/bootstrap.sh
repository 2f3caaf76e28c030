#!/usr/bin/env bash
# Installs what the tests and `make dev` need on a fresh machine of this kind:
# Debian packages (PostgreSQL 15, Redis, openssl, chromium), a virtualenv cached
# under $PULSE_CACHE keyed by the Python version and pyproject.toml, the
# frontend's node modules keyed by its lock file, and the control-plane
# binaries (hack/build-binaries.sh). Idempotent; a warm run
# installs nothing. Leaves ./.venv pointing at the cached virtualenv.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${PULSE_CACHE:-$HOME/.cache/pulse}"
PYTHON="${PYTHON:-python3}"
log() { echo "[bootstrap] $*" >&2; }

need_pkgs=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_pkgs+=(postgresql-15 postgresql-client-15)
command -v redis-server >/dev/null || need_pkgs+=(redis-server)
command -v openssl >/dev/null || need_pkgs+=(openssl)
# The browser tests drive Debian's chromium (Playwright cannot download its own).
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${need_pkgs[*]} (run as root, or: sudo apt-get install ${need_pkgs[*]})"
    exit 1
  fi
  log "installing ${need_pkgs[*]}"
  apt-get update -qq
  # The packages' own services are not wanted: the harness starts its own.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  systemctl disable --now redis-server >/dev/null 2>&1 || true
  service redis-server stop >/dev/null 2>&1 || true
fi

pyver=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
# Keyed on what the venv installs (build system and dependencies), so that
# editing tool settings in pyproject.toml does not rebuild it.
key=$("$PYTHON" - <<'PY'
import hashlib, json, tomllib
p = tomllib.load(open("pyproject.toml", "rb"))
deps = [p["build-system"], p["project"]["dependencies"], p["project"]["optional-dependencies"]]
print(hashlib.sha256(json.dumps(deps, sort_keys=True).encode()).hexdigest()[:16])
PY
)
VENV="$CACHE/venv/py$pyver-$key"
if [ ! -f "$VENV/.complete" ]; then
  log "creating virtualenv $VENV"
  rm -rf "$VENV"
  mkdir -p "$CACHE/venv"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -e ".[operator,backend,etl,ai,dev]"
  touch "$VENV/.complete"
fi
# The editable install points at whichever checkout created the venv; the
# Makefile and tests/conftest.py put this checkout's folders first on
# PYTHONPATH, so several checkouts share one venv without re-installing.
ln -sfn "$VENV" .venv

# The frontend's node modules: `npm ci` once per lock file (and Node version)
# into the cache, linked into services/frontend.
FRONTEND=services/frontend
command -v npm >/dev/null || { log "node and npm (Node >= 20.19) are required for the frontend"; exit 1; }
lock_key=$(cat "$FRONTEND/package-lock.json" | sha256sum | cut -c1-16)
NODE_DIR="$CACHE/node/$(node --version)-$lock_key"
if [ ! -f "$NODE_DIR/.complete" ]; then
  log "installing the frontend's node modules into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$FRONTEND/package.json" "$FRONTEND/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$NODE_DIR/.complete"
fi
# A checkout's own node_modules (from a manual `npm install`) gives way to the cached one.
[ -d "$FRONTEND/node_modules" ] && [ ! -L "$FRONTEND/node_modules" ] && rm -rf "$FRONTEND/node_modules"
ln -sfn "$NODE_DIR/node_modules" "$FRONTEND/node_modules"

hack/build-binaries.sh >/dev/null
