# The two commands a newcomer needs: `make run` and `make test`. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
export TEST_DATABASE_URL

.PHONY: run test check install install-test translations compile-translations extract-translations lint bench lighthouse clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed compile-translations
install-test: $(VENV)/.installed-test compile-translations

compile-translations: | $(BIN)/python
	@$(BIN)/pybabel compile --statistics -d eventapp/translations | grep -v "^compiling" || true

## Serve the app with demo data on SQLite at http://127.0.0.1:$(PORT) (make run PORT=5001 for another port),
## with an outbox worker delivering the emails to the development mailbox and the opinion-map worker
# FLASK_RUN_PORT is flask run's port, and config.py builds every development link from it.
# The outbox worker delivers to /dev/mailbox/ as production's sends; it stops with the server (Ctrl-C,
# or the server failing): a background job ignores SIGINT, so the trap ends it.
run: export FLASK_RUN_PORT = $(PORT)
run:
	@$(PYTHON) scripts/port_free.py $(PORT)
	@$(MAKE) --no-print-directory install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask outbox send --loop --interval 1 & worker=$$!; \
	OPENBLAS_NUM_THREADS=1 $(BIN)/flask participation opinions-worker --loop & opinions=$$!; \
	trap 'kill $$worker $$opinions 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1

## Run the checks and the whole test suite (browser tests need Chromium; PostgreSQL tests need TEST_POSTGRES_URL)
test: install-test check
	@test -z "$(TEST_DATABASE_URL)" || echo "== database: $(TEST_DATABASE_URL)"
	$(BIN)/pytest $(PYTEST_ARGS)

# `make test FORMAT_CHECK=` skips the format check (e.g. while merging branches not yet formatted).
FORMAT_CHECK ?= $(BIN)/ruff format --check .

## The static checks: lint, format, layers (import-linter, see pyproject.toml) and types (mypy)
check: install-test
	$(BIN)/ruff check .
	$(FORMAT_CHECK)
	$(BIN)/lint-imports
	$(BIN)/mypy

## Re-extract gettext strings, merge them into the catalogs and fill them from translations/sources/*.json
translations: | $(BIN)/python
	$(BIN)/pybabel extract --ignore-dirs=".* __pycache__" -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 --no-location --sort-output -o eventapp/translations/messages.pot .
	$(BIN)/pybabel update -N --no-wrap --ignore-obsolete -i eventapp/translations/messages.pot -d eventapp/translations
	$(BIN)/python scripts/translate.py eventapp/translations/sources/*.json

lint: install-test
	$(BIN)/ruff check .

bench: install-test
	$(BIN)/python bench/run.py

## Lighthouse on every public page in FR/NL/EN (needs node/npm and Chromium): bench/results/lighthouse.md
lighthouse: install-test
	@test -x .lighthouse/node_modules/.bin/lighthouse || npm install --prefix .lighthouse --no-save -E lighthouse@12.2.3
	$(BIN)/python scripts/lighthouse.py

clean:
	rm -rf $(VENV) instance/*.db
