"""Writing a place's context, its other support, its board's UEC sponsor, local protocols and
checklist, and good practice. Keyword-only, atomic, audited; ``DomainError`` (with messages
beside their fields) on bad input, ``StaleEditError`` when the row changed since the form was
opened (compare-and-set on ``version``: one ``UPDATE ... WHERE version = seen``).

Who may write is the view's access helper's decision (leads and admins; an engagement's own
enablers for good practice); the checklist's answers come from the place only, through a
signed link (``uec_checklist_answer``: no account, ``actor=None``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone

from engagements.context import checklist
from engagements.context.models import (
    GoodPractice,
    LocalProtocol,
    OtherSupport,
    PlaceContext,
    UecChecklist,
    UecSponsor,
)
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from fieldbook.audit import audit_record
from fieldbook.editing import plain
from fieldbook.errors import DomainError, StaleEditError
from places import names
from places.models import DeliveryBoard, Organisation, Person, Place

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from engagements.models import Theme

Errors = dict[str | None, list[str]]
TEXT_MAX = 4000
NAME_MAX = 200
PURPOSE = RespondentLink.Purpose.UEC_CHECKLIST


def _add(errors: Errors, field: str | None, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _line(errors: Errors, field: str, value: str, *, required: str = "",
          limit: int = NAME_MAX) -> str:
    value = " ".join(value.split())
    if required and not value:
        _add(errors, field, required)
    elif len(value) > limit:
        _add(errors, field, f"Enter {limit:,} characters or fewer")
    return value


def _text(errors: Errors, field: str, value: str, *, required: str = "",
          limit: int = TEXT_MAX) -> str:
    value = value.strip()
    if required and not value:
        _add(errors, field, required)
    elif len(value) > limit:
        _add(errors, field, f"Enter {limit:,} characters or fewer")
    return value


def _raise(errors: Errors) -> None:
    if errors:
        raise DomainError(field_errors=errors)


def _cas(model: type[Model], row: Model, *, seen: int, values: Mapping[str, Any],
         noun: str) -> None:
    """Write ``values`` if the row's version is still ``seen``; else ``StaleEditError``."""
    manager = model._default_manager
    updated = manager.filter(pk=row.pk, version=seen).update(
        **values, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        current = manager.filter(pk=row.pk).first()
        if current is None:
            raise DomainError(f"{noun} was removed since you opened it.")
        raise StaleEditError(current, noun=noun)


def _changes(row: Model, values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: plain(v) for k, v in values.items() if plain(getattr(row, k)) != plain(v)}


# -- the place's context --------------------------------------------------------------------

@transaction.atomic
def place_context_save(*, actor: User, place: Place, seen: int | None, councils: int | None,
                       commissioners: int | None, icb: str, coterminous: bool | None,
                       foundation_trust_applications: str, pressure: str,
                       pressure_on: dt.date | None, notes: str,
                       today: dt.date | None = None) -> PlaceContext:
    """Create or change the place's context. ``seen`` is the version the form was opened with
    (None: there was none yet; if someone created it meanwhile, that is a stale edit too).
    A pressure needs the day it was judged, which cannot be in the future."""
    today = today or timezone.localdate()
    errors: Errors = {}
    icb = _line(errors, "icb", icb)
    fta = _text(errors, "foundation_trust_applications", foundation_trust_applications)
    notes = _text(errors, "notes", notes)
    for field, number in (("councils", councils), ("commissioners", commissioners)):
        if number is not None and not 0 <= number <= 99:
            _add(errors, field, "Enter a number from 0 to 99")
    if pressure and pressure not in PlaceContext.Pressure.values:
        _add(errors, "pressure", "Choose the pressure from the list")
    if pressure and pressure_on is None:
        _add(errors, "pressure_on", "Enter the day the pressure was judged")
    if pressure_on is not None and pressure_on > today:
        _add(errors, "pressure_on", "The day the pressure was judged cannot be in the future")
    if pressure_on is not None and not pressure:
        _add(errors, "pressure", "Choose the pressure, or leave its date blank")
    if not errors and not any((councils is not None, commissioners is not None, icb,
                               coterminous is not None, fta, pressure, notes)):
        _add(errors, None, "Enter at least one thing about the place’s context")
    _raise(errors)
    values: dict[str, Any] = {
        "councils": councils, "commissioners": commissioners, "icb": icb,
        "coterminous": coterminous, "foundation_trust_applications": fta,
        "pressure": pressure, "pressure_on": pressure_on, "notes": notes,
        "updated_by": actor,
    }
    existing = PlaceContext.objects.filter(place=place).first()
    if existing is None:
        if seen is not None:
            raise DomainError("The context was removed since you opened it.")
        try:
            with transaction.atomic():
                row = PlaceContext.objects.create(place=place, **values)
        except IntegrityError:  # created by someone else between our read and write
            current = PlaceContext.objects.get(place=place)
            raise StaleEditError(current, noun="The place’s context") from None
        changes = {k: plain(v) for k, v in values.items() if k != "updated_by"}
        action = "engagements.place_context.created"
    else:
        if seen is None:
            raise StaleEditError(existing, noun="The place’s context")
        changes = _changes(existing, {k: v for k, v in values.items() if k != "updated_by"})
        _cas(PlaceContext, existing, seen=seen, values=values, noun="The place’s context")
        row = PlaceContext.objects.get(pk=existing.pk)
        action = "engagements.place_context.changed"
    audit_record(actor=actor, action=action, obj=row, changes=changes, place_id=place.pk)
    return row


# -- other support --------------------------------------------------------------------------

def _support_values(errors: Errors, *, name: str, owner: str, focus: str,
                    started_on: dt.date | None, ended_on: dt.date | None) -> dict[str, Any]:
    name = _line(errors, "name", name, required="Enter the programme’s name, like “SAFER”")
    owner = _line(errors, "owner", owner, required="Enter who runs it, like “NHS England”")
    focus = _text(errors, "focus", focus)
    if started_on is None:
        _add(errors, "started_on", "Enter the day it started in the place")
    if started_on and ended_on and ended_on < started_on:
        _add(errors, "ended_on", "The end date must be on or after the day it started")
    return {"name": name, "owner": owner, "focus": focus, "started_on": started_on,
            "ended_on": ended_on}


@transaction.atomic
def other_support_add(*, actor: User, place: Place, name: str, owner: str, focus: str,
                      started_on: dt.date | None, ended_on: dt.date | None) -> OtherSupport:
    errors: Errors = {}
    values = _support_values(errors, name=name, owner=owner, focus=focus,
                             started_on=started_on, ended_on=ended_on)
    _raise(errors)
    row = OtherSupport.objects.create(place=place, created_by=actor, **values)
    audit_record(actor=actor, action="engagements.other_support.created", obj=row,
                 changes={k: plain(v) for k, v in values.items()}, place_id=place.pk)
    return row


@transaction.atomic
def other_support_change(*, actor: User, support: OtherSupport, seen: int, name: str,
                         owner: str, focus: str, started_on: dt.date | None,
                         ended_on: dt.date | None) -> OtherSupport:
    errors: Errors = {}
    values = _support_values(errors, name=name, owner=owner, focus=focus,
                             started_on=started_on, ended_on=ended_on)
    _raise(errors)
    changes = _changes(support, values)
    _cas(OtherSupport, support, seen=seen, values=values, noun="This programme")
    audit_record(actor=actor, action="engagements.other_support.changed", obj=support,
                 changes=changes, place_id=support.place_id)
    return OtherSupport.objects.get(pk=support.pk)


# -- the board's UEC sponsor ----------------------------------------------------------------

def partner_people(board: DeliveryBoard) -> Any:
    """Who may be the board's sponsor, or a protocol's organisations' people: anyone of an
    organisation that serves the place. One query."""
    return (Person.objects.filter(organisation__places=board.place_id)
            .select_related("organisation").order_by("full_name", "pk").distinct())


@transaction.atomic
def uec_sponsor_set(*, actor: User, board: DeliveryBoard, seen: int | None,
                    person_id: int | None, since: dt.date | None,
                    today: dt.date | None = None) -> UecSponsor:
    """Name (or change) the board's executive sponsor for urgent and emergency care: a person
    of any of the place's partner organisations."""
    today = today or timezone.localdate()
    errors: Errors = {}
    person = partner_people(board).filter(pk=person_id).first() if person_id else None
    if person is None:
        _add(errors, "person", "Choose a person from one of the place’s partner organisations")
    if since is None:
        _add(errors, "since", "Enter the day they became sponsor")
    elif since > today:
        _add(errors, "since", "The day they became sponsor cannot be in the future")
    _raise(errors)
    existing = UecSponsor.objects.filter(board=board).first()
    values = {"person": person, "since": since, "updated_by": actor}
    if existing is None:
        if seen is not None:
            raise DomainError("The sponsor was removed since you opened it.")
        try:
            with transaction.atomic():
                row = UecSponsor.objects.create(board=board, **values)
        except IntegrityError:
            raise StaleEditError(UecSponsor.objects.get(board=board),
                                 noun="The board’s sponsor") from None
        action = "engagements.uec_sponsor.created"
    else:
        if seen is None:
            raise StaleEditError(existing, noun="The board’s sponsor")
        _cas(UecSponsor, existing, seen=seen, values=values, noun="The board’s sponsor")
        row = UecSponsor.objects.get(pk=existing.pk)
        action = "engagements.uec_sponsor.changed"
    assert person is not None and since is not None
    audit_record(actor=actor, action=action, obj=row, place_id=board.place_id,
                 changes={"person_id": person.pk, "since": since.isoformat()})
    return row


# -- local protocols ------------------------------------------------------------------------

def _protocol_values(errors: Errors, *, board: DeliveryBoard, title: str, covers: str,
                     organisation_ids: Iterable[int], agreed_on: dt.date | None,
                     review_on: dt.date | None, today: dt.date,
                     review_was: dt.date | None) -> tuple[dict[str, Any], list[Organisation]]:
    title = _line(errors, "title", title, required="Enter the protocol’s title")
    covers = _text(errors, "covers", covers, required="Say what the protocol covers")
    ids = set(organisation_ids)
    organisations = list(Organisation.objects.filter(places=board.place_id, pk__in=ids)
                         .order_by("name")) if ids else []
    if len(organisations) != len(ids):
        _add(errors, "organisations", "Choose organisations of this place only")
    elif not organisations:
        _add(errors, "organisations", "Choose the organisations party to the protocol")
    if agreed_on is not None and agreed_on > today:
        _add(errors, "agreed_on", "The day it was agreed cannot be in the future")
    if review_on is None:
        _add(errors, "review_on", "Enter the day the protocol is next to be reviewed")
    elif agreed_on is not None and review_on < agreed_on:
        _add(errors, "review_on", "The review date must be on or after the day it was agreed")
    elif review_on < today and review_on != review_was:
        # A review date already past is a review missed, not one to plan: say when it will be.
        _add(errors, "review_on", "The review date is in the past: enter when it will next "
                                  "be reviewed")
    return ({"title": title, "covers": covers, "agreed_on": agreed_on,
             "review_on": review_on}, organisations)


@transaction.atomic
def protocol_add(*, actor: User, board: DeliveryBoard, title: str, covers: str,
                 organisation_ids: Iterable[int], agreed_on: dt.date | None,
                 review_on: dt.date | None, today: dt.date | None = None) -> LocalProtocol:
    today = today or timezone.localdate()
    errors: Errors = {}
    values, organisations = _protocol_values(
        errors, board=board, title=title, covers=covers, organisation_ids=organisation_ids,
        agreed_on=agreed_on, review_on=review_on, today=today, review_was=None)
    _raise(errors)
    row = LocalProtocol.objects.create(board=board, created_by=actor, **values)
    row.organisations.set(organisations)
    audit_record(actor=actor, action="engagements.protocol.created", obj=row,
                 place_id=board.place_id,
                 changes={**{k: plain(v) for k, v in values.items()},
                          "organisations": plain(organisations)})
    return row


@transaction.atomic
def protocol_change(*, actor: User, protocol: LocalProtocol, seen: int, title: str,
                    covers: str, organisation_ids: Iterable[int], agreed_on: dt.date | None,
                    review_on: dt.date | None, today: dt.date | None = None) -> LocalProtocol:
    """Change a protocol (after a review, its next review date). A new review date clears the
    reminder sent for the old one."""
    today = today or timezone.localdate()
    errors: Errors = {}
    values, organisations = _protocol_values(
        errors, board=protocol.board, title=title, covers=covers,
        organisation_ids=organisation_ids, agreed_on=agreed_on, review_on=review_on,
        today=today, review_was=protocol.review_on)
    _raise(errors)
    changes = _changes(protocol, values)
    before = sorted(o.pk for o in protocol.organisations.all())
    if before != sorted(o.pk for o in organisations):
        changes["organisations"] = plain(organisations)
    if values["review_on"] != protocol.review_on:
        values["reminded_for"] = None
    _cas(LocalProtocol, protocol, seen=seen, values=values, noun="This protocol")
    protocol.organisations.set(organisations)
    audit_record(actor=actor, action="engagements.protocol.changed", obj=protocol,
                 changes=changes, place_id=protocol.board.place_id)
    return LocalProtocol.objects.get(pk=protocol.pk)


# -- the checklist the place answers --------------------------------------------------------

def checklist_contacts(board: DeliveryBoard) -> Any:
    """Who may answer the board's checklist: its current members with an email address."""
    return (Person.objects.filter(memberships__board=board, memberships__ended_on__isnull=True)
            .exclude(email="").select_related("organisation").order_by("full_name").distinct())


@transaction.atomic
def uec_checklist_send(*, actor: User, board: DeliveryBoard, person_id: int | None,
                       link_for: Callable[[str], str]) -> UecChecklist:
    """Ask a board member to answer the checklist for the board, through a signed link. A
    checklist already sent and not answered is sent again (its old link stops working)."""
    person = checklist_contacts(board).filter(pk=person_id).first() if person_id else None
    if person is None:
        raise DomainError(field_errors={"person": [
            "Choose a current member of the board who has an email address"]})
    row = (UecChecklist.objects.filter(board=board, state=UecChecklist.State.SENT).first()
           or UecChecklist.objects.create(board=board, sent_by=actor))
    link, token = respondents.link_create(actor=actor, purpose=PURPOSE, target=row,
                                          person=person)
    audit_record(actor=actor, action="engagements.uec_checklist.sent", obj=row,
                 place_id=board.place_id, changes={"link": link.pk, "person_id": person.pk})
    respondents.link_send_after_commit(link, token, link_for)
    return row


def checklist_for_link(link: RespondentLink) -> UecChecklist | None:
    return (UecChecklist.objects.filter(pk=link.object_id).select_related("board__place")
            .first())


@transaction.atomic
def uec_checklist_answer(*, token: str, answers: Mapping[str, tuple[str, str]],
                         now: dt.datetime | None = None) -> UecChecklist:
    """The board member's answers through their link: a status for every suggestion, with an
    optional comment each. The link is used in the same transaction: twice is refused
    (``LinkUnusable``). Audited by nobody (no account), with the answering role."""
    now = now or timezone.now()
    errors: Errors = {}
    clean: dict[str, dict[str, str]] = {}
    for key, _text_of in checklist.SUGGESTIONS:
        status, comment = answers.get(key, ("", ""))
        comment = comment.strip()
        if status not in checklist.Status.values:
            _add(errors, f"{key}_status", "Choose an answer")
        if len(comment) > checklist.COMMENT_MAX:
            _add(errors, f"{key}_comment", f"Enter {checklist.COMMENT_MAX:,} characters or fewer")
        clean[key] = {"status": status, "comment": comment}
    _raise(errors)
    link = respondents.link_claim(token=token, purpose=PURPOSE, now=now)
    row = checklist_for_link(link)
    if row is None or row.state != UecChecklist.State.SENT:
        raise respondents.LinkUnusable("revoked")
    role = link.person.role_title
    UecChecklist.objects.filter(pk=row.pk).update(
        state=UecChecklist.State.ANSWERED, answers=clean, answered_at=now,
        answered_by_role=role, updated_at=now)
    audit_record(actor=None, action="engagements.uec_checklist.answered", obj=row,
                 place_id=row.board.place_id, changes={"role": role, "link": link.pk})
    row.refresh_from_db()
    return row


# -- good practice --------------------------------------------------------------------------

@transaction.atomic
def good_practice_add(*, actor: User, place: Place, title: str, kind: str, description: str,
                      themes: Iterable[Theme], attributed_role: str,
                      recorded_on: dt.date | None = None) -> GoodPractice:
    """Add a piece of good practice to the library. Like shared learning it never names a
    person: a title, description or attribution naming anyone Fieldbook holds is refused."""
    errors: Errors = {}
    title = _line(errors, "title", title, required="Enter a short title for the practice")
    description = _text(errors, "description", description,
                        required="Describe the practice: what they do, and what it changed")
    role = _line(errors, "attributed_role", attributed_role)
    if kind not in GoodPractice.Kind.values:
        _add(errors, "kind", "Choose the kind of practice")
    if not errors:
        for person in names.known_people_in([title, description, role]):
            for field, text in (("title", title), ("description", description),
                                ("attributed_role", role)):
                if person.named_in(text):
                    _add(errors, field, f"This names {person.name}. The library never names "
                                        "a person: describe them by their role.")
    _raise(errors)
    theme_list = list(themes)
    row = GoodPractice.objects.create(
        place=place, title=title, kind=kind, description=description, attributed_role=role,
        recorded_on=recorded_on or timezone.localdate(), recorded_by=actor)
    row.themes.set(theme_list)
    audit_record(actor=actor, action="engagements.good_practice.created", obj=row,
                 place_id=place.pk, changes={"title": title, "kind": kind,
                                             "themes": plain([t.name for t in theme_list])})
    return row
