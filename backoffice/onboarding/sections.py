"""What every part of the onboarding flow shares: its sections, limits and small helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from engagements.models import Engagement
from places.models import BoardMembership

# The sections of the flow, in order, with the page that answers each.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("place", "Place"),
    ("organisations", "Organisations"),
    ("board", "Delivery board"),
    ("members", "Board members"),
    ("engagement", "Programme engagement"),
    ("enablers", "Enablers"),
)
SECTION_NAMES = tuple(name for name, _ in SECTIONS)

# Engagement statuses a new locality can start in ("requested" or later, but not over).
ONBOARDING_STATUSES = (
    Engagement.Status.REQUESTED, Engagement.Status.DIAGNOSTIC, Engagement.Status.ACTIVE,
)
MAX_DAYS_ALLOCATED = Decimal("999")
MAX_MEMBERS = 60
MAX_ORGANISATIONS = 40

BOARD_ROLE_WORDS = {
    "chair": BoardMembership.BoardRole.CHAIR,
    "vice chair": BoardMembership.BoardRole.VICE_CHAIR,
    "vice-chair": BoardMembership.BoardRole.VICE_CHAIR,
    "vicechair": BoardMembership.BoardRole.VICE_CHAIR,
    "vice_chair": BoardMembership.BoardRole.VICE_CHAIR,
    "member": BoardMembership.BoardRole.MEMBER,
}

Errors = dict[str | None, list[str]]


def add_error(errors: Errors, name: str | None, message: str) -> None:
    errors.setdefault(name, []).append(message)


def parse_day(raw: Any) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        return None


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
