"""Subject access's rows (engagements.subjects). Registered through engagements.models, which
imports this module.

Nothing here holds a private note's text in the clear: a clarification is sealed for the note's
author like the note itself (engagements.notes), and a pack holds the notes only when a
break-glass search for the request was approved by a second person (``NoteSearch``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from fieldbook.models import TimeStampedModel
from fieldbook.sealing import TOKEN_PREFIX as SEALED_PREFIX


class SubjectAccessRequest(TimeStampedModel):
    """A person asked for what Fieldbook holds about them. Due one calendar month after it was
    received (UK GDPR Article 12(3)). ``log`` is the request's own record of its steps, in words
    (who, when, what), for the pack and the DPO; every step is audited as well."""

    class Status(models.TextChoices):
        LOGGED = "logged", "Logged"
        COMPILING = "compiling", "Compiling the pack"
        READY = "ready", "Pack ready"
        FAILED = "failed", "The pack could not be made"

    person = models.ForeignKey("places.Person", on_delete=models.PROTECT,
                               related_name="subject_access_requests")
    received_on = models.DateField()
    due_on = models.DateField(editable=False)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    how_received = models.CharField(max_length=200, blank=True,
                                    help_text="e.g. “email to the DPO mailbox”.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LOGGED)
    pack_pdf = models.BinaryField(null=True, blank=True, editable=False)
    pack_json = models.BinaryField(null=True, blank=True, editable=False)
    compiled_at = models.DateTimeField(null=True, blank=True, editable=False)
    compile_error = models.CharField(max_length=300, blank=True, editable=False)
    log = models.JSONField(default=list, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Not a column: days until due (negative: overdue), set by the list page. Typed here only.
    days_left: int

    class Meta:
        ordering = ["due_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=F("received_on")),
                                   name="sar_due_after_received"),
        ]
        indexes = [models.Index(fields=["person", "-received_on"], name="sar_person_idx")]

    def __str__(self) -> str:
        # Never the person's name: this string is written to audit rows.
        return f"Subject-access request {self.pk}, received {self.received_on:%d %b %Y}"


class NoteSearch(TimeStampedModel):
    """Break-glass: the DPO asks to search the private notes for the request's person; an Admin
    other than the one who asked approves or refuses. Only an approved search opens notes."""

    class Status(models.TextChoices):
        ASKED = "asked", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.CASCADE,
                                related_name="note_searches")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ASKED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The second person is a second person: the database refuses a self-approval too.
            models.CheckConstraint(condition=Q(decided_by__isnull=True)
                                   | ~Q(decided_by=F("asked_by")),
                                   name="note_search_decided_by_another"),
            models.CheckConstraint(condition=Q(status="asked") | Q(decided_by__isnull=False),
                                   name="note_search_decision_has_who"),
            models.UniqueConstraint(fields=["request"], condition=Q(status="asked"),
                                    name="note_search_one_open_per_request"),
        ]

    def __str__(self) -> str:
        return f"Private-note search for request {self.request_id} ({self.get_status_display()})"


class NoteClarification(TimeStampedModel):
    """A dated clarification an enabler adds to one of their notes that a person disputes. The
    note itself is not changed; clarifications are only ever added. Sealed for the note's author,
    as the note is."""

    session = models.ForeignKey("engagements.Session", on_delete=models.CASCADE,
                                related_name="note_clarifications")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text_sealed = models.TextField(editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(text_sealed__startswith=SEALED_PREFIX),
                                   name="note_clarification_sealed"),
        ]

    def __str__(self) -> str:
        return f"Clarification of session {self.session_id}'s notes, {self.created_at:%d %b %Y}"
