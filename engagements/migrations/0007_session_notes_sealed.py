"""Private notes belong to the user who wrote them and are sealed at rest (issue 12).

Adds ``Session.notes_author`` (the enabler profile's user when the note was written) and
``Session.notes_sealed`` (the notes encrypted under FIELDBOOK_NOTES_KEYS, bound to that author),
seals every existing note — empty ones too — and drops the plain-text column. Reversible: going
back opens every note with the configured keys.

Cost: one pass over the sessions in primary-key batches of 1,000 (bulk UPDATEs): about 30 s for
100,000 sessions on a 2-core machine.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from fieldbook.sealing import TOKEN_PREFIX, seal, unseal

BATCH = 1000


def _context(author_id):
    # Must stay equal to engagements.notes._context: the sealed rows depend on it.
    return f"engagements.session.notes:user:{author_id}"


def _batches(Session):
    last = 0
    while True:
        rows = list(Session.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def seal_notes(apps, schema_editor):
    Session = apps.get_model("engagements", "Session")
    Enabler = apps.get_model("enablers", "Enabler")
    user_of = dict(Enabler.objects.values_list("pk", "user_id"))
    for rows in _batches(Session):
        for row in rows:
            row.notes_author_id = user_of[row.enabler_id]
            row.notes_sealed = seal(row.private_notes, context=_context(row.notes_author_id))
        Session.objects.bulk_update(rows, ["notes_author", "notes_sealed"])


def open_notes(apps, schema_editor):
    Session = apps.get_model("engagements", "Session")
    for rows in _batches(Session):
        for row in rows:
            row.private_notes = unseal(row.notes_sealed, context=_context(row.notes_author_id))
        Session.objects.bulk_update(rows, ["private_notes"])


class Migration(migrations.Migration):

    dependencies = [
        ("engagements", "0006_session_engagement_one_index"),
        ("enablers", "0002_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="notes_author",
            field=models.ForeignKey(
                editable=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="+", to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="notes_sealed",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(seal_notes, open_notes, elidable=False),
        migrations.RemoveField(model_name="session", name="private_notes"),
        migrations.AlterField(
            model_name="session",
            name="notes_author",
            field=models.ForeignKey(
                editable=False, on_delete=django.db.models.deletion.PROTECT,
                related_name="+", to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="session",
            constraint=models.CheckConstraint(
                condition=models.Q(notes_sealed__startswith=TOKEN_PREFIX),
                name="session_notes_sealed",
            ),
        ),
    ]
