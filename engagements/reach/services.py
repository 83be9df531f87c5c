"""Recording an area's cohorts and events, its funding, and its innovations. Keyword-only,
atomic, audited; ``DomainError`` with messages by field on bad input. Leads and admins write
these (the views' gate); the services check the values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from engagements.models import Outcome
from engagements.reach.models import AreaFunding, Cohort, CohortCount, Innovation, Profession
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from places.models import Sector

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from engagements.models import Engagement

MAX_PARTICIPANTS = 5000
MAX_FUNDING = Decimal("9999999999.99")

Errors = dict[str | None, list[str]]


def _add(errors: Errors, field: str | None, message: str) -> None:
    errors.setdefault(field, []).append(message)


@transaction.atomic
def cohort_record(*, actor: User, engagement: Engagement, name: str, kind: str,
                  starts_on: dt.date | None, ends_on: dt.date | None, returning: int,
                  counts: Sequence[tuple[str, str, int]]) -> Cohort:
    """A cohort or event of the area with its participants counted by (profession, sector).
    ``counts`` lines are (field prefix, ...) free: a line is (profession, sector, n)."""
    name = " ".join(name.split())
    errors: Errors = {}
    if not name:
        _add(errors, "name", "Enter the name of the cohort or event")
    if kind not in Cohort.Kind.values:
        _add(errors, "kind", "Choose the kind of cohort or event")
    if starts_on is None:
        _add(errors, "starts_on", "Enter the date it started")
    if ends_on is None:
        _add(errors, "ends_on", "Enter the date it ended (the same day for a day event)")
    if starts_on and ends_on and ends_on < starts_on:
        _add(errors, "ends_on", "It must end on or after the day it started")
    seen: set[tuple[str, str]] = set()
    total = 0
    for i, (profession, sector, n) in enumerate(counts):
        if profession not in Profession.values:
            _add(errors, f"line_{i}_profession", "Choose a profession")
        if sector not in Sector.values:
            _add(errors, f"line_{i}_sector", "Choose a sector")
        if not 1 <= n <= MAX_PARTICIPANTS:
            _add(errors, f"line_{i}_participants",
                 f"Enter a number of participants from 1 to {MAX_PARTICIPANTS:,}")
        if (profession, sector) in seen:
            _add(errors, f"line_{i}_profession",
                 "This profession and sector are on another line already: add them together")
        seen.add((profession, sector))
        total += n
    if not counts:
        _add(errors, None, "Enter at least one line of participants")
    if returning < 0 or returning > total:
        _add(errors, "returning",
             "Returning participants cannot be more than the participants counted")
    if errors:
        raise DomainError(field_errors=errors)
    assert starts_on is not None and ends_on is not None
    try:
        with transaction.atomic():
            cohort = Cohort.objects.create(engagement=engagement, name=name, kind=kind,
                                           starts_on=starts_on, ends_on=ends_on,
                                           returning=returning)
    except IntegrityError:
        raise DomainError(field_errors={"name": [
            "This area already has a cohort of that name starting that day"]}) from None
    CohortCount.objects.bulk_create([CohortCount(cohort=cohort, profession=p, sector=s,
                                                 participants=n) for p, s, n in counts])
    audit_record(actor=actor, action="engagements.cohort.recorded", obj=cohort, changes={
        "engagement": engagement.pk, "name": name, "kind": kind,
        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
        "returning": returning, "participants": total})
    return cohort


@transaction.atomic
def funding_set(*, actor: User, engagement: Engagement, allocated: Decimal | None,
                spent: Decimal | None, version: int | None) -> AreaFunding:
    """Set the area's funding. ``version`` is the one the form was opened with (None when it
    had none yet): a save over someone else's is refused, nothing overwritten."""
    errors: Errors = {}
    if allocated is None:
        _add(errors, "allocated", "Enter the funding allocated, in pounds")
    elif not Decimal(0) <= allocated <= MAX_FUNDING:
        _add(errors, "allocated", "Enter an amount from £0 to £9,999,999,999")
    if spent is None:
        _add(errors, "spent", "Enter the funding spent so far, in pounds (0 if none)")
    elif not Decimal(0) <= spent <= MAX_FUNDING:
        _add(errors, "spent", "Enter an amount from £0 to £9,999,999,999")
    if errors:
        raise DomainError(field_errors=errors)
    assert allocated is not None and spent is not None
    current = AreaFunding.objects.select_for_update().filter(engagement=engagement).first()
    stale = DomainError("The funding was changed since you opened the page. Nothing was "
                        "overwritten: check the figures shown and save again.")
    if current is None:
        if version is not None:
            raise stale
        funding = AreaFunding.objects.create(engagement=engagement, allocated=allocated,
                                             spent=spent)
    else:
        if version != current.version:
            raise stale
        AreaFunding.objects.filter(pk=current.pk, version=current.version).update(
            allocated=allocated, spent=spent, version=current.version + 1)
        current.refresh_from_db()
        funding = current
    audit_record(actor=actor, action="engagements.funding.set", obj=funding,
                 changes={"allocated": str(allocated), "spent": str(spent)})
    return funding


@transaction.atomic
def innovation_record(*, actor: User, engagement: Engagement, name: str, description: str,
                      status: str, outcome_ids: Sequence[int]) -> Innovation:
    name = " ".join(name.split())
    errors: Errors = {}
    if not name:
        _add(errors, "name", "Enter the name of the innovation")
    elif len(name) > 200:
        _add(errors, "name", "The name must be 200 characters or fewer")
    if status not in Innovation.Status.values:
        _add(errors, "status", "Choose the innovation's status")
    # Confirmed outcomes of this area only (a draft is not the centre's to see or link).
    outcomes = list(Outcome.objects.confirmed().filter(engagement=engagement,
                                                       pk__in=list(outcome_ids)))
    if len(outcomes) != len(set(outcome_ids)):
        _add(errors, "outcomes", "Choose confirmed outcomes of this area")
    if not errors and Innovation.objects.filter(engagement=engagement,
                                                name__iexact=name).exists():
        _add(errors, "name", "This area already has an innovation with that name")
    if errors:
        raise DomainError(field_errors=errors)
    try:
        with transaction.atomic():
            innovation = Innovation.objects.create(engagement=engagement, name=name,
                                                   description=description.strip(),
                                                   status=status)
    except IntegrityError:
        raise DomainError(field_errors={"name": [
            "This area already has an innovation with that name"]}) from None
    innovation.outcomes.set(outcomes)
    audit_record(actor=actor, action="engagements.innovation.recorded", obj=innovation,
                 changes={"engagement": engagement.pk, "name": name, "status": status,
                          "outcomes": sorted(o.pk for o in outcomes)})
    return innovation
