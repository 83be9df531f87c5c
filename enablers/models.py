"""Enablers: the experienced coaches on the ground, and their assignments to engagements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from fieldbook.models import TimeStampedModel
from places.models import Region


class EnablerQuerySet(models.QuerySet):
    def with_caseload(self, *, month_start: dt.date, month_end: dt.date) -> EnablerQuerySet:
        """Annotate ``current_assignments`` (assignments not ended, on engagements not closed)
        and ``minutes_in_month`` (held, live sessions between the two dates).

        Two correlated subqueries rather than two joins, so the counts cannot multiply each
        other; the page still runs one query however many enablers and sessions there are.
        """
        assignment_model = apps.get_model("enablers", "Assignment")
        session_model = apps.get_model("engagements", "Session")
        engagement_model = apps.get_model("engagements", "Engagement")
        current = (
            assignment_model.objects.filter(enabler=OuterRef("pk"), ended_on__isnull=True)
            .exclude(engagement__status=engagement_model.Status.CLOSED)
            .order_by().values("enabler").annotate(n=Count("id")).values("n")
        )
        minutes = (
            session_model.objects.filter(
                enabler=OuterRef("pk"), deleted_at__isnull=True, status=session_model.Status.HELD,
                date__gte=month_start, date__lte=month_end,
            )
            .order_by().values("enabler").annotate(m=Sum("duration_minutes")).values("m")
        )
        return self.annotate(
            current_assignments=Coalesce(Subquery(current), 0),
            minutes_in_month=Coalesce(Subquery(minutes), 0),
        )


class Enabler(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enabler"
    )
    background = models.TextField(
        blank=True, help_text="Professional background, e.g. former acute trust COO."
    )
    regions = models.ManyToManyField(Region, related_name="enablers", blank=True)
    capacity_days_per_week = models.DecimalField(
        max_digits=3, decimal_places=1, default=Decimal("2.0"),
        help_text="Days a week this enabler can give the programme.",
    )
    is_active = models.BooleanField(default=True)

    objects = EnablerQuerySet.as_manager()

    class Meta:
        ordering = ["user__first_name", "user__last_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_days_per_week__gt=0) & Q(capacity_days_per_week__lte=7),
                name="enabler_capacity_between_0_and_7",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class Assignment(TimeStampedModel):
    """An enabler working on an engagement, as its lead or in support, between two dates."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead enabler"
        SUPPORTING = "supporting", "Supporting enabler"

    # PROTECT: an enabler with a history of assignments is deactivated, never deleted.
    enabler = models.ForeignKey(Enabler, on_delete=models.PROTECT, related_name="assignments")
    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LEAD)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["engagement", "role", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="assignment_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["engagement"],
                condition=Q(role="lead", ended_on__isnull=True),
                name="assignment_one_current_lead",
            ),
            models.UniqueConstraint(
                fields=["enabler", "engagement"],
                condition=Q(ended_on__isnull=True),
                name="assignment_one_current_per_enabler",
            ),
        ]
        indexes = [
            models.Index(fields=["enabler", "ended_on"], name="assignment_enabler_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enabler} — {self.get_role_display()} for {self.engagement}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None
