"""Marking an engagement as a pilot (issue 17, point 7), with what it pilots: by a lead or an
admin, a compare-and-set on the engagement's ``version`` like the lifecycle's steps, audited as
``engagements.engagement.pilot_marked`` / ``.pilot_changed`` / ``.pilot_unmarked``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from engagements.lifecycle.services import LifecycleStaleError, last_change
from engagements.models import Engagement
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PILOT_OF_LIMIT = 300


@transaction.atomic
def engagement_pilot_set(*, actor: User, engagement: Engagement, seen: int, is_pilot: bool,
                         pilot_of: str) -> Engagement:
    """Mark (or unmark) the engagement as a pilot. A pilot says what it pilots; unmarking
    clears it. Refused, with what changed, if the engagement moved on since ``seen``."""
    pilot_of = (pilot_of or "").strip() if is_pilot else ""
    if is_pilot and not pilot_of:
        raise DomainError(field_errors={"pilot_of": [
            "Enter what it pilots, for example “the A&E Delivery Board support model”"]})
    if len(pilot_of) > PILOT_OF_LIMIT:
        raise DomainError(field_errors={"pilot_of": [
            f"Enter {PILOT_OF_LIMIT} characters or fewer"]})
    before = (engagement.is_pilot, engagement.pilot_of)
    updated = Engagement.objects.filter(pk=engagement.pk, version=seen).update(
        is_pilot=is_pilot, pilot_of=pilot_of, version=F("version") + 1,
        updated_at=timezone.now())
    if not updated:
        fresh = Engagement.objects.select_related("programme", "place").filter(
            pk=engagement.pk).first()
        if fresh is None:
            raise DomainError("This engagement was removed since you opened the page.")
        raise LifecycleStaleError(fresh, last_change(fresh))
    saved = Engagement.objects.select_related("programme", "place").get(pk=engagement.pk)
    if not before[0] and is_pilot:
        action = "pilot_marked"
    elif before[0] and not is_pilot:
        action = "pilot_unmarked"
    else:
        action = "pilot_changed"
    audit_record(actor=actor, action=f"engagements.engagement.{action}", obj=saved, changes={
        "is_pilot": is_pilot, "pilot_of": pilot_of, "was_pilot": before[0],
        "was_pilot_of": before[1]})
    return saved
