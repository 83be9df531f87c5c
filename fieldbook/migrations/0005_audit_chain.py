"""The audit trail becomes append-only and hash-chained (fieldbook.audit).

1. New columns: ``place_id`` (for the audit page's place filter), ``seq``, ``prev_hash``,
   ``row_hash``; ``created_at`` is set by ``audit_record`` (it is part of the hash).
2. The rows already written are chained in id order (their order of writing).
3. The database refuses UPDATE and DELETE on the table: on PostgreSQL a trigger for both (for
   every role, the table's owner included, until a superuser disables the trigger); on SQLite a
   trigger refusing UPDATE. SQLite keeps DELETE: Django's test flush empties tables with DELETE
   there (PostgreSQL's uses TRUNCATE, which row triggers do not see), and SQLite is the
   one-command local run, not production.
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

PG_FORWARD = """
CREATE OR REPLACE FUNCTION fieldbook_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'fieldbook_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fieldbook_audit_append_only
    BEFORE UPDATE OR DELETE ON fieldbook_auditevent
    FOR EACH ROW EXECUTE FUNCTION fieldbook_audit_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS fieldbook_audit_append_only ON fieldbook_auditevent;
DROP FUNCTION IF EXISTS fieldbook_audit_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER fieldbook_audit_append_only BEFORE UPDATE ON fieldbook_auditevent
BEGIN
    SELECT RAISE(ABORT, 'fieldbook_auditevent is append-only: UPDATE refused');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS fieldbook_audit_append_only;"


def chain_existing(apps: Any, schema_editor: Any) -> None:
    from fieldbook.audit import row_hash

    event_model = apps.get_model("fieldbook", "AuditEvent")
    rows = event_model.objects.using(schema_editor.connection.alias).order_by("id")
    prev, batch = "", []
    for seq, event in enumerate(rows.iterator(chunk_size=2000), start=1):
        event.seq, event.prev_hash = seq, prev
        event.row_hash = prev = row_hash({
            "seq": seq, "prev_hash": event.prev_hash, "created_at": event.created_at,
            "actor_id": event.actor_id, "action": event.action,
            "object_type": event.object_type, "object_id": event.object_id,
            "object_repr": event.object_repr, "changes": event.changes,
            "ip_address": event.ip_address, "place_id": None,
        })
        batch.append(event)
        if len(batch) >= 2000:
            event_model.objects.bulk_update(batch, ["seq", "prev_hash", "row_hash"])
            batch = []
    if batch:
        event_model.objects.bulk_update(batch, ["seq", "prev_hash", "row_hash"])


def triggers_forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD, params=None)


def triggers_backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("fieldbook", "0004_password_reset_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=timezone.now),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="place_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("seq",), name="audit_seq_unique"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["place_id", "-created_at"], name="audit_place_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "-created_at"], name="audit_actor_idx"),
        ),
        migrations.RunPython(triggers_forward, triggers_backward),
    ]
