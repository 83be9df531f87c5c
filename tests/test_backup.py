"""Backups (issue 7, point 7): ``make backup`` then ``make restore`` into a fresh database gives
back every table with the same number of rows.

On PostgreSQL (CI) the test database itself is backed up, holding the demo world. On SQLite
there is no PostgreSQL database to back up, so the test makes one on the PostgreSQL server at
``FIELDBOOK_TEST_POSTGRES_URL`` (default: the local server, as on every developer machine and in
CI), migrates it and loads the demo world into it first. Either way it is the real commands
against a real server; the databases it makes are dropped afterwards.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

BASE_DIR = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("FIELDBOOK_TEST_POSTGRES_URL",
                            "postgres://postgres@127.0.0.1:5432/postgres")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def django_database_url() -> str:
    """A libpq URL for the database Django is connected to (the test database)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth + '@' if auth else ''}{host}/{db['NAME']}"


def make(target: str, database_url: str, **variables: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        ["make", "--no-print-directory", target, *(f"{k}={v}" for k, v in variables.items())],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    password = urlsplit(database_url).password
    assert password is None or password not in result.stdout + result.stderr
    return result.stdout


def row_counts(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url, autocommit=True) as db:
        tables = [row[0] for row in db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        counts: dict[str, int] = {}
        for table in tables:
            row = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            assert row is not None  # count(*) always has a row
            counts[table] = row[0]
        return counts


@pytest.fixture
def scratch_databases() -> Iterator[Any]:
    """Makes databases on the server (with the rights of ``admin_url``) and drops them after."""
    made: list[tuple[str, str]] = []

    def create(admin_url: str) -> str:
        name = f"fb_backup_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin_url, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        made.append((admin_url, name))
        return with_database(admin_url, name)

    yield create
    for admin_url, name in made:
        with psycopg.connect(admin_url, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def source_database(scratch_databases: Any) -> tuple[str, str]:
    """(URL of the database to back up, URL to administer the server with)."""
    if connection.vendor == "postgresql":
        from demo.seed.seed import demo_seed

        demo_seed(today=timezone.localdate())  # committed: a transactional test
        url = django_database_url()
        return url, with_database(url, "postgres")
    try:
        psycopg.connect(SERVER_URL, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        pytest.fail(f"No PostgreSQL server at {SERVER_URL} to test backups against "
                    f"(set FIELDBOOK_TEST_POSTGRES_URL): {exc}")
    url = scratch_databases(SERVER_URL)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true",
           "DJANGO_SETTINGS_MODULE": "fieldbook.settings"}
    for command in (["migrate", "--no-input"], ["seed_demo"]):
        result = subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env,
                                capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    return url, SERVER_URL


NOTES_CANARY = "CANARY-backup-notes-71c2"


def notes_canary_write(database_url: str) -> None:
    """Every session's notes become the canary, sealed for their author as the app does."""
    from engagements.notes import notes_seal

    with psycopg.connect(database_url, autocommit=True) as db:
        authors = [row[0] for row in db.execute(
            "SELECT DISTINCT notes_author_id FROM engagements_session")]
        for author in authors:
            db.execute("UPDATE engagements_session SET notes_sealed = %s "
                       "WHERE notes_author_id = %s",
                       (notes_seal(f"Worried about the chair. {NOTES_CANARY}", author_id=author),
                        author))


def notes_canary_read(database_url: str) -> int:
    """How many sessions' notes open (with the configured key) to the canary."""
    from fieldbook.sealing import unseal

    with psycopg.connect(database_url, autocommit=True) as db:
        rows = db.execute("SELECT notes_sealed, notes_author_id FROM engagements_session"
                          ).fetchall()
    return sum(NOTES_CANARY in unseal(sealed, context=f"engagements.session.notes:user:{author}")
               for sealed, author in rows)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_and_restore_into_a_fresh_database(
    scratch_databases: Any, tmp_path: Path
) -> None:
    source, admin = source_database(scratch_databases)
    notes_canary_write(source)
    before = row_counts(source)

    folder = tmp_path / "backups"
    out = make("backup", source, BACKUP_DIR=str(folder))
    dumps = list(folder.glob("fieldbook-*.dump"))
    assert len(dumps) == 1 and dumps[0].name in out
    assert dumps[0].read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    # Readable by the operator alone (issue 12: dumps were written 0644).
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(dumps[0].stat().st_mode) == 0o600
    # The notes are in the dump, sealed: the dump as SQL holds ciphertext and never the text.
    sql = subprocess.run(["pg_restore", "--file=-", str(dumps[0])], capture_output=True,
                         check=True, timeout=120).stdout.decode("utf-8", "replace")
    assert "gAAAAA" in sql and "engagements_session" in sql
    assert NOTES_CANARY not in sql

    fresh = scratch_databases(admin)
    make("restore", fresh, FILE=str(dumps[0]))
    after = row_counts(fresh)
    # Restored with the key, the notes open again.
    assert notes_canary_read(fresh) > 100

    assert after == before
    assert len(before) > 30 and "engagements_session" in before
    assert before["engagements_session"] > 100 and before["django_migrations"] > 20
    # Restoring again over the restored copy (--clean) changes nothing.
    make("restore", fresh, FILE=str(dumps[0]))
    assert row_counts(fresh) == before


def test_make_backup_refuses_a_database_that_is_not_postgresql() -> None:
    result = subprocess.run(["make", "--no-print-directory", "backup"], cwd=BASE_DIR,
                            env={**os.environ, "DATABASE_URL": "sqlite:///fieldbook.sqlite3"},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "PostgreSQL" in result.stderr
    result = subprocess.run(["make", "--no-print-directory", "restore"], cwd=BASE_DIR,
                            env={**os.environ, "DATABASE_URL": SERVER_URL},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "FILE=" in result.stderr
