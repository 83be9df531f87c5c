"""A measure of an engagement (or of one of its innovations) and its dated values.

A value is for a *period* (the Monday of its week, or the first of its month, as the measure's
frequency says): one value per period, held by the database as well as the service. Values are
never dated before the baseline period starts. What a value may be is ``Measure.Unit``'s
plausible range (``engagements.measures.services.UNIT_RANGES``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from fieldbook.models import TimeStampedModel


class Measure(TimeStampedModel):
    class Unit(models.TextChoices):
        COUNT = "count", "Count"
        PERCENT = "percent", "Percentage (0 to 100)"
        BED_NIGHTS = "bed_nights", "Bed nights"
        DAYS = "days", "Days"
        HOURS = "hours", "Hours"
        MINUTES = "minutes", "Minutes"
        RATE = "rate_per_1000", "Rate per 1,000"
        POUNDS = "pounds", "Pounds (£)"

    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE,
                                   related_name="measures")
    innovation = models.ForeignKey("engagements.Innovation", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="measures")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices,
                                 default=Frequency.MONTHLY)
    baseline_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True,
        help_text="The figure before the change began, if the place has one. The chart's "
                  "median is worked out from the values in the baseline period when there are "
                  "any.")
    baseline_start = models.DateField()
    baseline_end = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    # The run chart's result without its points (median, latest value, signals: what the reach
    # dashboard shows), written with every change to the values under a lock on this row
    # (engagements.measures.services.measure_chart_store). None: not stored yet, read live.
    chart_result = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(F("engagement"), Lower("name"),
                                    name="measure_name_unique_per_engagement"),
            models.CheckConstraint(condition=Q(baseline_end__gte=F("baseline_start")),
                                   name="measure_baseline_in_order"),
            models.CheckConstraint(condition=~Q(name=""), name="measure_name_not_empty"),
        ]
        indexes = [models.Index(fields=["innovation"], name="measure_innovation_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_weekly(self) -> bool:
        return self.frequency == self.Frequency.WEEKLY


class MeasureValue(TimeStampedModel):
    class Source(models.TextChoices):
        FORM = "form", "Entered on the form"
        IMPORT = "import", "Imported from a file"
        PLACE = "place", "Sent by the place"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="values")
    period = models.DateField(help_text="The Monday of the week, or the first of the month.")
    value = models.DecimalField(max_digits=14, decimal_places=2)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["measure", "period"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "period"],
                                    name="measure_value_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.value} for {self.period:%d %b %Y}"
