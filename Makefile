# The two commands: `make run` (set up, then run the bot) and `make test` (set up, then run the tests).
# `make run` without Slack settings (no SLACK_BOT_TOKEN in the environment or .env) starts the playground.
# Needs only Python 3.11+; everything else is installed into .venv from PyPI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The project's own modules compiled ahead, as pip compiles an installed package's: an editable install has no
# bytecode until Python writes some, and where PYTHONDONTWRITEBYTECODE is set it never does, so every start
# compiled ~150 modules again (a fifth of a cold start). Cheap when nothing changed.
COMPILE := $(BIN)/python -m compileall -q bot handlers schedules playground

.PHONY: run test setup check clean bench

run: $(STAMP)
	@$(COMPILE)
	@if [ -n "$$SLACK_BOT_TOKEN" ] || grep -qsE '^[[:space:]]*SLACK_BOT_TOKEN[[:space:]]*=[[:space:]]*[^[:space:]#]' .env; then \
		echo "make run: real Slack mode (Slack settings found); without them, make run opens the playground"; \
		exec $(BIN)/partnerbot run; \
	else \
		echo "make run: playground mode (no Slack settings: no SLACK_BOT_TOKEN in the environment or .env)"; \
		exec $(BIN)/partnerbot playground; \
	fi

# pytest exits 5 when it collects nothing; that is a failure here, like any other non-zero exit.
test: $(STAMP)
	$(BIN)/python -m pytest

# Every measure of issue 12 with its baselines from the same run; BENCH_ARGS="--database-url ... --quick".
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

check: $(STAMP)
	$(BIN)/partnerbot check

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@$(COMPILE)
	@touch $(STAMP)

clean:
	rm -rf $(VENV) *.egg-info
