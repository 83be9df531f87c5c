"""The one save: a finished draft becomes a place with everything it needs, all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from backoffice.onboarding.draft import ResolvedDraft, draft_resolve
from backoffice.onboarding.rules import draft_check
from backoffice.onboarding.sections import parse_day
from enablers.models import Assignment
from engagements.models import Engagement
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from places.models import (
    BoardMembership,
    DeliveryBoard,
    OnboardingDraft,
    Organisation,
    Person,
    Place,
)
from places.slugs import unique_slug

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _save(obj: Any, *, section: str, clash: str) -> None:
    """full_clean then save inside a savepoint, so a unique-constraint race (another admin saved
    the same name a moment ago) becomes a message rather than a broken transaction."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError(field_errors={section: exc.messages}) from exc
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise DomainError(field_errors={section: [clash]}) from exc


@transaction.atomic
def locality_onboard(*, actor: User, draft: OnboardingDraft,
                     today: dt.date | None = None) -> Place:
    """Save a finished draft as a place with everything it needs, all or nothing.

    Locks the draft row first: a double-click on "Save" (or two tabs) saves once; the second
    finds the draft gone and is told so.
    """
    today = today or timezone.localdate()
    locked = OnboardingDraft.objects.select_for_update().filter(pk=draft.pk, owner=actor).first()
    if locked is None:
        raise DomainError("This onboarding has already been saved or discarded.")
    errors = draft_check(locked.payload, today=today)
    if errors:
        raise DomainError(field_errors=errors)
    resolved = draft_resolve(locked.payload)
    place = _place(resolved)
    organisations, created_orgs = _organisations(actor, resolved)
    place.organisations.add(*organisations.values())
    board = _board(resolved, place, organisations)
    engagement = _engagement(actor, resolved, place)
    _team(actor, resolved, engagement, today)
    audit_record(actor=actor, action="places.place.onboarded", obj=place, changes={
        "name": place.name,
        "region": str(resolved.region),
        "system": str(resolved.system) if resolved.system else "",
        "organisations": [org.name for org in organisations.values()],
        "organisations_created": created_orgs,
        "board": board.name,
        "board_members": len(resolved.members),
        "programme": str(resolved.programme),
        "engagement_status": engagement.status,
        "lead_enabler": resolved.lead.display_name if resolved.lead else "",
        "supporting_enablers": [en.display_name for en in resolved.supporting],
    })
    locked.delete()
    return place


def _place(resolved: ResolvedDraft) -> Place:
    answers = resolved.place
    assert resolved.region is not None
    place = Place(
        name=answers["name"].strip(),
        slug=unique_slug(Place, f"{answers['name']}"),
        region=resolved.region,
        system=resolved.system,
        description=(answers.get("description") or "").strip(),
        onboarding_status=Place.OnboardingStatus.ACTIVE,
    )
    _save(place, section="place",
          clash=f"{place.name} was added to {resolved.region} by someone else a moment ago")
    return place


def _organisations(actor: User,
                   resolved: ResolvedDraft) -> tuple[dict[str, Organisation], list[str]]:
    """The organisations chosen (by their key in the draft), new ones saved; and the names
    of the new ones."""
    organisations: dict[str, Organisation] = {}
    created: list[str] = []
    for chosen in resolved.organisations:
        if chosen.existing is not None:
            organisations[chosen.key] = chosen.existing
            continue
        org = Organisation(name=chosen.name.strip(), kind=chosen.kind,
                           ods_code=chosen.ods_code.strip().upper())
        _save(org, section="organisations",
              clash=f"{org.name} was added to Fieldbook by someone else a moment ago: "
                    "search for it and choose it")
        audit_record(actor=actor, action="places.organisation.created", obj=org,
                     changes={"name": org.name, "kind": org.kind, "ods_code": org.ods_code})
        organisations[chosen.key] = org
        created.append(org.name)
    return organisations, created


def _board(resolved: ResolvedDraft, place: Place,
           organisations: dict[str, Organisation]) -> DeliveryBoard:
    board_answers = resolved.board
    board = DeliveryBoard(place=place, name=board_answers["name"].strip(),
                          established_on=parse_day(board_answers.get("established_on")))
    _save(board, section="board", clash="The place already has a board")
    # People are matched by name within their organisation: a chief executive who sits on two
    # boards is one person. One query for every candidate.
    members = resolved.members
    wanted = {(organisations[m["org_key"]].pk, m["full_name"].strip().lower()) for m in members}
    existing_people = {
        (p.organisation_id, p.lname): p
        for p in Person.objects.annotate(lname=Lower("full_name")).filter(
            organisation__in=[org_id for org_id, _ in wanted],
            lname__in=[name for _, name in wanted],
        )
    } if wanted else {}
    for member in members:
        org = organisations[member["org_key"]]
        name, role_title = member["full_name"].strip(), member["role_title"].strip()
        person = existing_people.get((org.pk, name.lower()))
        if person is None:
            person = Person(full_name=name, role_title=role_title, organisation=org)
            _save(person, section="members", clash="A board member could not be saved")
        elif person.role_title != role_title:
            person.role_title = role_title
            _save(person, section="members", clash="A board member could not be saved")
        _save(BoardMembership(board=board, person=person, board_role=member["board_role"]),
              section="members", clash=f"{person.full_name} is on the board twice")
    return board


def _engagement(actor: User, resolved: ResolvedDraft, place: Place) -> Engagement:
    answers = resolved.engagement
    status = answers["status"]
    days = answers.get("days_allocated")
    requested_on = parse_day(answers["requested_on"])
    if requested_on is None:  # the engagement section's rules refuse this before saving
        raise DomainError(field_errors={
            "engagement": ["Enter the date the place asked for support"]})
    engagement = Engagement(
        programme=resolved.programme,
        place=place,
        requested_on=requested_on,
        status=status,
        started_on=(parse_day(answers.get("started_on"))
                    if status != Engagement.Status.REQUESTED else None),
        focus=(answers.get("focus") or "").strip(),
        days_allocated=Decimal(str(days)) if days not in (None, "") else None,
    )
    _save(engagement, section="engagement",
          clash="The place already has an engagement in that programme")
    audit_record(actor=actor, action="engagements.engagement.created", obj=engagement, changes={
        "programme": str(resolved.programme), "place": place.name, "status": status,
        "requested_on": answers["requested_on"], "days_allocated": days or "",
    })
    return engagement


def _team(actor: User, resolved: ResolvedDraft, engagement: Engagement, today: dt.date) -> None:
    """The lead and supporting enablers. An assignment starts when the support does, or today
    if it has not started yet."""
    assignment_start = engagement.started_on or today
    team = [(resolved.lead, Assignment.Role.LEAD)] if resolved.lead else []
    team += [(enabler, Assignment.Role.SUPPORTING) for enabler in resolved.supporting]
    for enabler, role in team:
        assignment = Assignment(enabler=enabler, engagement=engagement, role=role,
                                started_on=assignment_start)
        _save(assignment, section="enablers", clash="An enabler is already assigned")
        audit_record(actor=actor, action="enablers.assignment.created", obj=assignment,
                     changes={"enabler": enabler.display_name, "role": role,
                              "started_on": assignment_start.isoformat()})
