# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make run    install, migrate, load demo data (if the database is empty), serve on 127.0.0.1:5000
#   make test   install, lint, run the whole test suite (unit, integration, browser), then the
#               date-dependent tests again with the clock moved 40 and 400 days ahead
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test lint suite suite-shifted system-packages requirements messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The pinned and hashed dependencies, then the project itself: editable, so `import app` works
# from anywhere while templates/, static/ and migrations/ are still found beside app/ (pyproject.toml).
$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# requirements-dev.txt holds the runtime set too, at the same versions.
$(VENV)/.dev: requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@ $(VENV)/.runtime

# Compile requirements.in and requirements-dev.in into the pinned, hashed requirements.txt and
# requirements-dev.txt, with pip-tools in a venv of its own. Pins already in the .txt files are
# kept while they still fit; to move one: make requirements UPGRADE="--upgrade-package flask"
# (or UPGRADE=--upgrade for all). The dev set is constrained to the runtime pins.
PIP_TOOLS_VENV := .venv-pip-tools
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make requirements" $(PIP_TOOLS_VENV)/bin/pip-compile -q \
    --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links $(UPGRADE)

$(PIP_TOOLS_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(PIP_TOOLS_VENV)
	$(PIP_TOOLS_VENV)/bin/pip install -q pip-tools==7.6.2

requirements: $(PIP_TOOLS_VENV)/bin/pip-compile
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

# The translation catalogs (app/translations/<locale>/LC_MESSAGES/messages.po) are the source; their compiled
# .mo files are built here, never committed (git-ignored), so a fresh clone's `make run` and `make test` build them.
# `make messages` extracts every marked string (babel.cfg) into messages.pot and updates each catalog with it:
# then translate the new or fuzzy entries in each .po (tests/unit/test_catalogs.py fails until none is missing).
# A new language: $(BIN)/pybabel init -i app/translations/messages.pot -d app/translations -l <code>,
# then add it to LOCALES in app/i18n.py.
TRANSLATIONS := app/translations
# Babel skips folders starting with _ unless told which to skip: templates/_partials holds strings too.
IGNORED_DIRS := .* node_modules __pycache__
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.runtime
	$(BIN)/pybabel -q compile -l $* -i $< -o $@

messages: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_ngettext:1,2 -k pgettext_l:1c,2 --no-location --sort-output --width=120 \
	    --ignore-dirs='$(IGNORED_DIRS)' \
	    --project=Peerdesk --msgid-bugs-address= -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --width=120 --ignore-obsolete
	$(MAKE) --no-print-directory $(MO_FILES)

run: $(VENV)/.runtime $(MO_FILES)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask search catch-up
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Debian's packages the tests need: Chromium for the browser tests (Playwright cannot download its own
# browser here), npm for axe-core, and libfaketime for the runs with the clock moved.
system-packages:
	@missing=; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v faketime >/dev/null 2>&1 || missing="$$missing faketime"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

# axe-core, which the browser tests inject into every page type (tests/e2e/axe.py): the exact version
# in package-lock.json, into node_modules/ (git-ignored); --ignore-scripts: no install scripts run.
node_modules/.package-lock.json: package.json package-lock.json | system-packages
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

PYTEST := $(BIN)/python -m pytest -n 2 -q --durations=15

# The whole suite: unit, integration and browser tests (on PostgreSQL when TEST_POSTGRES_URL is set).
suite: $(VENV)/.dev system-packages node_modules/.package-lock.json $(MO_FILES)
	$(PYTEST)

# The rules that depend on dates again, with the machine's clock 40 and 400 days ahead:
# a date bomb fails the day it is written, not weeks later. Only the wall clock moves: with a
# faked monotonic clock every timed wait in a thread (Event.wait(0.5)) would sleep 400 days.
# tests/faketime/sitecustomize.py mends time.sleep for libfaketime in every Python process.
suite-shifted: $(VENV)/.dev system-packages $(MO_FILES)
	@for shift in +40d +400d; do \
	  echo "== the clock moved $$shift: unit and time-sensitive integration tests"; \
	  PYTHONPATH=tests/faketime FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$$shift" \
	    $(PYTEST) -m time_sensitive tests/unit tests/integration || exit 1; \
	done

test: lint suite suite-shifted
