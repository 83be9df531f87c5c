"""A place's delivery board and its members, after onboarding.

A member who leaves is given an end date, never deleted: sessions record who was in the room,
and that history keeps its people. The rules are the model's (one current membership per
person and board; an end on or after the start) and onboarding's (one current chair), checked
here so that each message sits beside its field. The membership writes lock the board row
first, so two admins cannot each make a different person the chair at the same moment.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from fieldbook.audit import audit_record
from fieldbook.editing import changes_between, plain, update_if_unchanged
from fieldbook.errors import DomainError
from places.models import BoardMembership, DeliveryBoard, Organisation, Person, Place

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Errors = dict[str | None, list[str]]
Role = BoardMembership.BoardRole


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


@transaction.atomic
def board_save(
    *, actor: User, place: Place, name: str, established_on: dt.date | None,
    seen: dt.datetime | None = None,
) -> DeliveryBoard:
    """Give the place its board, or change the board's name and start date (if nobody else
    changed it since ``seen``). Audited as ``places.delivery_board.created`` or ``.changed``."""
    name = name.strip()
    if not name:
        raise DomainError(field_errors={"name": ["Enter the name of the delivery board"]})
    board = DeliveryBoard.objects.filter(place=place).first()
    values = {"name": name, "established_on": established_on}
    if board is None:
        board = DeliveryBoard(place=place, **values)
        try:
            with transaction.atomic():
                board.save()
        except IntegrityError as exc:
            raise DomainError("Someone else gave the place a board a moment ago. Open the "
                              "place again to see it.") from exc
        audit_record(actor=actor, action="places.delivery_board.created", obj=board,
                     changes={"place": place.name, **{k: plain(v) for k, v in values.items()}})
        return board
    if seen is None:
        raise DomainError("The place already has a board. Open the place again to change it.")
    before = {"name": board.name, "established_on": board.established_on}
    saved = update_if_unchanged(board, seen=seen, values=values, noun=board.name,
                                clash=DomainError("The board could not be saved"))
    changes = changes_between(before, values)
    if changes:
        audit_record(actor=actor, action="places.delivery_board.changed", obj=saved,
                     changes=changes)
    return saved


def _lock(board: DeliveryBoard) -> None:
    DeliveryBoard.objects.select_for_update().filter(pk=board.pk).first()


def _chair_error(board: DeliveryBoard, *, excluding: int | None = None) -> str | None:
    chairs = (BoardMembership.objects.select_related("person")
              .filter(board=board, board_role=Role.CHAIR, ended_on__isnull=True))
    if excluding is not None:
        chairs = chairs.exclude(pk=excluding)
    chair = chairs.first()
    if chair is None:
        return None
    return (f"The board already has a chair ({chair.person.full_name}). Choose vice-chair or "
            "member, or first change the chair's membership")


def _dates_errors(errors: Errors, *, started_on: dt.date | None, ended_on: dt.date | None,
                  today: dt.date) -> None:
    if started_on and started_on > today:
        _add(errors, "started_on", "The date they joined cannot be in the future")
    if ended_on and ended_on > today:
        _add(errors, "ended_on", "The date they left cannot be in the future. Come back on "
                                 "the day they leave")
    elif ended_on and started_on and ended_on < started_on:
        _add(errors, "ended_on", f"The date they left must be on or after the date they joined "
                                 f"({started_on:%-d %B %Y})")


@transaction.atomic
def board_member_add(
    *, actor: User, board: DeliveryBoard, board_role: str, person: Person | None = None,
    full_name: str = "", role_title: str = "", organisation: Organisation | None = None,
    started_on: dt.date | None = None, today: dt.date | None = None,
) -> BoardMembership:
    """Put someone on the board: ``person`` if they are already in Fieldbook, or a new person
    (name, role title, one of the place's organisations: all a board member's record holds).
    Audited as ``places.board_membership.created`` (and ``places.person.created``)."""
    today = today or timezone.localdate()
    _lock(board)
    errors: Errors = {}
    full_name, role_title = full_name.strip(), role_title.strip()
    if board_role not in Role.values:
        _add(errors, "board_role", "Choose their role on the board")
    elif board_role == Role.CHAIR and (message := _chair_error(board)):
        _add(errors, "board_role", message)
    _dates_errors(errors, started_on=started_on, ended_on=None, today=today)
    if person is not None:
        if BoardMembership.objects.filter(board=board, person=person,
                                          ended_on__isnull=True).exists():
            _add(errors, "person", f"{person.full_name} is already on the board")
    else:
        if not full_name:
            _add(errors, "full_name", "Enter the new member's full name, or choose someone "
                                      "already in Fieldbook")
        if not role_title:
            _add(errors, "role_title", "Enter the new member's role title, for example Chief "
                                       "Operating Officer")
        if organisation is None:
            _add(errors, "organisation", "Choose the new member's organisation")
        elif not organisation.places.filter(pk=board.place_id).exists():
            _add(errors, "organisation", f"{organisation.name} does not serve this place. "
                                         "Choose one of the place's organisations")
        elif full_name and (same := Person.objects.filter(
                organisation=organisation, full_name__iexact=full_name).first()):
            _add(errors, "full_name", f"{same.full_name} of {organisation.name} is already in "
                                      "Fieldbook: choose them from the list of people")
    if errors:
        raise DomainError(field_errors=errors)
    if person is None:
        assert organisation is not None
        person = Person.objects.create(full_name=full_name, role_title=role_title,
                                       organisation=organisation)
        audit_record(actor=actor, action="places.person.created", obj=person, changes={
            "full_name": full_name, "role_title": role_title, "organisation": organisation.name})
    membership = BoardMembership(board=board, person=person, board_role=board_role,
                                 started_on=started_on)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise DomainError(field_errors={"person": [
            f"{person.full_name} was put on the board by someone else a moment ago"]}) from exc
    audit_record(actor=actor, action="places.board_membership.created", obj=membership,
                 changes={"board": board.name, "person": person.full_name,
                          "board_role": board_role, "started_on": plain(started_on)})
    return membership


@transaction.atomic
def board_membership_change(
    *, actor: User, membership: BoardMembership, seen: dt.datetime, role_title: str,
    board_role: str, started_on: dt.date | None, ended_on: dt.date | None,
    today: dt.date | None = None,
) -> BoardMembership:
    """Change a member's role title, board role and dates, if nobody else changed the
    membership since ``seen``. Leaving the board is an end date: the membership stays, and so
    does every session that records them. The role title is the person's (the same on every
    board they sit on). Audited as ``places.board_membership.changed``."""
    today = today or timezone.localdate()
    board, person = membership.board, membership.person
    _lock(board)
    errors: Errors = {}
    role_title = role_title.strip()
    if not role_title:
        _add(errors, "role_title", "Enter their role title, for example Chief Operating Officer")
    if board_role not in Role.values:
        _add(errors, "board_role", "Choose their role on the board")
    elif board_role == Role.CHAIR and ended_on is None and (
            message := _chair_error(board, excluding=membership.pk)):
        _add(errors, "board_role", message)
    _dates_errors(errors, started_on=started_on, ended_on=ended_on, today=today)
    if ended_on is None and membership.ended_on is not None and BoardMembership.objects.filter(
            board=board, person=person, ended_on__isnull=True).exclude(pk=membership.pk).exists():
        _add(errors, "ended_on", f"{person.full_name} is on the board again in a later "
                                 "membership: keep this one's end date")
    if errors:
        raise DomainError(field_errors=errors)
    before = {"role_title": person.role_title, "board_role": membership.board_role,
              "started_on": membership.started_on, "ended_on": membership.ended_on}
    values = {"board_role": board_role, "started_on": started_on, "ended_on": ended_on}
    saved = update_if_unchanged(
        membership, seen=seen, values=values, noun=f"{person.full_name}'s membership",
        clash=DomainError(field_errors={"ended_on": [
            f"{person.full_name} is on the board again in a later membership"]}))
    if person.role_title != role_title:
        person.role_title = role_title
        person.save(update_fields=["role_title", "updated_at"])
    changes = changes_between(before, {**values, "role_title": role_title})
    if changes:
        audit_record(actor=actor, action="places.board_membership.changed", obj=saved,
                     changes={"person": person.full_name, **changes})
    return saved
