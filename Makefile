# PRAHO: `make demo` runs it, `make test` tests it. Everything installs into
# .venv from the committed uv.lock; uv itself is bootstrapped into .tools/.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# `make demo PORT=8800`: the port to serve on; links in e-mails (PRAHO_BASE_URL) follow it.
PORT ?= 8700
export PRAHO_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: help install demo serve test lint format worker messages clean

help:
	@echo "make demo      install, migrate SQLite, load demo data, serve http://127.0.0.1:$(PORT)/ (PORT=8700)"
	@echo "make test      run the whole test suite (SQLite; PostgreSQL when DATABASE_URL is set; browser tests need Chromium)"
	@echo "make lint      ruff, ruff format --check, mypy, import contracts (docs/architecture.md), makemigrations --check, catalogs complete"
	@echo "make worker    Celery worker (needs CELERY_BROKER_URL)"
	@echo "make messages  update and compile the en/ro/bg translation catalogs"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.installed

demo: install
	$(MANAGE) migrate --noinput
	$(MANAGE) demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

serve: install
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# Two processes (pytest-xdist), each with its own test database; TEST_WORKERS=0 runs in one.
# TEST_SELECT is a marker expression, e.g. TEST_SELECT="not e2e" leaves out the browser tests.
TEST_WORKERS ?= 2
TEST_SELECT ?=
test: install
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(if $(TEST_SELECT),-m "$(TEST_SELECT)")

lint: install
	$(VENV)/bin/ruff check --output-format concise .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy praho
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=praho.settings.test $(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=praho.settings.test $(MANAGE) messages_check

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	@test -n "$$CELERY_BROKER_URL" || (echo "Set CELERY_BROKER_URL (redis://... or amqp://...)"; exit 1)
	$(VENV)/bin/celery -A praho worker --loglevel=INFO

messages: install
	$(MANAGE) makemessages -l en -l ro -l bg --ignore=.venv --ignore=.tools --ignore=staticfiles --ignore=bench --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv --ignore=.tools

clean:
	rm -rf $(VENV) .tools staticfiles .pytest_cache .mypy_cache .ruff_cache
