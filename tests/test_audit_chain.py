"""The audit trail is append-only and hash-chained (fieldbook.audit, ``manage.py audit_verify``).

Runs on SQLite locally and on PostgreSQL in CI (DATABASE_URL); the trigger tests check what
each database refuses: UPDATE and DELETE on PostgreSQL, UPDATE on SQLite (README "Tamper-evident
audit" says why SQLite keeps DELETE).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from fieldbook.audit import audit_append, audit_record, row_hash
from fieldbook.models import AuditEvent

from .factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _write(n: int, **extra: object) -> list[AuditEvent]:
    return [audit_append(actor_id=None, action=f"tests.thing.step{i}",
                         changes={"i": i, **extra}) for i in range(n)]


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


@contextmanager
def _guard_off() -> Iterator[None]:
    """Change the table as someone with the database's keys would: switch the guard off first
    (the table's owner can; the test's transaction puts it back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The table's owner (the role that ran the migrations, as in CI, where it is no
            # superuser) switches the trigger off. Pending deferred foreign-key checks of the
            # test's transaction would refuse the ALTER TABLE, so they are run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE fieldbook_auditevent "
                           "DISABLE TRIGGER fieldbook_audit_append_only")
            yield
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE fieldbook_auditevent "
                           "ENABLE TRIGGER fieldbook_audit_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS fieldbook_audit_append_only")
            yield


def _bypass(sql: str, params: list[Any]) -> None:
    with _guard_off(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_rows_are_chained_in_order() -> None:
    first, second, third = _write(3)
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_hash == "" and second.prev_hash == first.row_hash
    assert third.prev_hash == second.row_hash
    stored = AuditEvent.objects.values().get(pk=second.pk)
    assert row_hash(stored) == second.row_hash
    assert "Audit trail intact: 3 rows. Head: 3:" + third.row_hash in _verify()


def test_a_session_change_is_chained_with_its_place() -> None:
    session = SessionFactory.create()
    user = UserFactory.create()
    event = audit_record(actor=user, action="engagements.session.updated", obj=session,
                         changes={"private_notes": "secret words", "kind": "site_visit"})
    assert event.place_id == session.engagement.place_id
    assert event.changes == {"private_notes": "(changed)", "kind": "site_visit"}
    assert "intact" in _verify()


@pytest.mark.parametrize("statement", [
    "UPDATE fieldbook_auditevent SET action = 'hidden' WHERE id = %s",
    "UPDATE fieldbook_auditevent SET actor_id = NULL WHERE id = %s",
    "DELETE FROM fieldbook_auditevent WHERE id = %s",
])
def test_the_database_refuses_to_change_or_remove_a_row(statement: str) -> None:
    (event,) = _write(1)
    refuses_delete = connection.vendor == "postgresql"
    if statement.startswith("DELETE") and not refuses_delete:
        # SQLite keeps DELETE for Django's test flush; audit_verify is the guard there.
        with connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
        assert not AuditEvent.objects.filter(pk=event.pk).exists()
        return
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


def test_the_orm_cannot_edit_a_row_either() -> None:
    (event,) = _write(1)
    event.action = "rewritten"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="nothing to see")


def test_audit_verify_names_a_row_altered_by_hand() -> None:
    rows = _write(5)
    altered = rows[2]
    _bypass("UPDATE fieldbook_auditevent SET changes = %s WHERE id = %s",
            ['{"i": 99}', altered.pk])
    with pytest.raises(CommandError) as failure:
        _verify()
    message = str(failure.value)
    assert f"row id {altered.pk} (seq 3" in message
    assert "does not match its hash" in message
    # The rows around it are not blamed.
    assert f"row id {rows[1].pk} " not in message and f"row id {rows[3].pk} " not in message


def test_audit_verify_names_the_row_after_one_removed() -> None:
    rows = _write(5)
    _bypass("DELETE FROM fieldbook_auditevent WHERE id = %s", [rows[1].pk])
    with pytest.raises(CommandError) as failure:
        _verify()
    message = str(failure.value)
    assert f"row id {rows[2].pk} (seq 3" in message
    assert "expected seq 2; rows removed before it" in message


def test_audit_verify_names_a_row_inserted_by_hand() -> None:
    rows = _write(3)
    fake = AuditEvent(action="accounts.user.role_granted", changes={"role": "admin"},
                      seq=4, prev_hash=rows[-1].row_hash, row_hash="0" * 64)
    fake.save()
    with pytest.raises(CommandError) as failure:
        _verify()
    assert f"row id {fake.pk} (seq 4, accounts.user.role_granted)" in str(failure.value)


def test_audit_verify_catches_a_chain_cut_short_at_its_end() -> None:
    rows = _write(4)
    head = _verify().rsplit("Head: ", 1)[1].strip()
    assert head == f"4:{rows[-1].row_hash}"
    _bypass("DELETE FROM fieldbook_auditevent WHERE id = %s", [rows[-1].pk])
    assert "intact" in _verify()  # the chain alone cannot see a cut tail...
    with pytest.raises(CommandError, match="recorded head 4:"):
        call_command("audit_verify", expect_head=head, stdout=StringIO())  # ...the head can


def test_the_migration_chained_the_rows_it_found() -> None:
    """0005 chains rows in id order with the same function: a row chained the old way checks."""
    from importlib import import_module

    from django.apps import apps

    (event,) = _write(1)
    chain_existing = import_module("fieldbook.migrations.0005_audit_chain").chain_existing
    _bypass("UPDATE fieldbook_auditevent SET row_hash = '', seq = 0 WHERE id = %s", [event.pk])

    class Editor:
        connection = connection

    with _guard_off():
        chain_existing(apps, Editor())
    assert "Audit trail intact: 1 rows" in _verify()


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_do_not_fork_the_chain() -> None:
    """Two threads, two database connections, each appending in its own transactions at the
    same moment: the chain stays one line (the advisory lock on PostgreSQL; SQLite's single
    writer), seq has no gaps or repeats, and audit_verify passes."""
    per_thread = 15
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit_append(actor_id=None, action=f"tests.{name}.step", changes={"i": i})
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 2 * per_thread + 1))
    assert f"Audit trail intact: {2 * per_thread} rows" in _verify()
