# The two commands: `make run` (set up, then run the bot) and `make test` (set up, then run the tests).
# Needs only Python 3.11+; everything else is installed into .venv from PyPI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup check clean

run: $(STAMP)
	@test -f .env || { echo "No .env yet: copy .env.example to .env and fill it in (README, 'Create the Slack app')."; exit 2; }
	$(BIN)/partnerbot run

# pytest exits 5 when it collects nothing; that is a failure here, like any other non-zero exit.
test: $(STAMP)
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/partnerbot check

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) *.egg-info
