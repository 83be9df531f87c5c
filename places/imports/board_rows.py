"""Board members: a person (name + organisation) on a place's delivery board."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower

from ..models import (
    BoardMembership,
    DeliveryBoard,
    ImportBatch,
    Organisation,
    Person,
)
from ..onboarding import BOARD_ROLE_WORDS
from .base import NEW, UNCHANGED, UPDATED, Column, Planner, RowOutcome, lower_text


class BoardMembersPlanner(Planner):
    kind = ImportBatch.Kind.BOARD_MEMBERS
    key_label = "person, organisation and place"
    columns = (
        Column("place_name", True, "The place whose board they sit on", "Leeds"),
        Column("region", True, "The place's region: code or name", "north"),
        Column("full_name", True, "The member's full name", "Sam Example"),
        Column("role_title", True, "Their job title", "Chief Operating Officer"),
        Column("organisation", True, "Their organisation: ODS code or exact name", "RR8"),
        Column("board_role", False, "chair, vice-chair or member (member if empty)", "member"),
    )

    def load(self) -> None:
        self.load_regions()
        self.load_places()
        org_texts = self.values("organisation")
        orgs = list(Organisation.objects.annotate(lname=Lower("name")).filter(
            Q(lname__in=org_texts) | Q(ods_code__in={t.upper() for t in org_texts})
        )) if org_texts else []
        self.orgs = {lower_text(o.name): o for o in orgs}
        self.orgs.update({lower_text(o.ods_code): o for o in orgs if o.ods_code})
        names = self.values("full_name")
        self.people = {
            (p.organisation_id, lower_text(p.full_name)): p
            for p in Person.objects.annotate(lname=Lower("full_name")).filter(
                lname__in=names, organisation__in=orgs)
        } if names and orgs else {}
        place_ids = [p.pk for p in self.places.values()]
        self.boards = {b.place_id: b for b in DeliveryBoard.objects.filter(place_id__in=place_ids)}
        self.memberships = {
            (m.board_id, m.person_id): m
            for m in BoardMembership.objects.filter(
                board__place_id__in=place_ids, ended_on__isnull=True
            ).select_related("person")
        }
        self.chairs: dict[int, str] = {
            board_id: m.person.full_name for (board_id, _), m in self.memberships.items()
            if m.board_role == BoardMembership.BoardRole.CHAIR
        }
        self.file_people: dict[tuple[int, str], tuple[int, str]] = {}
        self.file_chairs: dict[int, tuple[int, str]] = {}

    def plan(self, number: int, row: dict[str, str]) -> RowOutcome:
        outcome = RowOutcome(number)
        place = self.existing_place(outcome, row)
        name = self.need(outcome, row, "full_name", "the member's full name")
        role_title = self.need(outcome, row, "role_title", "the member's role title")
        org_text = row.get("organisation", "").strip()
        org = self.orgs.get(lower_text(org_text)) if org_text else None
        if not org_text:
            outcome.error("organisation", "Enter the member's organisation (ODS code or name)")
        elif org is None:
            outcome.error("organisation", f"Unknown organisation “{org_text}”. Import it first "
                                          "in an organisations file")
        role_text = row.get("board_role", "").strip() or "member"
        board_role = BOARD_ROLE_WORDS.get(lower_text(role_text))
        if board_role is None:
            outcome.error("board_role", f"Unknown board role “{role_text}”: use chair, "
                                        "vice-chair or member")
        outcome.key = f"{name}, {org.name if org else org_text}" + (
            f" on {place.name}" if place else "")
        if place is None or org is None or not name or not role_title or board_role is None:
            return outcome
        if self.duplicate(outcome, (place.pk, org.pk, lower_text(name)), "full_name"):
            return outcome
        person_key = (org.pk, lower_text(name))
        earlier = self.file_people.setdefault(person_key, (number, role_title))
        if earlier[1] != role_title:
            outcome.error("role_title", f"Row {earlier[0]} gives {name} the role title "
                                        f"“{earlier[1]}”: use the same title on every row")
        board = self.boards.get(place.pk)
        person = self.people.get(person_key)
        membership = self.memberships.get((board.pk, person.pk)) if board and person else None
        if board_role == BoardMembership.BoardRole.CHAIR:
            chair = self.chairs.get(board.pk) if board else None
            first = self.file_chairs.setdefault(place.pk, (number, name))
            if first[0] != number:
                outcome.error("board_role", f"Row {first[0]} already makes {first[1]} the chair "
                                            f"of {place.name}'s board")
            elif chair and lower_text(chair) != lower_text(name):
                outcome.error("board_role", f"{place.name}'s board already has a chair "
                                            f"({chair})")
        if outcome.errors:
            return outcome

        if membership is not None:
            if person is not None and person.role_title != role_title:
                outcome.changes.append(f"role title: {person.role_title} → {role_title}")
            if membership.board_role != board_role:
                outcome.changes.append(f"board role: {membership.get_board_role_display()} → "
                                       f"{BoardMembership.BoardRole(board_role).label}")
            outcome.status = UPDATED if outcome.changes else UNCHANGED
        else:
            outcome.status = NEW
            if board is None:
                outcome.changes.append(f"creates {place.name} A&E Delivery Board")
            if person is not None and person.role_title != role_title:
                outcome.changes.append(f"role title: {person.role_title} → {role_title}")
        if outcome.status == UNCHANGED:
            return outcome

        def apply() -> None:
            # Earlier rows may have created the board or the person: look again at write time.
            current_board = self.boards.get(place.pk)
            if current_board is None:
                current_board = DeliveryBoard(place=place, name=f"{place.name} A&E Delivery Board")
                current_board.full_clean()
                current_board.save()
                self.boards[place.pk] = current_board
            current_person = self.people.get(person_key)
            if current_person is None:
                current_person = Person(full_name=name, role_title=role_title, organisation=org)
                current_person.full_clean()
                current_person.save()
                self.people[person_key] = current_person
            elif current_person.role_title != role_title:
                current_person.role_title = role_title
                current_person.save(update_fields=["role_title", "updated_at"])
            current = self.memberships.get((current_board.pk, current_person.pk))
            if current is None:
                current = BoardMembership(board=current_board, person=current_person,
                                          board_role=board_role)
                current.full_clean()
                current.save()
                self.memberships[(current_board.pk, current_person.pk)] = current
            elif current.board_role != board_role:
                current.board_role = board_role
                current.save(update_fields=["board_role", "updated_at"])
            org.places.add(place)
        outcome.apply = apply
        return outcome
