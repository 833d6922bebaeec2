# The two commands in the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# Two test processes, one per core (pytest-xdist), each with its own test database.
PYTEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help run test install system-deps migrate seed check-ledger lint messages worker bench bench-quick clean

help:
	@echo "make run    set everything up and serve the demo on http://$(HOST):$(PORT)/"
	@echo "make test   run the whole test suite"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: system-deps $(VENV)/.installed

system-deps:
	@scripts/system-deps.sh

migrate: install
	$(PY) manage.py migrate --no-input -v 0

seed: migrate
	$(PY) manage.py roles_sync
	$(PY) manage.py seed_receipts
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_site

run: seed
	@echo ""
	@echo "  Public site:  http://$(HOST):$(PORT)/   (English: /en/, give: /cpf/ung-ho/)"
	@echo "  Admin:        http://$(HOST):$(PORT)/admin/   (demo login: admin / chungtay-demo)"
	@echo "                code for the second step: $(PY) manage.py demo_otp_code admin"
	@echo "                (or key CHUN GTAY DEMO SECR ETFO RSTA FFLO GIN2 in an authenticator app)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

# Tests read back what users get: QR codes with zbar, receipt PDFs with poppler (pdftotext).
TEST_DEB_PACKAGES := zbar-tools chromium poppler-utils

# axe-core for the accessibility audit (tests/e2e/test_axe.py), pinned by its package-lock.json.
AXE_DIR := tests/e2e/axe

$(AXE_DIR)/node_modules/.installed: $(AXE_DIR)/package-lock.json
	@command -v npm >/dev/null || scripts/system-deps.sh nodejs npm
	npm ci --prefix $(AXE_DIR) --no-audit --no-fund --silent
	touch $@

# pytest exits 5 when it collected nothing: say so, and fail.
test: install $(AXE_DIR)/node_modules/.installed
	@scripts/system-deps.sh $(TEST_DEB_PACKAGES)
	@$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests ran" >&2; fi; exit $$rc

check-ledger: install
	$(PY) manage.py check_ledger

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache  # the arrows (pyproject.toml); the whole graph takes 0.3 s, no cache needed
	$(PY) manage.py makemigrations --check --dry-run

# Translations: gather new strings into locale/<lang>/LC_MESSAGES/django.po (existing
# translations are kept), then compile the .mo files, including the supplement for Wagtail's
# admin in locale_wagtail/ (hand-kept, see docs/decisions/0016). Commit both.
messages: install
	@scripts/system-deps.sh gettext
	$(PY) manage.py makemessages --no-obsolete -l vi -l ar -i ".venv/*" -i "static/*" -i "tests/*" -i "bench/*" -i ".local/*"
	$(PY) manage.py compilemessages -i ".venv/*"

worker: install
	DJANGO_SETTINGS_MODULE=config.settings.dev $(VENV)/bin/celery -A config worker --loglevel=INFO

# Benchmarks, one table of figures against baselines measured in the same run (docs/performance.md):
# `make bench` at full scale (minutes), `make bench-quick` the same in under two minutes.
# Select with BENCH_ARGS="--only web,receipts". wrk loads the web benchmark (127.0.0.1 only);
# pdfinfo counts receipt pages.
BENCH_DEB_PACKAGES := wrk poppler-utils
BENCH_ARGS ?=

bench: install
	@scripts/system-deps.sh $(BENCH_DEB_PACKAGES)
	$(PY) -m bench $(BENCH_ARGS)

bench-quick: install
	@scripts/system-deps.sh $(BENCH_DEB_PACKAGES)
	$(PY) -m bench --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .local static .pytest_cache .ruff_cache $(AXE_DIR)/node_modules
