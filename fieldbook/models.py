from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Abstract base for every domain model: when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One row per state change made by a service.

    ``changes`` holds field names and public values only; services never put private notes here
    (for a session they record that ``private_notes`` changed, not what it says).

    Append-only and hash-chained (README "Tamper-evident audit"): row ``seq`` stores
    ``row_hash`` = SHA-256 of its canonical content, which includes ``prev_hash``, the row_hash of
    row ``seq - 1``. The database refuses UPDATE and DELETE (fieldbook 0005); ``manage.py
    audit_verify`` recomputes the chain. ``created_at`` is set by ``audit_record`` before the
    hash is taken, not by the database.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # A user with audit rows cannot be deleted (deactivate them instead): the rows are
        # append-only and their actor is part of their hash. The Django admin says so plainly
        # (protected objects) rather than failing on the database's refusal.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=100, help_text="Dotted name, e.g. places.place.onboarded")
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    # Where the request came from (fieldbook.security.client_ip), for sign-ins and every change
    # made through a web request; empty for Celery tasks and management commands.
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The place the change concerns, when there is one (a place, an engagement, a session, a
    # learning item, an outcome): the audit page's place filter. A plain id, not a foreign key:
    # the ground floor names no domain app, and the trail outlives the place.
    place_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The chain: position (1, 2, 3... with no gaps), the previous row's hash, this row's hash.
    seq = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64, blank=True)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action", "-created_at"], name="audit_action_idx"),
            models.Index(fields=["place_id", "-created_at"], name="audit_place_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_idx"),
        ]
        constraints = [
            # Two writers that read the same head would both write seq N+1: the second fails
            # here instead of forking the chain (audit_record also serialises them first).
            models.UniqueConstraint(fields=["seq"], name="audit_seq_unique"),
        ]

    def __str__(self) -> str:
        who = self.actor.get_username() if self.actor_id and self.actor else "system"
        return f"{self.action} by {who} at {self.created_at:%Y-%m-%d %H:%M}"


class UserSession(AbstractBaseSession):
    """Django's database session, plus the signed-in user, so that signing out, deactivation or
    an admin can end every session a user has (``fieldbook.security.sessions_end``).

    The engine is ``fieldbook.signin_sessions`` (``SESSION_ENGINE``); the user is copied from the
    session data on each save, so the column costs no extra query.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        # AbstractBaseSession.Meta's names, spelled out (django-stubs does not declare it).
        verbose_name = "session"
        verbose_name_plural = "sessions"
        db_table = "fieldbook_user_session"
        indexes = [models.Index(fields=["user"], name="user_session_user_idx")]

    def __str__(self) -> str:
        return f"Session {self.session_key[:8]}… of user {self.user_id or '-'}"

    @classmethod
    def get_session_store_class(cls) -> type:
        from fieldbook.signin_sessions import SessionStore

        return SessionStore


class PasswordResetRequest(models.Model):
    """One ask for a password-reset email, kept a day for the rate limits
    (``fieldbook.throttling``). The address is kept only as a keyed digest: a request for an
    address nobody has leaves no address behind."""

    address_digest = models.CharField(max_length=64)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["address_digest", "created_at"], name="reset_address_idx"),
            models.Index(fields=["client_ip", "created_at"], name="reset_client_idx"),
        ]

    def __str__(self) -> str:
        return f"Password reset asked at {self.created_at:%Y-%m-%d %H:%M}"
