"""Changing an enabler's profile (Manage → Users → a user → Change enabler profile).

Capacity, regions, background and whether the profile is open. Never the user: a profile
belongs to one account for good (a database trigger refuses the change), and the UPDATE here
does not even name the column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from enablers.models import Enabler
from fieldbook.audit import audit_record
from fieldbook.editing import changes_between, update_if_unchanged
from fieldbook.errors import DomainError
from places.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_DAYS = Decimal("7")


@transaction.atomic
def enabler_change(
    *, actor: User, enabler: Enabler, seen: dt.datetime, capacity_days_per_week: Decimal,
    regions: Iterable[Region], background: str, is_active: bool,
) -> Enabler:
    """Change the profile if nobody else changed it since ``seen``. Audited as
    ``enablers.enabler.changed``, with the background's change flagged, not copied (it is a
    person's career history)."""
    errors: dict[str | None, list[str]] = {}
    if not Decimal("0") < capacity_days_per_week <= MAX_DAYS:
        errors["capacity_days_per_week"] = ["Enter days a week between 0.1 and 7"]
    if is_active and not enabler.user.is_active:
        errors["is_active"] = [
            "Their account is deactivated: reactivate it from their user page first"]
    if errors:
        raise DomainError(field_errors=errors)
    regions = list(regions)
    background = background.strip()
    before = {"capacity_days_per_week": enabler.capacity_days_per_week,
              "is_active": enabler.is_active, "regions": list(enabler.regions.all())}
    values = {"capacity_days_per_week": capacity_days_per_week, "background": background,
              "is_active": is_active}
    saved = update_if_unchanged(
        enabler, seen=seen, values=values, noun=f"{enabler.display_name}'s profile",
        clash=DomainError("The profile could not be saved"))
    saved.regions.set(regions)
    changes = changes_between(before, {"capacity_days_per_week": capacity_days_per_week,
                                       "is_active": is_active, "regions": regions})
    if enabler.background != background:
        changes["background"] = "(changed)"
    if changes:
        audit_record(actor=actor, action="enablers.enabler.changed", obj=saved, changes=changes)
    return saved
