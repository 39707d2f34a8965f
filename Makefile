# Developer commands. `make run` and `make test` are the two that matter (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev install-wrk lint format migrate load export worker beat bench attack clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(RUN_STAMP)
install-dev: $(DEV_STAMP)

.env:
	cp .env.example .env

## run: set everything up (virtualenv, packages, database, curated data) and serve on http://127.0.0.1:8000
run: install .env migrate load
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

migrate: install
	$(BIN)/python manage.py migrate --noinput

load: install
	$(BIN)/python manage.py load_her2kb

export: install
	$(BIN)/python manage.py export_her2kb

## test: the whole suite, on PostgreSQL when DATABASE_URL points at one, else SQLite
test: install-dev
	@echo "make test: database = $${DATABASE_URL:-embedded SQLite}, broker = $${REDIS_URL:-none (eager tasks)}"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the direction of imports between rooms (pyproject.toml)

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## worker / beat: real Celery processes (need REDIS_URL)
worker: install
	$(BIN)/celery -A her2kb worker --loglevel=INFO

beat: install
	$(BIN)/celery -A her2kb beat --loglevel=INFO

## bench: scale data + gunicorn (production settings) + wrk; prints a table, writes bench-results/latest.json
bench: install-dev
	@command -v wrk >/dev/null || $(MAKE) --no-print-directory install-wrk
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

## attack: the site with production settings and rates on PostgreSQL + Redis, tried as an attacker; table of tried / failed
attack: install-dev
	$(BIN)/python bench/attack.py

# wrk (Debian's load generator) is a system package: install it with apt when we may, else say how.
install-wrk:
	@echo "make bench: installing Debian's wrk"
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; \
	elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
	  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
	  echo "make bench needs wrk: install it with your OS's package manager (Debian: apt-get install wrk)"; exit 1; \
	fi

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
