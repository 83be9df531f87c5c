# Fieldbook — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install install-test assets lint clean ci

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

run: install assets
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py seed_demo
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install-test assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles .stamp-* fieldbook.sqlite3

ci:
	bash .ci/run
