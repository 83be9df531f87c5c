# Fieldbook — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install install-test assets lint clean ci bench backup restore

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are stamped so repeated `make run` starts fast; editing pyproject or the lock reinstalls.
.stamp-install: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	touch $@

.stamp-install-test: .stamp-install
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

.stamp-npm: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/fieldbook.css: .stamp-npm $(wildcard static/src/*.scss) scripts/build-assets.sh
	sh scripts/build-assets.sh

install: .stamp-install
install-test: .stamp-install-test
assets: static/dist/fieldbook.css

# The demo's private notes are sealed under a key made once for this checkout (.notes-key, mode
# 0600, git-ignored; README "Confidentiality"). An environment that sets FIELDBOOK_NOTES_KEYS or
# FIELDBOOK_NOTES_KEYS_FILE itself keeps its own.
NOTES_KEY_FILE := .notes-key
FIELDBOOK_NOTES_KEYS_FILE ?= $(if $(FIELDBOOK_NOTES_KEYS),,$(CURDIR)/$(NOTES_KEY_FILE))
DEMO_ENV := DEBUG=true FIELDBOOK_NOTES_KEYS_FILE=$(FIELDBOOK_NOTES_KEYS_FILE)

$(NOTES_KEY_FILE): | .stamp-install
	@umask 077 && $(BIN)/python -m fieldbook.sealing > $@.tmp && mv $@.tmp $@
	@echo "make: made a local notes key in $@ (keep it: the demo's notes open only with it)"

run: install assets $(NOTES_KEY_FILE)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py check_notes_key
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The suite runs on TEST_WORKERS processes (pytest-xdist; "auto" is one per core, 0 runs it in
# this process alone): each has its own test database, live server and Celery queue.
TEST_WORKERS ?= auto

test: install-test assets
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# mypy reads its packages and django-stubs settings from pyproject.toml ([tool.mypy]).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/djlint templates --lint
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles .stamp-* fieldbook.sqlite3
	@echo "make clean: kept $(NOTES_KEY_FILE) (the demo's notes open only with it)"

ci:
	bash .ci/run

# Performance at national scale (bench/README.md): PostgreSQL at 127.0.0.1:5432, databases
# fb_bench_10k and fb_bench_100k (BENCH_FULL=1 adds fb_bench_1m), kept and reused between runs.
bench: install assets
	$(BIN)/python bench/run.py

# Backups of the PostgreSQL database in $DATABASE_URL (README "Backups"). pg_dump's custom
# format is compressed and restores selectively; the password in the URL is never echoed.
#   make backup                          -> backups/fieldbook-<UTC time>.dump
#   make restore FILE=backups/<name>.dump   (replaces what is in $DATABASE_URL)
BACKUP_DIR ?= backups

define require_postgres
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
	  *) echo "make $@: set DATABASE_URL to a PostgreSQL database (postgres://...)" >&2; exit 2;; \
	esac
endef

# Dumps hold the notes sealed (ciphertext), never the key: back FIELDBOOK_NOTES_KEYS up apart.
# The folder is 0700 and each dump 0600 (umask 077): readable by the operator alone.
backup:
	$(require_postgres)
	@umask 077; mkdir -p "$(BACKUP_DIR)" && chmod 700 "$(BACKUP_DIR)"
	@umask 077; file="$(BACKUP_DIR)/fieldbook-$$(date -u +%Y%m%dT%H%M%SZ).dump"; \
	  pg_dump --format=custom --no-owner --no-privileges --file="$$file" "$$DATABASE_URL" \
	  && chmod 600 "$$file" && echo "make backup: wrote $$file"

restore:
	$(require_postgres)
	@test -n "$(FILE)" || { echo "make restore: say which dump, FILE=backups/<name>.dump" >&2; exit 2; }
	@test -r "$(FILE)" || { echo "make restore: cannot read $(FILE)" >&2; exit 2; }
	@pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error \
	  --single-transaction --dbname="$$DATABASE_URL" "$(FILE)" \
	  && echo "make restore: restored $(FILE)"
