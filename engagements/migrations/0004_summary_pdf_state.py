"""The PDF's own state: rendered by a task of its own after the content is saved.

``pdf_compiled_at`` is the ``compiled_at`` of the content a stored PDF was rendered from;
``pdf_error`` says why the PDF of the current content could not be made. PDFs stored before
this migration were rendered with their content, in the same job, so they take its time.
"""

from django.db import migrations, models
from django.db.models import F


def pdfs_take_their_content_time(apps, schema_editor):  # type: ignore[no-untyped-def]
    LearningSummary = apps.get_model("engagements", "LearningSummary")
    LearningSummary.objects.filter(pdf__isnull=False, compiled_at__isnull=False).update(
        pdf_compiled_at=F("compiled_at")
    )
    # A PDF without content to match cannot be shown as the content's PDF.
    LearningSummary.objects.filter(pdf__isnull=False, compiled_at__isnull=True).update(pdf=None)


class Migration(migrations.Migration):

    dependencies = [
        ("engagements", "0003_session_held_engagement_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="learningsummary",
            name="pdf_compiled_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="learningsummary",
            name="pdf_error",
            field=models.TextField(blank=True, default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(pdfs_take_their_content_time, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="learningsummary",
            constraint=models.CheckConstraint(
                condition=models.Q(("pdf__isnull", True), ("pdf_compiled_at__isnull", True))
                | models.Q(("pdf__isnull", False), ("pdf_compiled_at__isnull", False),
                           ("pdf_error", "")),
                name="summary_pdf_with_its_content_time",
            ),
        ),
    ]
