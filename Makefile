# Báo cáo tinh giản biên chế — make help lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
# the sample `make run` and `make demo` load into an empty database: 2024 (the sample city) or 2026
SAMPLE ?= 2024
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.DEFAULT_GOAL := help
.PHONY: help install install-dev browser run serve worker migrate demo sample sample-2026 templates test test-fast lint format bench clean

help: ## list every target
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(PY):
	@$(PYTHON) -m venv $(VENV) || { echo "Không tạo được .venv: cài python3-venv (sudo apt-get install python3-venv) rồi chạy lại."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt constraints.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	@touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	@touch $@

install: $(STAMP) ## create .venv and install the pinned dependencies

install-dev: $(DEV_STAMP) ## install, plus test and lint tools

migrate: install ## create or upgrade the database schema (DATABASE_URL or data/tgbc.sqlite3)
	$(PY) -m etl migrate

demo: migrate ## load the sample returns into the database if it is empty (SAMPLE=2026: the merged city)
	$(PY) -m etl demo --if-empty --set $(SAMPLE)

browser: install ## make a Chromium and fonts available for chart exports, where possible
	@if $(PY) -c "from reporting.render import find_browser; raise SystemExit(0 if find_browser() else 1)"; then \
	  echo "Chromium: có sẵn."; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation2 fonts-noto-core fonts-dejavu-core || true; \
	else \
	  $(VENV)/bin/plotly_get_chrome -y >/dev/null 2>&1 || echo "Chưa có Chromium: xuất biểu đồ PNG/PDF sẽ báo cần cài (sudo apt-get install chromium); ứng dụng vẫn chạy."; \
	fi

run: demo browser ## set everything up and start the app on http://127.0.0.1:8050
	$(PY) app.py

serve: migrate ## run under gunicorn: WEB_CONCURRENCY workers (default 2) on HOST:PORT, DATABASE_URL
	$(VENV)/bin/gunicorn -c gunicorn.conf.py 'app:create_server()'

worker: migrate ## start a Celery worker for background jobs (needs REDIS_URL, same DATABASE_URL, DATA_DIR)
	@[ -n "$$REDIS_URL" ] || { echo "Cần REDIS_URL (ví dụ export REDIS_URL=redis://127.0.0.1:6379/0) để chạy Celery worker."; exit 1; }
	$(VENV)/bin/celery -A app:celery_app worker --loglevel=INFO

sample: install ## regenerate the sample returns in data/sample from devdata/sample.py
	$(PY) -m etl sample --out data/sample

sample-2026: install ## regenerate the second sample (the merged city, 2021-2026) in data/sample_2026
	$(PY) -m etl sample --set 2026 --out data/sample_2026

templates: install ## write the blank forms (Biểu 00-03) to data/templates
	@mkdir -p data/templates
	@for f in 00 01 02 03; do $(PY) -m etl template $$f --out data/templates/Bieu_$$f.xlsx; done

lint: install-dev ## ruff lint and format check, and the layer contracts (lint-imports)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install-dev ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint ## lint, then run the tests (PostgreSQL too when TEST_DATABASE_URL is set)
	$(PY) -m pytest -q

test-fast: install-dev ## ruff check and the layer contracts, then the tests that start no other program
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -m "not slow"

# the national set's provinces (34: the goals' size; e.g. `make bench BENCH_PROVINCES=4` for a quick look)
BENCH_PROVINCES ?= 34

bench: install-dev ## run the benchmarks (city and national scale; PostgreSQL too with TEST_DATABASE_URL), write bench/results.json
	$(PY) bench/bench_readers.py
	$(PY) bench/bench_callbacks.py
	$(PY) bench/bench_exports.py
	$(PY) bench/bench_scale.py --provinces $(BENCH_PROVINCES) $${TEST_DATABASE_URL:+--postgres}

clean: ## remove the virtual environment, caches and the local database
	rm -rf $(VENV) .pytest_cache .ruff_cache data/tgbc.sqlite3* data/uploads
