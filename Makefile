# claimflow — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench state soak scrub-sample schemas clean help

help:
	@echo "make demo    - embedded broker + worker + simulator, then a summary"
	@echo "make test    - the whole test suite (starts its own embedded broker)"
	@echo "make lint    - ruff + mypy"
	@echo "make bench   - benchmarks: scrub engine alone, the CMS tables at full size, X12 ingest, end to end through the broker, state at scale (STATE_CLAIMS), then the soak"
	@echo "make state   - the state-at-scale benchmark alone (STATE_CLAIMS, default 1000000: about 45 minutes)"
	@echo "make soak    - the soak run alone (SOAK_EVENTS, default 1000000: about 20 minutes)"
	@echo "make schemas - regenerate schemas/json from the pydantic contracts"

PYVER  := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)

# a .venv without pip (Debian without python3-venv) or of another Python than $(PYTHON) is made again
$(STAMP): pyproject.toml
	@$(PY) -c 'import pip, sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(PYVER)")' 2>/dev/null || { \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) || { \
	    echo "cannot make a virtualenv with $(PYTHON): it needs Python >= 3.11 and venv (Debian: apt-get install python3-venv)"; exit 1; }; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# DEMO_ARGS: the demo's options, e.g. make demo DEMO_ARGS="--claims 500 --seed 3 --follow"
demo: $(STAMP)
	$(VENV)/bin/claimflow demo $(DEMO_ARGS)

# test processes (pytest-xdist), each with its own embedded broker; whole files stay together.
# The broker tests mostly wait on worker processes, so two halve the time on 2 cores.
# TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy schemas streams bench

SOAK_EVENTS ?= 1000000
# a year of claims in the tables (bench/state.py): recovery, restart, takeover, scale-out
STATE_CLAIMS ?= 1000000
# e.g. E2E_ARGS="--baseline ../old-checkout --rounds 5" (bench/e2e.py --help)
E2E_ARGS ?=

bench: $(STAMP)
	$(PY) -m bench.scrub_engine
	$(PY) -m bench.cms_tables
	$(PY) -m bench.x12
	$(PY) -m bench.e2e --profile --profile-whole $(E2E_ARGS)
	$(PY) -m bench.state --claims $(STATE_CLAIMS)
	$(PY) -m bench.soak --events $(SOAK_EVENTS)

state: $(STAMP)
	$(PY) -m bench.state --claims $(STATE_CLAIMS)

soak: $(STAMP)
	$(PY) -m bench.soak --events $(SOAK_EVENTS)

schemas: $(STAMP)
	$(VENV)/bin/claimflow schemas export schemas/json

scrub-sample: $(STAMP)
	$(VENV)/bin/claimflow scrub tests/data/claims.jsonl --encounters tests/data/encounters.jsonl --as-of 2026-03-01

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
