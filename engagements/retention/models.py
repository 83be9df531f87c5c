"""Retention (issue 18, points 2 and 3): each kind of record's retention period, the review
queue a daily job fills, disposals approved by a second person, the destruction log, and
erasures of a person.

Nothing here names a person: a review item describes its record by kind, place and date; the
destruction log says what class and how many; an erasure request points at the person's row,
which the erasure turns into a placeholder. Models name other apps' models by string, so this
module imports nothing of ``engagements.models`` (which imports it, to register them).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fieldbook.models import TimeStampedModel


class RecordClass(models.TextChoices):
    """The kinds of record retention is decided for (docs/retention.md gives the reasons)."""

    PRIVATE_NOTES = "private_notes", "Private notes of a closed engagement"
    DELETED_SESSIONS = "deleted_sessions", "Deleted sessions"
    ENDED_MEMBERSHIPS = "ended_memberships", "Board memberships of people who left"
    RESPONDENT_LINKS = "respondent_links", "Finished respondent links"
    DECLINED_REQUESTS = "declined_requests", "Declined requests for support"
    AUDIT_ROWS = "audit_rows", "Audit rows"
    LEARNING = "learning", "Shareable learning items"
    SUMMARIES = "summaries", "Learning summaries"


class RetentionPolicy(TimeStampedModel):
    """A changed retention period for one record class. A class with no row keeps its default
    (engagements.retention.policies.DEFAULTS); the back office writes rows, audited."""

    record_class = models.CharField(max_length=30, choices=RecordClass.choices, unique=True)
    period_months = models.PositiveSmallIntegerField(
        help_text="How long after its trigger a record is put up for review.")
    reason = models.TextField(help_text="Why this period (shown with the policy).")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["record_class"]
        constraints = [
            models.CheckConstraint(condition=Q(period_months__gte=1, period_months__lte=1200),
                                   name="retention_policy_period_1_to_1200_months"),
        ]

    def __str__(self) -> str:
        return f"{self.get_record_class_display()}: {self.period_months} months"


class Disposal(TimeStampedModel):
    """A request to destroy some review items, approved by a second person and then run by a
    Celery job (engagements.retention.tasks)."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Awaiting approval"
        APPROVED = "approved", "Approved, queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    state = models.CharField(max_length=20, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    reason = models.TextField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="disposal_has_reason"),
            # Two people: the database refuses an approval by the requester too.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("requested_by")),
                name="disposal_approver_is_not_requester"),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "withdrawn"]) | Q(approved_by__isnull=False),
                name="disposal_past_request_is_approved"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="disposal_state_idx")]

    def __str__(self) -> str:
        return f"Disposal {self.pk} ({self.get_state_display().lower()})"


class ReviewItem(TimeStampedModel):
    """One record past its retention period, waiting for a reviewer's decision. Put here by the
    daily job (``review_queue_fill``), never destroyed by it. ``description`` says what the
    record is without naming anyone ("Deleted site visit on 3 Mar 2024")."""

    class State(models.TextChoices):
        DUE = "due", "Due for review"
        EXTENDED = "extended", "Kept until a later review"
        HELD = "held", "On legal hold"
        DISPOSAL_REQUESTED = "disposal_requested", "Disposal awaiting approval"
        DISPOSED = "disposed", "Disposed of"

    record_class = models.CharField(max_length=30, choices=RecordClass.choices)
    object_id = models.PositiveBigIntegerField()
    description = models.CharField(max_length=300)
    place = models.ForeignKey("places.Place", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    due_on = models.DateField(help_text="When its retention period ended.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DUE)
    review_on = models.DateField(null=True, blank=True,
                                 help_text="An extended record's next review.")
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    disposal = models.ForeignKey(Disposal, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="items")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # One live review per record: the daily job may run twice and add nothing.
            models.UniqueConstraint(fields=["record_class", "object_id"],
                                    condition=~Q(state="disposed"),
                                    name="review_item_one_live_per_record"),
            models.CheckConstraint(condition=~Q(state="extended") | Q(review_on__isnull=False),
                                   name="review_item_extended_has_date"),
            models.CheckConstraint(
                condition=~Q(state__in=["extended", "held"]) | ~Q(decision_reason=""),
                name="review_item_decision_has_reason"),
            models.CheckConstraint(
                condition=~Q(state="disposal_requested") | Q(disposal__isnull=False),
                name="review_item_requested_in_a_disposal"),
        ]
        indexes = [
            models.Index(fields=["state", "due_on"], name="review_item_state_due_idx"),
            models.Index(fields=["state", "review_on"], name="review_item_state_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_record_class_display()}: {self.description}"


class DestructionEntry(models.Model):
    """The destruction log: what class, how many, when, approved by whom. No personal data
    and nothing that identifies the records destroyed; kept permanently."""

    disposal = models.ForeignKey(Disposal, on_delete=models.PROTECT, related_name="entries")
    record_class = models.CharField(max_length=30, choices=RecordClass.choices)
    count = models.PositiveIntegerField()
    destroyed_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-destroyed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["disposal", "record_class"],
                                    name="destruction_entry_one_per_class"),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.get_record_class_display().lower()}"


class Erasure(TimeStampedModel):
    """A request to erase a person, approved by a second person. The erasure replaces them
    with ``placeholder`` everywhere; the reason typed here is scrubbed of their name too."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Awaiting approval"
        DONE = "done", "Erased"
        WITHDRAWN = "withdrawn", "Withdrawn"

    person = models.ForeignKey("places.Person", on_delete=models.PROTECT, related_name="+")
    placeholder = models.CharField(max_length=200)
    reason = models.TextField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="erasure_has_reason"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("requested_by")),
                name="erasure_approver_is_not_requester"),
            models.UniqueConstraint(fields=["person"], condition=Q(state="requested"),
                                    name="erasure_one_open_per_person"),
        ]

    def __str__(self) -> str:
        # Never the person's name: this string is written to audit rows.
        return f"Erasure {self.pk} ({self.get_state_display().lower()})"
