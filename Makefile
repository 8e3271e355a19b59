# regsync: `make demo` and `make test` are all a fresh machine needs (README, Quick start).
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYTHON  ?= python3
# Debian packages: Pango for WeasyPrint, poppler-utils (pdftotext, pdftoppm) for checking PDFs.
DEBS    := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils

.PHONY: demo test test-quick lint bench system-deps clean

demo: $(STAMP)
	$(BIN)/regsync demo

# Every test. PostgreSQL's run when REGSYNC_TEST_DATABASE_URL names a server or one answers on 127.0.0.1:5432.
test: $(STAMP)
	$(BIN)/pytest

# Without the slow tests (real service processes, email, the wheel built and installed): a minute or two.
test-quick: $(STAMP)
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_tables.py
	$(BIN)/python bench/bench_outcomes.py
	$(BIN)/python bench/bench_mmrm.py
	$(BIN)/python bench/bench_dsmb.py
	$(BIN)/python bench/bench_nightly.py
	$(BIN)/python bench/bench_registry.py
	$(BIN)/python bench/bench_editions.py
	$(BIN)/python bench/bench_labs.py
	$(BIN)/python bench/bench_lab_tables.py

$(STAMP): requirements.lock pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "regsync needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

system-deps:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

clean:
	rm -rf $(VENV) var out bench/data
