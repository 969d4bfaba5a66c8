# Layanan Desa over Telegram. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
BENCH_STAMP := $(VENV)/.bench-installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: help install run test test-fast lint bench deploy-config clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv with the pinned dependencies

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Python 3.11 or newer is needed: install it, or name it with make PYTHON=python3.12 ..."; \
	  exit 1; }
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || tools/apt-install python3-venv
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

run: install ## the whole system on the embedded defaults (SQLite, a private RabbitMQ, the simulator)
	$(PY) -m tools.run

# The servers' tests mostly wait on processes, so two pytest workers (each with its own servers)
# take about two thirds of one; the tests against the clock then run alone, undisturbed.
TEST_WORKERS ?= 2

test: install ## the whole test suite (starts its own servers), and how long it took
	@start=$$(date +%s); $(PY) -m pytest -n $(TEST_WORKERS) -m "not timing" \
	  && $(PY) -m pytest -m timing; status=$$?; \
	  echo "test: $$(( $$(date +%s) - start )) s"; exit $$status

NO_SERVER := not broker and not mariadb and not postgres and not opensid and not browser and not slow

test-fast: install ## every test that needs no server (about a minute), and how long it took
	@start=$$(date +%s); $(PY) -m pytest -n auto -m "$(NO_SERVER)"; status=$$?; \
	  echo "test-fast: $$(( $$(date +%s) - start )) s"; exit $$status

lint: install ## ruff
	$(VENV)/bin/ruff check .

bench: $(BENCH_STAMP) ## the benchmarks (about 6 min): bench/results/, the table in docs/PERFORMANCE.md
	$(PY) -m bench all

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	rm -f $(VENV)/.bench-installed-* && touch $@

deploy-config: install ## deploy/.env (secrets) and the broker's definitions for docker compose: docs/OPERATIONS.md
	$(PY) -m tools.deploy_config

clean: ## remove .run/ (the demo data, logs and broker state)
	rm -rf .run
