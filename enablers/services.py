"""Assigning enablers to an engagement, and ending an assignment (Manage → an engagement).

An assignment is ended, never deleted: the sessions an enabler logged, and who led the work
when, are the engagement's history. The rules are the model's (one current lead per
engagement, one current assignment per enabler and engagement, an end on or after the start)
plus "active enablers only", checked here so that each message sits beside its field. Both
writes lock the engagement's row first, so two admins cannot each make a different enabler
the lead at the same moment (the unique constraints would refuse the second anyway; the lock
turns that into the same message as the check, at the cost of one SELECT … FOR UPDATE).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from enablers.models import Assignment, Enabler
from fieldbook.audit import audit_record
from fieldbook.editing import plain, update_if_unchanged
from fieldbook.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from engagements.models import Engagement

Errors = dict[str | None, list[str]]
Role = Assignment.Role


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _lock(engagement: Engagement) -> None:
    type(engagement)._default_manager.select_for_update().filter(pk=engagement.pk).first()


def _current_lead(engagement: Engagement) -> Assignment | None:
    return (Assignment.objects.select_related("enabler__user")
            .filter(engagement=engagement, role=Role.LEAD, ended_on__isnull=True).first())


@transaction.atomic
def assignment_add(
    *, actor: User, engagement: Engagement, enabler: Enabler | None, role: str,
    started_on: dt.date | None,
) -> Assignment:
    """Assign an active enabler to the engagement as its lead or in support, from
    ``started_on``. Audited as ``enablers.assignment.created``."""
    _lock(engagement)
    errors: Errors = {}
    if enabler is None:
        _add(errors, "enabler", "Choose the enabler")
    elif not enabler.is_active:
        _add(errors, "enabler", f"{enabler.display_name}'s profile is closed to new "
                                "assignments. Choose an active enabler")
    elif Assignment.objects.filter(engagement=engagement, enabler=enabler,
                                   ended_on__isnull=True).exists():
        _add(errors, "enabler", f"{enabler.display_name} is already assigned to this "
                                "engagement")
    if role not in Role.values:
        _add(errors, "role", "Choose lead or supporting")
    elif role == Role.LEAD and (lead := _current_lead(engagement)):
        _add(errors, "role", f"The engagement already has a lead enabler "
                             f"({lead.enabler.display_name}). Choose supporting, or first end "
                             "the lead's assignment")
    if started_on is None:
        _add(errors, "started_on", "Enter the date they start")
    if errors:
        raise DomainError(field_errors=errors)
    assert enabler is not None and started_on is not None
    assignment = Assignment(enabler=enabler, engagement=engagement, role=role,
                            started_on=started_on)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:
        raise DomainError(field_errors={"enabler": [
            f"{enabler.display_name} could not be assigned: someone else changed the "
            "engagement's enablers a moment ago"]}) from exc
    audit_record(actor=actor, action="enablers.assignment.created", obj=assignment, changes={
        "engagement": str(engagement), "enabler": enabler.display_name, "role": role,
        "started_on": plain(started_on)})
    return assignment


@transaction.atomic
def assignment_end(
    *, actor: User, assignment: Assignment, seen: dt.datetime, ended_on: dt.date | None,
) -> Assignment:
    """End a current assignment on ``ended_on`` (on or after its start), if nobody changed it
    since ``seen``. Audited as ``enablers.assignment.ended``."""
    _lock(assignment.engagement)
    name = assignment.enabler.display_name
    errors: Errors = {}
    if assignment.ended_on is not None:
        _add(errors, "ended_on", f"{name}'s assignment already ended on "
                                 f"{assignment.ended_on:%-d %B %Y}")
    elif ended_on is None:
        _add(errors, "ended_on", "Enter the date the assignment ends")
    elif ended_on < assignment.started_on:
        _add(errors, "ended_on", f"The end must be on or after the start "
                                 f"({assignment.started_on:%-d %B %Y})")
    if errors:
        raise DomainError(field_errors=errors)
    saved = update_if_unchanged(
        assignment, seen=seen, values={"ended_on": ended_on}, noun=f"{name}'s assignment",
        clash=DomainError("The assignment could not be ended"))
    audit_record(actor=actor, action="enablers.assignment.ended", obj=saved, changes={
        "engagement": str(assignment.engagement), "enabler": name, "role": assignment.role,
        "ended_on": plain(ended_on)})
    return saved
