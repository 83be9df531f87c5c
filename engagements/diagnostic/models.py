"""The diagnostic (issue 17, point 3): who took part in a diagnostic session beyond the board,
and the diagnostic record the place owns.

"The process started with a diagnostic held between local Senior Responsible Officers (SROs),
the faculty practitioner and an NHS England account manager working with the locality. That
diagnostic identified where SROs felt the locality was on its integration journey, the
strengths that could be built on and the areas for development" (seed 004).

Models name sessions and engagements by string, so this module imports nothing of
``engagements.models`` (which imports it, to register these models with the app).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fieldbook.models import TimeStampedModel


class DiagnosticParticipant(TimeStampedModel):
    """Someone in a diagnostic session who is not (necessarily) on the place's board: a local
    Senior Responsible Officer, the faculty practitioner, an NHS England account manager. Their
    name is for the engagement's enablers; the centre sees roles and organisations only."""

    class Role(models.TextChoices):
        SRO = "sro", "Senior Responsible Officer"
        FACULTY = "faculty", "Faculty practitioner"
        ACCOUNT_MANAGER = "account_manager", "NHS England account manager"
        OTHER = "other", "Other"

    session = models.ForeignKey("engagements.Session", on_delete=models.CASCADE,
                                related_name="diagnostic_participants")
    full_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=Role.choices)
    role_title = models.CharField(max_length=200, blank=True,
                                  help_text='Their post, e.g. "Director of Adult Social Care".')
    organisation = models.CharField(max_length=200)

    class Meta:
        ordering = ["session", "role", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(full_name=""),
                                   name="diagnostic_participant_has_name"),
            models.CheckConstraint(condition=~Q(organisation=""),
                                   name="diagnostic_participant_has_organisation"),
        ]

    def __str__(self) -> str:
        # Never the name: this string is written to audit rows.
        return f"{self.get_role_display()}, {self.organisation}"


class DiagnosticRecord(TimeStampedModel):
    """The place's own account of its diagnostic: where it feels it is on its integration
    journey, strengths to build on, areas for development. An enabler may draft it; it becomes
    the place's once a board member agrees it through their respondent link, and the centre
    sees it only if the place chose to share it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING = "awaiting", "Awaiting the place"
        AGREED = "agreed", "Agreed by the place"

    class Stage(models.IntegerChoices):
        STARTING = 1, "Getting started: partners are beginning to talk about working together"
        RELATIONSHIPS = 2, "Building relationships: partners meet regularly and share plans"
        TOGETHER = 3, "Working together: shared priorities and some joint working"
        INTEGRATING = 4, "Integrating: shared plans, budgets or teams in parts of the system"
        ESTABLISHED = 5, "Established: integrated working is how the system runs"

    engagement = models.OneToOneField("engagements.Engagement", on_delete=models.CASCADE,
                                      related_name="diagnostic_record")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    journey_stage = models.PositiveSmallIntegerField(choices=Stage.choices, null=True,
                                                     blank=True)
    strengths = models.TextField(blank=True)
    development_areas = models.TextField(blank=True)
    shared_with_centre = models.BooleanField(
        default=False, help_text="The place's choice: whether programme leads may read it.")
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    agreed_at = models.DateTimeField(null=True, blank=True, editable=False)
    agreed_by_role = models.CharField(max_length=300, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="agreed")
                | (Q(agreed_at__isnull=False) & Q(journey_stage__isnull=False)),
                name="diagnostic_record_agreed_is_complete"),
            models.CheckConstraint(
                condition=Q(journey_stage__isnull=True)
                | Q(journey_stage__gte=1, journey_stage__lte=5),
                name="diagnostic_record_stage_in_scale"),
            models.CheckConstraint(condition=Q(shared_with_centre=False) | Q(status="agreed"),
                                   name="diagnostic_record_shared_only_when_agreed"),
        ]

    def __str__(self) -> str:
        return f"Diagnostic record {self.pk} ({self.get_status_display().lower()})"

    @property
    def shown_to_centre(self) -> bool:
        return self.status == self.Status.AGREED and self.shared_with_centre
