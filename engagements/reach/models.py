"""Reach, cohorts, funding and innovations of an area (an engagement of a programme).

Participants are counts, never people: a cohort's participants are counted by profession and
sector (``CohortCount``), with how many of them had come to an earlier cohort of the area
(``Cohort.returning``): the area's leaders reached are its participants less its returners.
Counts of people are shown through ``engagements.disclosure`` (fewer than 3 suppressed)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from fieldbook.models import TimeStampedModel
from places.models import Sector


class Profession(models.TextChoices):
    GP = "gp", "GP"
    CONSULTANT = "consultant", "Consultant"
    THERAPIST = "therapist", "Therapist"
    NURSE = "nurse", "Nurse"
    SOCIAL_WORKER = "social_worker", "Social worker"
    MANAGER = "manager", "Manager"
    OTHER_PUBLIC = "other_public", "Other public sector (e.g. police, army)"
    OTHER = "other", "Other"


class Cohort(TimeStampedModel):
    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", "Residential"
        DAY_EVENT = "day_event", "Day event"
        NETWORK = "network", "Network"
        COURSE = "course", "Course"

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE,
                                   related_name="cohorts")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    returning = models.PositiveIntegerField(
        default=0, help_text="How many of the participants came to an earlier cohort or event "
                             "of this area.")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="cohort_ends_after_start"),
            models.UniqueConstraint(F("engagement"), Lower("name"), F("starts_on"),
                                    name="cohort_unique_per_area_and_start"),
        ]
        indexes = [models.Index(fields=["engagement", "-starts_on"], name="cohort_area_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.starts_on:%b %Y})"

    @property
    def returning_text(self) -> str:
        from engagements.disclosure import count_text

        return count_text(self.returning)


class CohortCount(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="counts")
    profession = models.CharField(max_length=20, choices=Profession.choices)
    sector = models.CharField(max_length=30, choices=Sector.choices)
    participants = models.PositiveIntegerField()

    class Meta:
        ordering = ["profession", "sector"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "profession", "sector"],
                                    name="cohort_count_once"),
            models.CheckConstraint(condition=Q(participants__gte=1, participants__lte=5000),
                                   name="cohort_count_between_1_and_5000"),
        ]

    def __str__(self) -> str:
        return f"{self.participants} {self.get_profession_display()} ({self.get_sector_display()})"

    @property
    def shown(self) -> str:
        """As a lead's page shows it: 1 or 2 people are "fewer than 3"."""
        from engagements.disclosure import count_text

        return (f"{count_text(self.participants)} {self.get_profession_display()} "
                f"({self.get_sector_display()})")


class AreaFunding(TimeStampedModel):
    """The programme's money for one area: allocated, and spent so far."""

    engagement = models.OneToOneField("engagements.Engagement", on_delete=models.CASCADE,
                                      primary_key=True, related_name="funding")
    allocated = models.DecimalField(max_digits=12, decimal_places=2)
    spent = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name_plural = "area funding"
        constraints = [
            models.CheckConstraint(condition=Q(allocated__gte=0) & Q(spent__gte=0),
                                   name="area_funding_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Engagement {self.engagement_id}: £{self.allocated:,.0f} allocated"


class Innovation(TimeStampedModel):
    class Status(models.TextChoices):
        IDEA = "idea", "Idea"
        TESTING = "testing", "Being tested"
        IMPLEMENTED = "implemented", "Implemented"
        SPREADING = "spreading", "Spreading"
        STOPPED = "stopped", "Stopped"

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE,
                                   related_name="innovations")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IDEA)
    outcomes = models.ManyToManyField("engagements.Outcome", related_name="innovations",
                                      blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(F("engagement"), Lower("name"),
                                    name="innovation_name_unique_per_area"),
            models.CheckConstraint(condition=~Q(name=""), name="innovation_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name
