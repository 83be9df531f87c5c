# syntax=docker/dockerfile:1
# Fieldbook's production image: gunicorn (web), Celery worker and celery beat all run from it.
# docker-compose.yml shows how the three are wired to PostgreSQL and Redis.

# --- Stage 1: the NHS.UK styles and assets (static/dist/), built with npm and sass. -------------
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY scripts/build-assets.sh scripts/
COPY static/ static/
RUN sh scripts/build-assets.sh

# --- Stage 2: the Python application. ------------------------------------------------------------
FROM python:3.11-slim AS app

# PYTHONPATH: the code runs from /app, whatever the working directory of the command.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# WeasyPrint renders the learning-summary PDFs (in the worker) with Pango and HarfBuzz.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz-subset0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when pyproject.toml or the lock changes.
# Only the project metadata is copied, so `pip install .` installs the pinned dependencies and an
# empty "fieldbook" distribution: the code itself runs from /app, which settings need as BASE_DIR
# (templates/ and static/ sit next to the packages).
COPY pyproject.toml requirements.lock README.md ./
RUN pip install -c requirements.lock .

# The rest of the project (.dockerignore keeps out .venv, node_modules, .git, local databases and
# build output), then the built assets from stage 1.
COPY . .
COPY --from=assets /build/static/dist/ static/dist/

# Hashed, compressed static files for WhiteNoise. The key only lets settings load for this one
# command: it is not in the image's environment and is never used at run time.
RUN DEBUG=false \
    SECRET_KEY=collectstatic-build-only-key-never-used-at-run-time \
    FIELDBOOK_NOTES_KEYS=YnVpbGQtb25seS1rZXktbmV2ZXItdXNlZC1hdC1ydW4= \
    python manage.py collectstatic --no-input

# Run as an unprivileged user. celery beat keeps its schedule file in /var/lib/fieldbook/beat
# (a named volume in docker-compose.yml; a new volume copies this directory's owner).
RUN useradd --create-home --uid 10001 fieldbook \
    && mkdir -p /var/lib/fieldbook/beat /srv/static \
    && chown fieldbook /var/lib/fieldbook/beat /srv/static
USER fieldbook

EXPOSE 8000
# gunicorn.conf.py (in /app, the working directory) sets workers, threads and timeouts. Run it
# behind the buffering proxy in deploy/nginx/, as docker-compose.yml does.
CMD ["gunicorn", "fieldbook.wsgi"]
