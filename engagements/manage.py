"""An admin's writes to an engagement (Manage → a place → Programmes → an engagement): its
details, and the outcomes recorded for it.

A plain, validated, audited edit: the model's check constraints are the rules, checked here
first so that each message sits beside its field. Which status may follow which is a later
issue's; so is filling dates in on a change of status (the model does not ask for it).

The engagement's change is a compare-and-set on ``version`` (one ``UPDATE … WHERE version =
seen`` that also moves it on), an outcome's on ``updated_at`` (fieldbook.editing): whoever saves
first wins, and the other is refused with ``StaleEditError`` rather than silently overwritten.
Errors are fieldbook.errors' (the Manage views' one error type).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from engagements.models import Engagement, Outcome, Theme
from fieldbook.audit import audit_record
from fieldbook.editing import changes_between, plain, update_if_unchanged
from fieldbook.errors import DomainError, StaleEditError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Errors = dict[str | None, list[str]]
MAX_DAYS = Decimal("9999.9")


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _engagement_errors(
    *, status: str, requested_on: dt.date | None, started_on: dt.date | None,
    ended_on: dt.date | None, days_allocated: Decimal | None,
) -> Errors:
    """The model's constraints (engagement_days_allocated_not_negative,
    engagement_starts_after_request, engagement_ends_after_start), as messages by field."""
    errors: Errors = {}
    if status not in Engagement.Status.values:
        _add(errors, "status", "Choose the engagement's status")
    if requested_on is None:
        _add(errors, "requested_on", "Enter the date the place asked for support")
    if days_allocated is not None and days_allocated < 0:
        _add(errors, "days_allocated", "Days allocated cannot be negative. Enter 0 or more, "
                                       "or leave it empty")
    elif days_allocated is not None and days_allocated > MAX_DAYS:
        _add(errors, "days_allocated", "Enter days allocated of 9999.9 or fewer")
    if started_on and requested_on and started_on < requested_on:
        _add(errors, "started_on", f"The start must be on or after the date support was "
                                   f"requested ({requested_on:%-d %B %Y})")
    if ended_on and started_on and ended_on < started_on:
        _add(errors, "ended_on", f"The end must be on or after the start "
                                 f"({started_on:%-d %B %Y})")
    return errors


@transaction.atomic
def engagement_change(
    *, actor: User, engagement: Engagement, seen: int, status: str, focus: str,
    days_allocated: Decimal | None, requested_on: dt.date | None, started_on: dt.date | None,
    ended_on: dt.date | None,
) -> Engagement:
    """Change the engagement's status, focus, days and dates if nobody else changed it since
    they saw ``version`` ``seen``. Audited as ``engagements.engagement.changed`` with what
    changed. Raises ``StaleEditError`` (with the saved engagement) if someone saved first."""
    focus = focus.strip()
    errors = _engagement_errors(status=status, requested_on=requested_on,
                                started_on=started_on, ended_on=ended_on,
                                days_allocated=days_allocated)
    if errors:
        raise DomainError(field_errors=errors)
    before = {"status": engagement.status, "focus": engagement.focus,
              "days_allocated": engagement.days_allocated,
              "requested_on": engagement.requested_on, "started_on": engagement.started_on,
              "ended_on": engagement.ended_on}
    values = {"status": status, "focus": focus, "days_allocated": days_allocated,
              "requested_on": requested_on, "started_on": started_on, "ended_on": ended_on}
    try:
        with transaction.atomic():
            updated = Engagement.objects.filter(pk=engagement.pk, version=seen).update(
                **values, version=F("version") + 1, updated_at=timezone.now())
    except IntegrityError as exc:  # the checks above passed: a constraint we do not know
        raise DomainError("The engagement could not be saved") from exc
    if not updated:
        current = Engagement.objects.select_related("programme", "place").filter(
            pk=engagement.pk).first()
        if current is None:
            raise DomainError(f"{engagement} was removed since you opened it.")
        raise StaleEditError(current, noun=f"{engagement.programme} at {engagement.place}")
    saved = Engagement.objects.select_related("programme", "place").get(pk=engagement.pk)
    changes = changes_between(before, values)
    if changes:
        audit_record(actor=actor, action="engagements.engagement.changed", obj=saved,
                     changes=changes)
    return saved


def _outcome_errors(*, kind: str, recorded_on: dt.date | None, title: str,
                    today: dt.date) -> Errors:
    errors: Errors = {}
    if kind not in Outcome.Kind.values:
        _add(errors, "kind", "Choose the kind of outcome")
    if recorded_on is None:
        _add(errors, "recorded_on", "Enter the date the outcome was recorded")
    elif recorded_on > today:
        _add(errors, "recorded_on", "The date recorded cannot be in the future")
    if not title:
        _add(errors, "title", "Enter a title for the outcome, for example Shared discharge "
                              "plan agreed")
    return errors


@transaction.atomic
def outcome_record(
    *, actor: User, engagement: Engagement, kind: str, recorded_on: dt.date | None, title: str,
    description: str = "", measure: str = "", themes: Iterable[Theme] = (),
    today: dt.date | None = None,
) -> Outcome:
    """Record an outcome for the engagement, recorded by ``actor``. Audited as
    ``engagements.outcome.created``."""
    today = today or timezone.localdate()
    title, description, measure = title.strip(), description.strip(), measure.strip()
    themes = list(themes)
    errors = _outcome_errors(kind=kind, recorded_on=recorded_on, title=title, today=today)
    if errors or recorded_on is None:  # no date is one of the errors
        raise DomainError(field_errors=errors)
    outcome = Outcome.objects.create(
        engagement=engagement, kind=kind, recorded_on=recorded_on, title=title,
        description=description, measure=measure, recorded_by=actor,
        status=Outcome.Status.RECORDED)
    outcome.themes.set(themes)
    audit_record(actor=actor, action="engagements.outcome.created", obj=outcome, changes={
        "engagement": str(engagement), "kind": kind, "recorded_on": plain(recorded_on),
        "title": title, "description": description, "measure": measure,
        "themes": plain(themes)})
    return outcome


@transaction.atomic
def outcome_change(
    *, actor: User, outcome: Outcome, seen: dt.datetime, kind: str, recorded_on: dt.date | None,
    title: str, description: str = "", measure: str = "", themes: Iterable[Theme] = (),
    today: dt.date | None = None,
) -> Outcome:
    """Change an outcome if nobody else changed it since ``seen``. Who recorded it stays who
    it was. Audited as ``engagements.outcome.changed`` with what changed."""
    today = today or timezone.localdate()
    if outcome.status == Outcome.Status.CONFIRMED:
        # What the place confirmed is the place's word (engagements.outcomes): not rewritten.
        raise DomainError("The place confirmed this outcome, so it is not changed here. An "
                          "enabler of the engagement can see what was confirmed and when.")
    title, description, measure = title.strip(), description.strip(), measure.strip()
    themes = list(themes)
    errors = _outcome_errors(kind=kind, recorded_on=recorded_on, title=title, today=today)
    if errors:
        raise DomainError(field_errors=errors)
    before = {"kind": outcome.kind, "recorded_on": outcome.recorded_on, "title": outcome.title,
              "description": outcome.description, "measure": outcome.measure,
              "themes": list(outcome.themes.all())}
    values = {"kind": kind, "recorded_on": recorded_on, "title": title,
              "description": description, "measure": measure}
    saved = update_if_unchanged(outcome, seen=seen, values=values, noun=f'"{outcome.title}"',
                                clash=DomainError("The outcome could not be saved"))
    saved.themes.set(themes)
    changes = changes_between(before, {**values, "themes": themes})
    if changes:
        audit_record(actor=actor, action="engagements.outcome.changed", obj=saved,
                     changes=changes)
    return saved
