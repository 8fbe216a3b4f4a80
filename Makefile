# Beacon: `make run` serves the app with the embedded default; `make test` runs the whole suite.
# Both set up what they need on a fresh machine first; a second run reuses what is installed.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
BUN_VERSION := 1.4.4
ENV := source scripts/env.sh
PORT ?= 3000
# Loopback only: the demo accounts' passwords are published. Another address (HOST=0.0.0.0)
# is refused while a demo account still has its demo password (app/setup/startup_guard.py).
HOST ?= 127.0.0.1

# The scale-out form: local PostgreSQL and Redis, several backend workers.
SCALED_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/beacon
SCALED_REDIS_URL ?= redis://127.0.0.1:6379
SCALED_WORKERS ?= 3

.PHONY: setup python-deps bun chromium deploy-tools axe run run-scaled worker lint test test-unit two-hosts bench bench-scaled db clean

setup: python-deps bun

python-deps: .venv/.installed
.venv/.installed: pyproject.toml
	test -x .venv/bin/python || $(PYTHON) -m venv .venv
	.venv/bin/pip install --quiet --upgrade pip
	.venv/bin/pip install --quiet -e '.[test]'
	touch $@

bun: .tools/.bun-$(BUN_VERSION)
.tools/.bun-$(BUN_VERSION):
	mkdir -p .tools
	npm install --silent --no-audit --no-fund --prefix .tools bun@$(BUN_VERSION)
	.tools/node_modules/.bin/bun --version >/dev/null
	touch $@

chromium:
	command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# nginx, Caddy and systemd-analyze (Debian's), for tests/unit/test_deploy_guide.py: `nginx -t`,
# `caddy validate` and `systemd-analyze verify` check deploy/'s files (installed only, never
# started: the packages' own services are stopped where systemd runs).
deploy-tools:
	{ command -v caddy && command -v systemd-analyze && command -v openssl && { command -v nginx || test -x /usr/sbin/nginx; }; } >/dev/null || {
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light caddy openssl systemd;
	  if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then systemctl disable --now nginx caddy || true; fi; }

# axe-core, the accessibility checker the browser tests load into each page (version pinned in
# tests/e2e/package.json and its lock).
axe: tests/e2e/node_modules/axe-core/axe.min.js
tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --silent --no-audit --no-fund --prefix tests/e2e
	touch $@

db: setup
	$(ENV)
	beacon db upgrade
	beacon seed demo

run: db
	$(ENV)
	python -m app.setup.startup_guard --host '$(HOST)'
	exec reflex run --env prod --backend-host '$(HOST)' --frontend-port $(PORT) --backend-port $(PORT)

# The task worker (run it beside `make run`, in another terminal): AI agents' tasks flow live.
worker: db
	$(ENV)
	exec beacon worker

# Migrations and the demo seed run once here, before the workers start (not in each worker).
run-scaled: setup
	$(ENV)
	export BEACON_DATABASE_URL='$(SCALED_DATABASE_URL)' REFLEX_REDIS_URL='$(SCALED_REDIS_URL)' GRANIAN_WORKERS=$(SCALED_WORKERS)
	beacon db upgrade --create
	beacon seed demo
	python -m app.setup.startup_guard --host '$(HOST)'
	exec reflex run --env prod --backend-host '$(HOST)' --frontend-port $(PORT) --backend-port $(PORT)

# Lint and types are part of the build (configured in pyproject.toml): ruff over the whole tree,
# mypy over app/ (strict on rules/, views/ and feed/). Either failing stops `make test`.
lint: setup
	$(ENV)
	ruff check .
	mypy

test: setup chromium deploy-tools axe lint
	$(ENV)
	exec python -m pytest $(PYTEST_ARGS)

test-unit: setup
	$(ENV)
	exec python -m pytest tests/unit $(PYTEST_ARGS)

# Two hosts, for real (as root: network namespaces of the test's own, a private PostgreSQL and
# Redis on a third; docs/operations.md "Two hosts"). Part of `make test` too.
two-hosts: setup
	$(ENV)
	exec python -m pytest tests/hosts/test_two_hosts.py $(PYTEST_ARGS)

bench: setup chromium
	$(ENV)
	python bench/latency.py
	python bench/task_latency.py
	python bench/presence.py
	python bench/sqlite_wake.py
	python bench/contacts_scale.py
	python bench/maintenance_latency.py

# Benchmarks of the scale-out form (local PostgreSQL and Redis): fan-out, idle cost, burst, a
# large tenant on PostgreSQL.
bench-scaled: setup
	$(ENV)
	python bench/fanout.py
	python bench/idle_cost.py
	python bench/burst.py
	python bench/contacts_scale.py --database postgres

clean:
	rm -rf .web .states .cache data
