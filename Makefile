# Two commands: `make run` and `make test`. Both set up .venv first.

PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
# make run serves the demo on SQLite in debug mode, webhooks open.
DEV_ENV := DJANGO_DEBUG=1
PORT ?= 8000
# Where runserver listens, and so the admin address make run prints.
ADDRESS := 127.0.0.1:$(PORT)

.PHONY: install run test lint format check bench

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py ivr_import examples/demo.yaml --if-empty
	$(DEV_ENV) $(BIN)/python manage.py ivr_admin_login --url http://$(ADDRESS)/admin/
	$(DEV_ENV) $(BIN)/python manage.py runserver $(ADDRESS)

# The suite runs on SQLite, or on the PostgreSQL that DATABASE_URL names.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# The webhook under load beside two references; needs PostgreSQL. Set
# DATABASE_URL to a database it may drop and recreate (default: ivr_bench on
# the local server). BENCH_ARGS: e.g. --requests 8000 --concurrency 1,8,32
bench: install
	$(BIN)/python -u -m benchmarks.run $(BENCH_ARGS)
