"""The respondent mechanism's rows (engagements.respondents). Registered through
engagements.models, which imports this module."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from fieldbook.models import TimeStampedModel
from places.models import Person


class RespondentLink(TimeStampedModel):
    """A signed, single-use, expiring link for one person to answer about one object.

    Only a SHA-256 of the token is stored: a database dump cannot be used to answer.
    """

    class Purpose(models.TextChoices):
        CONFIRM_OUTCOME = "confirm_outcome", "Confirm an outcome"
        AGREE_DIAGNOSTIC = "agree_diagnostic", "Agree the diagnostic record"
        # Target: the engagement (engagements.outcomes: the place writes its own outcome).
        WRITE_OUTCOME = "write_outcome", "Write an outcome"
        # Target: the measure (engagements.measures: the place sends its next value).
        MEASURE_VALUE = "measure_value", "Send a measure's next value"
        SELF_ASSESSMENT = "self_assessment", "Answer a self-assessment"
        PULSE = "pulse", "Answer a relationship pulse"
        UEC_CHECKLIST = "uec_checklist", "Answer the urgent and emergency care checklist"

    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="respondent_links")
    email = models.EmailField(help_text="Where the link was sent (the person's, at the time).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    send_error = models.CharField(max_length=300, blank=True, editable=False)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="respondent_token_hash_unique"),
            # Sending again revokes the open link first: one open link per object and purpose.
            models.UniqueConstraint(
                fields=["purpose", "content_type", "object_id"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="respondent_one_open_link_per_object",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="respondent_link_used_or_revoked_not_both",
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="respondent_target_idx"),
        ]

    def __str__(self) -> str:
        # Never the person's name or address: this string is written to audit rows.
        return f"{self.get_purpose_display()} link {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.revoked_at is None


class RespondentAttempt(models.Model):
    """A respondent link that did not work (unknown, tampered, used, expired, revoked), by
    client address: the throttle counts these (engagements.respondents.services)."""

    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["client_ip", "created_at"],
                                name="respondent_attempt_ip_idx")]

    def __str__(self) -> str:
        return f"Respondent link attempt at {self.created_at:%d %b %Y %H:%M}"
