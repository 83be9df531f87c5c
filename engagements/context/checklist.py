"""The CQC urgent-and-emergency-care guidance's key suggestions a board answers for itself,
and the answers it may give. A key is stored with each answer: never rename one."""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    IN_PLACE = "in_place", "In place"
    IN_PROGRESS = "in_progress", "In progress"
    NOT_STARTED = "not_started", "Not started"
    NOT_APPLICABLE = "not_applicable", "Does not apply to us"


SUGGESTIONS: tuple[tuple[str, str], ...] = (
    ("sponsor", "An executive sponsor for urgent and emergency care is named, from any "
                "partner organisation"),
    ("protocols", "Local protocols for urgent and emergency care are agreed by the "
                  "organisations party to them, and reviewed"),
    ("collaboration", "There is evidence of system-wide collaboration: shared plans, joint "
                      "escalation and shared data"),
    ("flow", "Patient flow is managed across the whole system, not only in the emergency "
             "department"),
    ("good_practice", "The system learns from good practice elsewhere, such as same-day "
                      "emergency care models"),
    ("voice", "People who use services, and staff, help shape the improvements"),
)
SUGGESTION_TEXT = dict(SUGGESTIONS)
COMMENT_MAX = 1000
