# Pulse: every command a developer needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# make test's pytest-xdist workers, each with a test world of its own. 2: one
# per core; the suite waits on its servers about half the time, so two
# workers finish in a bit over half the wall time of one (README, Testing).
# 0 = one process.
TEST_WORKERS ?= 2
# This checkout's code comes first, whatever checkout the shared cached venv
# was installed from (git worktrees share one venv).
export PYTHONPATH := $(CURDIR)/hack:$(CURDIR)/operator:$(CURDIR)/services/backend:$(CURDIR)/services/etl:$(CURDIR)/services/common

.PHONY: help bootstrap binaries lint fmt test test-only dev clean-cache kind-up kind-down

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

bootstrap: ## install Debian packages, the cached virtualenv and the control-plane binaries
	@hack/bootstrap.sh

binaries: ## build (once) and print the folder of etcd, kube-apiserver, kube-controller-manager, kubectl, helm
	@hack/build-binaries.sh

# mypy's cache lives beside the virtualenv it was made with (same key), not in
# the checkout, so a fresh clone (CI) starts warm: mypy re-hashes a file whose
# mtime differs and re-checks it (and its dependents) only if its content
# changed. flock: checkouts sharing the cache take turns. ruff's cache is
# keyed by each file's mtime and the checkout's path, so it cannot help a
# fresh clone, and ruff takes under a second without it.
MYPY_CACHE = $(or $(PULSE_CACHE),$(HOME)/.cache/pulse)/lint/mypy-$(notdir $(realpath $(VENV)))

lint: ## ruff and mypy --strict (after one make bootstrap)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@mkdir -p $(MYPY_CACHE)
	MYPY_CACHE_DIR=$(MYPY_CACHE) flock $(MYPY_CACHE).lock $(VENV)/bin/mypy

fmt: bootstrap ## format and auto-fix with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: bootstrap lint ## install everything, lint, start the test world(s), run every test, stop them
	OPENBLAS_NUM_THREADS=1 $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

test-only: ## run the tests without bootstrap/lint (PYTEST_ARGS="tests/smoke -k redis")
	OPENBLAS_NUM_THREADS=1 $(VENV)/bin/pytest $(PYTEST_ARGS)

dev: bootstrap ## the whole platform locally (world, operator, example tenants, their ETL, local Jira/GitHub, backend, web app) until Ctrl-C
	$(PY) -m pulse_testworld up --platform --state-file .dev-world.json

kind-up: ## run Pulse on a local kind cluster (needs Docker, kind, helm, kubectl; see hack/kind.sh)
	hack/kind.sh up

kind-down: ## delete the kind cluster
	hack/kind.sh down

clean-cache: ## forget the cached virtualenv and binaries ($$PULSE_CACHE, default ~/.cache/pulse)
	rm -rf "$${PULSE_CACHE:-$$HOME/.cache/pulse}" $(VENV)
