# Quick start: `make run` serves the demo county on http://127.0.0.1:8000,
# `make test` runs the whole suite. Both create .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench-clean setup

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Kepu needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages -v0 --ignore=.venv; \
	else echo "gettext not installed: using the compiled translations in the repository"; fi
	$(BIN)/python manage.py seed_demo

run: setup
	@$(BIN)/python manage.py demo_logins
	@echo "Start at the organizer's desk (above). Ctrl-C stops web, worker and beat."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: $(STAMP)
	$(BIN)/pytest

# The checks CI runs before the tests (.ci/run): lint, formatting, and types (mypy with the Django and DRF stubs,
# configured in pyproject.toml). Any finding fails it.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
