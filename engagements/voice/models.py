"""The place's voice (engagements.voice). Registered through engagements.models, which imports
this module; models name engagements by string, so this imports nothing of it.

Anonymity by construction: ``VoiceInvite`` knows the person (it is what the respondent link
points at, and what says who has answered); ``VoiceResponse`` and its scores and ratings know
only the round. A response has no timestamp, so it cannot be matched to a link's ``used_at``;
a tie rating keeps the pair of organisations, not which way it was rated.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from fieldbook.models import TimeStampedModel
from places.models import Organisation, Person


class Statement(models.TextChoices):
    """The self-assessment's statements, each answered on a five-point scale."""

    SHARED_PURPOSE = "shared_purpose", "Partners across our system share a clear, common purpose."
    TRUST = "trust", "Leaders here trust each other enough to raise difficult issues."
    CLINICAL_LEADERSHIP = ("clinical_leadership",
                           "Clinicians lead and shape how we improve urgent and emergency care.")
    PATIENT_VOICE = ("patient_voice",
                     "Patients’ and service users’ views shape the decisions we take.")
    BOUNDARIES = ("boundaries",
                  "We work across organisational boundaries to solve problems together.")


# Short names for tables and headings.
STATEMENT_SHORT = {
    Statement.SHARED_PURPOSE: "Shared purpose",
    Statement.TRUST: "Trust",
    Statement.CLINICAL_LEADERSHIP: "Clinical leadership",
    Statement.PATIENT_VOICE: "Patient and service-user voice",
    Statement.BOUNDARIES: "Working across boundaries",
}


class VoiceRound(TimeStampedModel):
    """One round of a self-assessment or a relationship pulse for one engagement's board.
    Open while its links work; the centre sees its aggregates once it is closed."""

    class Kind(models.TextChoices):
        SELF_ASSESSMENT = "self_assessment", "Self-assessment"
        PULSE = "pulse", "Relationship pulse"

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE,
                                   related_name="voice_rounds")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(help_text="1 for the first round of its kind.")
    opened_on = models.DateField()
    closes_on = models.DateField(help_text="The day its links expire.")
    closed_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["engagement", "kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "kind", "number"],
                                    name="voice_round_number_unique"),
            models.UniqueConstraint(fields=["engagement", "kind"],
                                    condition=Q(closed_at__isnull=True),
                                    name="voice_round_one_open_per_kind"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opened_on")),
                                   name="voice_round_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} round {self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class VoiceInvite(TimeStampedModel):
    """One board member asked to answer one round: the respondent link's target. The
    organisation is the person's when asked (the pulse asks about the others)."""

    round = models.ForeignKey(VoiceRound, on_delete=models.CASCADE, related_name="invites")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="voice_invites")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="voice_invite_once"),
        ]

    def __str__(self) -> str:
        # Never the person's name: this string is written to audit rows.
        return f"Invitation {self.pk} to {self.round}"


class VoiceResponse(models.Model):
    """One board member's answer to a round, with nothing that says whose (no person, no
    organisation, no timestamp: deliberately not a TimeStampedModel)."""

    round = models.ForeignKey(VoiceRound, on_delete=models.CASCADE, related_name="responses")

    class Meta:
        indexes = [models.Index(fields=["round"], name="voice_response_round_idx")]

    def __str__(self) -> str:
        return f"A response to {self.round}"


class StatementScore(models.Model):
    response = models.ForeignKey(VoiceResponse, on_delete=models.CASCADE, related_name="scores")
    statement = models.CharField(max_length=30, choices=Statement.choices)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5),
                                   name="statement_score_one_to_five"),
            models.UniqueConstraint(fields=["response", "statement"],
                                    name="statement_score_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_statement_display()} {self.score}"


class TieRating(models.Model):
    """A rating of the working relationship between two member organisations, kept as the
    unordered pair (``org_low`` has the lower id)."""

    response = models.ForeignKey(VoiceResponse, on_delete=models.CASCADE, related_name="ties")
    org_low = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    org_high = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    trust = models.PositiveSmallIntegerField()
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(trust__gte=1) & Q(trust__lte=5)
                                   & Q(value__gte=1) & Q(value__lte=5),
                                   name="tie_rating_one_to_five"),
            models.CheckConstraint(condition=Q(org_low__lt=F("org_high")),
                                   name="tie_rating_pair_ordered"),
            models.UniqueConstraint(fields=["response", "org_low", "org_high"],
                                    name="tie_rating_once"),
        ]

    def __str__(self) -> str:
        return f"Tie rating: trust {self.trust}, value {self.value}"
