"""Write many rows fast: PostgreSQL ``COPY`` (psycopg 3), plain ``executemany`` elsewhere.

The generator hands each big table a column list and an iterator of tuples; nothing is held in
memory beyond one batch. Columns are checked against the model, so a column added by a later
migration makes the generator fail loudly instead of writing rows the model would refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

BATCH = 5_000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def check_columns(model: type[models.Model], columns: Sequence[str]) -> None:
    """Refuse to write a table whose NOT NULL columns the generator does not fill."""
    wanted = set(columns)
    missing = [f.column for f in model._meta.concrete_fields
               if f.column not in wanted and not f.primary_key and not f.null]
    if missing:
        raise RuntimeError(f"generate_load does not fill {model._meta.db_table}.{missing}: "
                           "teach demo/loadgen about the new column(s).")


def next_id(model: type[models.Model]) -> int:
    """The first free id: rows are written with explicit ids, so children can point at them
    without reading anything back."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cursor.fetchone()[0])


def reset_sequences(model_list: Iterable[type[models.Model]]) -> None:
    """After explicit ids, move each id sequence past them (PostgreSQL; SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def write_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]],
               *, table: str | None = None) -> int:
    """Write ``rows`` (tuples in ``columns`` order) to the model's table. Returns the count."""
    if table is None:
        check_columns(model, columns)
    name = table or model._meta.db_table
    quote = connection.ops.quote_name
    written = 0
    if is_postgresql():
        connection.ensure_connection()
        raw = connection.connection  # psycopg.Connection, in the same transaction as the ORM
        sql = f"COPY {quote(name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        return written
    sql = (f"INSERT INTO {quote(name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(iterator, BATCH)):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


@contextmanager
def constraints_deferred_to_the_end(model_list: Sequence[type[models.Model]]) -> Iterator[None]:
    """PostgreSQL bulk-load: drop the tables' foreign keys and plain indexes, load, then put
    them back exactly as they were (same names, same definitions).

    Why: Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so COPYing 9 million rows
    queues 9 million per-row checks for COMMIT (minutes at 1M sessions). Re-adding a foreign key
    validates it with one join, and building an index once is far cheaper than maintaining it
    row by row. Call inside the loading transaction: a failure restores everything.
    """
    if not is_postgresql():
        yield
        return
    tables = [m._meta.db_table for m in model_list]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Run the checks already queued by this transaction now: ALTER TABLE refuses a table
        # with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables])
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s) AND "
            "schemaname = current_schema() AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [tables])
        indexes = cursor.fetchall()
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
