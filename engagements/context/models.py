"""A place's context and the other support it receives (issue 17, point 6), and the CQC's
urgent-and-emergency-care asks of its board (point 7): an executive sponsor, local protocols
with review dates, a checklist the place answers itself, and good-practice items that form a
library across places.

Registered through engagements.models, which imports this module. Models name engagements'
rows by string, so this module imports nothing of ``engagements.models``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from fieldbook.models import TimeStampedModel


class PlaceContext(TimeStampedModel):
    """What shapes the work in a place: how many councils and commissioners, its ICB, whether
    their boundaries are coterminous, trusts applying for Foundation status, and the pressure
    on its system (as of a date). One per place; edited by leads and admins (compare-and-set on
    ``version``)."""

    class Pressure(models.TextChoices):
        LOW = "low", "Low"
        MODERATE = "moderate", "Moderate"
        HIGH = "high", "High"
        SEVERE = "severe", "Severe"

    place = models.OneToOneField("places.Place", on_delete=models.CASCADE,
                                 related_name="context")
    councils = models.PositiveSmallIntegerField(null=True, blank=True,
                                                help_text="Local authorities in the place.")
    commissioners = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Commissioning organisations (CCGs, ICB places).")
    icb = models.CharField(max_length=200, blank=True, help_text="The integrated care board.")
    coterminous = models.BooleanField(
        null=True, blank=True,
        help_text="Whether the health and council boundaries are the same; unknown if blank.")
    foundation_trust_applications = models.TextField(
        blank=True, help_text="Trusts applying for Foundation Trust status, and where.")
    pressure = models.CharField(max_length=10, choices=Pressure.choices, blank=True)
    pressure_on = models.DateField(null=True, blank=True,
                                   help_text="The day the pressure was judged.")
    notes = models.TextField(blank=True, help_text="Anything else about the place's context.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pressure="") | Q(pressure_on__isnull=False),
                                   name="place_context_pressure_has_date"),
        ]

    def __str__(self) -> str:
        return f"Context of place {self.place_id}"

    @property
    def coterminous_label(self) -> str:
        return {True: "Coterminous", False: "Not coterminous"}.get(
            self.coterminous, "Not known")  # type: ignore[arg-type]


class OtherSupport(TimeStampedModel):
    """Another national or regional support programme working in a place (ECIP, SAFER,
    Red2Green...): who runs it, its focus, its dates (an open end while it runs)."""

    place = models.ForeignKey("places.Place", on_delete=models.CASCADE,
                              related_name="other_support")
    name = models.CharField(max_length=200)
    owner = models.CharField(max_length=200, help_text="Who runs it, e.g. NHS Improvement.")
    focus = models.TextField(blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-started_on", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_on__isnull=True)
                                   | Q(ended_on__gte=F("started_on")),
                                   name="other_support_dates_in_order"),
            models.CheckConstraint(condition=~Q(name=""), name="other_support_name_not_empty"),
        ]
        indexes = [models.Index(fields=["place", "ended_on"], name="other_support_place_idx")]

    def __str__(self) -> str:
        return self.name


class UecSponsor(TimeStampedModel):
    """The board's executive sponsor for urgent and emergency care (CQC): a person from any
    partner organisation of the place."""

    board = models.OneToOneField("places.DeliveryBoard", on_delete=models.CASCADE,
                                 related_name="uec_sponsor")
    person = models.ForeignKey("places.Person", on_delete=models.PROTECT, related_name="+")
    since = models.DateField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    def __str__(self) -> str:
        # Never the person's name: this string is written to audit rows.
        return f"UEC sponsor of board {self.board_id}"


class LocalProtocol(TimeStampedModel):
    """A local protocol agreed across the board's organisations, with the day it is next to be
    reviewed. ``reminded_for`` is the review date a reminder was sent for (one per date)."""

    board = models.ForeignKey("places.DeliveryBoard", on_delete=models.CASCADE,
                              related_name="protocols")
    title = models.CharField(max_length=200)
    covers = models.TextField(help_text="What it covers.")
    organisations = models.ManyToManyField("places.Organisation", related_name="+",
                                           blank=True)
    agreed_on = models.DateField(null=True, blank=True)
    review_on = models.DateField()
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["review_on", "title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(agreed_on__isnull=True)
                                   | Q(review_on__gte=F("agreed_on")),
                                   name="local_protocol_review_after_agreed"),
            models.CheckConstraint(condition=~Q(title=""), name="local_protocol_title_not_empty"),
        ]
        indexes = [models.Index(fields=["review_on"], name="local_protocol_review_idx")]

    def __str__(self) -> str:
        return self.title


class UecChecklist(TimeStampedModel):
    """The place's own answers to the CQC guidance's key suggestions
    (``engagements.context.checklist.SUGGESTIONS``), given by a board member through a signed
    link. Owned by the place: nobody at the centre writes ``answers``."""

    class State(models.TextChoices):
        SENT = "sent", "Sent to the place"
        ANSWERED = "answered", "Answered by the place"

    board = models.ForeignKey("places.DeliveryBoard", on_delete=models.CASCADE,
                              related_name="uec_checklists")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENT)
    answers = models.JSONField(default=dict, blank=True,
                               help_text="Suggestion key -> {status, comment}.")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by_role = models.CharField(max_length=200, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(state="answered") | Q(answered_at__isnull=False),
                                   name="uec_checklist_answered_has_when"),
        ]
        indexes = [models.Index(fields=["board", "state", "-answered_at"],
                                name="uec_checklist_board_idx")]

    def __str__(self) -> str:
        return f"UEC checklist {self.pk} of board {self.board_id}"


class GoodPractice(TimeStampedModel):
    """A piece of good practice in a place (e.g. a same-day emergency care model), for the
    good-practice library across places. Attributed by role, never by name, like a learning
    item; the library shows the place's region, never a ranking."""

    class Kind(models.TextChoices):
        SDEC = "sdec", "Same-day emergency care model"
        FRAILTY = "frailty", "Frailty pathway"
        DISCHARGE = "discharge", "Discharge and flow"
        ADMISSION_AVOIDANCE = "admission_avoidance", "Admission avoidance"
        PROTOCOL = "protocol", "Local protocol"
        GOVERNANCE = "governance", "System governance"
        WORKFORCE = "workforce", "Workforce"
        DATA = "data", "Shared data"
        OTHER = "other", "Other"

    place = models.ForeignKey("places.Place", on_delete=models.CASCADE,
                              related_name="good_practice")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.TextField()
    themes = models.ManyToManyField("engagements.Theme", related_name="good_practice",
                                    blank=True)
    attributed_role = models.CharField(max_length=200, blank=True,
                                       help_text='A role, never a name: e.g. "Clinical Director".')
    recorded_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-recorded_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="good_practice_title_not_empty"),
        ]
        indexes = [models.Index(fields=["kind", "-recorded_on"], name="good_practice_kind_idx")]

    def __str__(self) -> str:
        return self.title
