"""Clients of the read-only API (issue 18, point 6) and the log of their calls.

A client is issued by an Admin in the back office, for named programmes only. Its token is shown
once and never stored: the row keeps its SHA-256 (``token_hash``), so a copy of the database
opens nothing. Models name the programmes and users by string, so this module imports nothing of
``engagements.models`` (which imports it, to register these models with the app).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from fieldbook.models import TimeStampedModel


class ApiClient(TimeStampedModel):
    """A system allowed to read the API for some programmes, until it expires or is revoked."""

    name = models.CharField(max_length=200, help_text='Who is calling, e.g. "NHS England BI".')
    programmes = models.ManyToManyField(
        "engagements.Programme", related_name="api_clients",
        help_text="The programmes this client may read; every other one is not found.",
    )
    # Hex SHA-256 of the token; the token itself is shown once, when issued, and kept nowhere.
    token_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        editable=False,
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="api_client_token_hash_unique"),
            models.CheckConstraint(condition=Exact(Length("token_hash"), 64),
                                   name="api_client_token_hash_is_sha256"),
            models.CheckConstraint(condition=~Q(name=""), name="api_client_has_name"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("created_at")),
                name="api_client_revoked_after_created",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def state(self) -> str:
        """ "revoked", "expired" or "active" (as of now)."""
        from django.utils import timezone

        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "active"


class ApiCall(models.Model):
    """One call to the API: which client (none for a missing or unknown token), the path, the
    status answered and how long it took. No address, no query values beyond the path's own, no
    personal data. The rate limit counts these rows."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="calls")
    called_at = models.DateTimeField()
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-called_at"]
        indexes = [
            # The rate limit (a client's calls in the last minute) and a client's recent calls.
            models.Index(fields=["client", "-called_at"], name="api_call_client_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.path} → {self.status}"

