# Two commands do everything on a fresh machine (Python 3.11 + make + the package index):
#   make run    set up, then extract seeds/ into criteria tables under out/
#   make test   set up, then run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "trialnlp needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: setup
	$(BIN)/trialnlp extract seeds/ -o out/
	$(BIN)/trialnlp extract seeds/ -o out/criteria.xlsx --quiet

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check trialnlp tests

clean:
	rm -rf out build dist *.egg-info .pytest_cache .hypothesis
