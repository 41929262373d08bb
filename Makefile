# The two commands of the README, and their parts.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test install install-test lint bench messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -e .

install-test: $(BIN)/python
	$(BIN)/pip install -e '.[test]'

## Run the archive on its embedded defaults in ./archive-data (http://127.0.0.1:8000).
run: install
	$(BIN)/archive serve

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Install, lint, type-check and run every test.
test: install-test lint
	$(BIN)/pytest

bench: install-test
	$(BIN)/python bench/transcribe.py

WEB = src/archive/web
## Gather the pages' messages into the catalogs and compile them (commit the .mo files too).
messages: install-test
	$(BIN)/pybabel extract -F $(WEB)/babel.cfg --no-location --sort-output -k _ -k gettext \
	  -k ngettext:1,2 -k N_ -o $(WEB)/locale/messages.pot $(WEB)
	$(BIN)/pybabel update -i $(WEB)/locale/messages.pot -d $(WEB)/locale --ignore-obsolete --no-fuzzy-matching -w 100
	$(BIN)/pybabel compile -d $(WEB)/locale --statistics
