"""An engagement's lifecycle (issue 17, points 1 and 2): its history of status changes, an
enabler's proposals to pause or postpone it, and the requests for support places send.

Models name engagements, programmes and places by string, so this module imports nothing of
``engagements.models`` (which imports it, to register these models with the app).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fieldbook.models import TimeStampedModel

STATUS_CHOICES = [
    ("", "None"), ("requested", "Requested"), ("diagnostic", "Diagnostic"),
    ("active", "Active"), ("paused", "Paused"), ("closed", "Closed"),
]


class StatusChange(TimeStampedModel):
    """One step in an engagement's lifecycle, written by engagements.lifecycle.services only:
    who, when, from which status to which, and why. Also a change of days allocated (the
    status stays as it was). The place page's timeline shows each as a line."""

    class Step(models.TextChoices):
        REQUESTED = "requested", "Support requested"
        DIAGNOSTIC = "diagnostic", "Diagnostic started"
        ACTIVATED = "activated", "Support started"
        PAUSED = "paused", "Paused"
        POSTPONED = "postponed", "Postponed"
        RESUMED = "resumed", "Resumed"
        CLOSED = "closed", "Closed"
        DAYS = "days", "Days allocated changed"

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE,
                                   related_name="status_changes")
    step = models.CharField(max_length=20, choices=Step.choices)
    from_status = models.CharField(max_length=20, choices=STATUS_CHOICES, blank=True)
    to_status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    on = models.DateField(help_text="The day it took effect.")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    reason = models.TextField(blank=True)
    expected_resume_on = models.DateField(null=True, blank=True)
    reflection = models.TextField(blank=True, help_text="The closing reflection.")
    days_before = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    days_after = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["-on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(step__in=["paused", "postponed"])
                | (~Q(reason="") & Q(expected_resume_on__isnull=False)),
                name="status_change_pause_has_reason_and_date"),
            models.CheckConstraint(condition=~Q(step="closed") | ~Q(reflection=""),
                                   name="status_change_close_has_reflection"),
        ]
        indexes = [models.Index(fields=["engagement", "-on"], name="status_change_eng_on_idx")]

    def __str__(self) -> str:
        return f"{self.get_step_display()} on {self.on:%d %b %Y}"


class Proposal(TimeStampedModel):
    """An enabler's proposal to pause or postpone their engagement; a lead or admin accepts
    it (the pause then goes through the service) or declines it with a reason."""

    class Kind(models.TextChoices):
        PAUSE = "pause", "Pause"
        POSTPONE = "postpone", "Postpone"

    class State(models.TextChoices):
        PENDING = "pending", "Awaiting a decision"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE,
                                   related_name="proposals")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField()
    expected_resume_on = models.DateField()
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["engagement"], condition=Q(state="pending"),
                                    name="proposal_one_pending_per_engagement"),
            models.CheckConstraint(condition=~Q(reason=""), name="proposal_has_reason"),
            models.CheckConstraint(condition=~Q(state="declined") | ~Q(decline_reason=""),
                                   name="proposal_declined_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Proposal to {self.get_kind_display().lower()}, engagement {self.engagement_id}"


class SupportRequest(TimeStampedModel):
    """A place asking a programme for support, through the programme's public request page
    (no account). Leads and admins triage it: accepting creates (or moves on) the engagement
    with the date the place asked; declining sends the reason back by email."""

    class State(models.TextChoices):
        PENDING = "pending", "Awaiting triage"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    programme = models.ForeignKey("engagements.Programme", on_delete=models.PROTECT,
                                  related_name="support_requests")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="support_requests")
    new_place_name = models.CharField(max_length=200, blank=True)
    region = models.ForeignKey("places.Region", on_delete=models.PROTECT,
                               related_name="support_requests")
    contact_name = models.CharField(max_length=200)
    contact_role = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    help_with = models.TextField()
    why_now = models.TextField()
    asked_on = models.DateField(help_text="When the place asked for support.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    # An HMAC of the client's address (fieldbook.throttling.address_digest), for the rate
    # limit only: the address itself is not kept.
    client_digest = models.CharField(max_length=64, blank=True, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    decline_mailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="support_requests")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(place__isnull=False) & Q(new_place_name=""))
                | (Q(place__isnull=True) & ~Q(new_place_name="")),
                name="support_request_one_place"),
            models.CheckConstraint(condition=~Q(state="declined") | ~Q(decline_reason=""),
                                   name="support_request_declined_has_reason"),
        ]
        indexes = [
            models.Index(fields=["programme", "state", "created_at"],
                         name="support_request_triage_idx"),
            models.Index(fields=["client_digest", "created_at"],
                         name="support_request_client_idx"),
        ]

    def __str__(self) -> str:
        return f"Request for support, programme {self.programme_id}"

    @property
    def place_name(self) -> str:
        return self.place.name if self.place_id and self.place else self.new_place_name
