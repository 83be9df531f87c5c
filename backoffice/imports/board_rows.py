"""Board members: a person (name + organisation) on a place's delivery board."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from backoffice.imports.base import NEW, UNCHANGED, UPDATED, Column, Planner, RowOutcome, lower_text
from backoffice.onboarding import BOARD_ROLE_WORDS
from places.models import (
    BoardMembership,
    DeliveryBoard,
    ImportBatch,
    Organisation,
    Person,
)

# Rows per INSERT or UPDATE statement.
WRITE_BATCH = 500


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
        # Filled on confirm only, by the rows' apply functions, and written by flush().
        self.new_boards: list[tuple[int, DeliveryBoard]] = []
        self.new_people: list[Person] = []
        self.new_memberships: list[tuple[int, BoardMembership]] = []
        # New memberships of people already on record to boards that exist: the only ones the
        # "one current membership" constraint can refuse (rows, board ids, person ids).
        self.joined: list[tuple[int, int, int]] = []
        self.retitled: list[Person] = []
        self.reroled: list[BoardMembership] = []
        self.links: set[tuple[int, int]] = set()

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
            # Earlier rows may have queued the board or the person: reuse them. Nothing is
            # written until flush(); the planner already looked up the place, organisation,
            # person and current membership, so full_clean() is not asked to (a query each).
            current_board = self.boards.get(place.pk)
            if current_board is None:
                current_board = DeliveryBoard(place=place, name=f"{place.name} A&E Delivery Board")
                current_board.full_clean(exclude=["place"])
                self.boards[place.pk] = current_board
                self.new_boards.append((number, current_board))
            current_person = self.people.get(person_key)
            if current_person is None:
                current_person = Person(full_name=name, role_title=role_title, organisation=org)
                current_person.full_clean(exclude=["organisation"])
                self.people[person_key] = current_person
                self.new_people.append(current_person)
            elif current_person.role_title != role_title:
                current_person.role_title = role_title
                self.retitled.append(current_person)
            current = (self.memberships.get((current_board.pk, current_person.pk))
                       if current_board.pk and current_person.pk else None)
            if current is None:
                current = BoardMembership(board=current_board, person=current_person,
                                          board_role=board_role)
                current.full_clean(exclude=["board", "person"], validate_constraints=False)
                self.new_memberships.append((number, current))
                if current_board.pk and current_person.pk:
                    self.joined.append((number, current_board.pk, current_person.pk))
            elif current.board_role != board_role:
                current.board_role = board_role
                self.reroled.append(current)
            self.links.add((org.pk, place.pk))
        outcome.apply = apply
        return outcome

    def flush(self) -> None:
        if self.new_memberships or self.retitled or self.reroled or self.links:
            self.write_in_bulk(self.write)

    def write(self) -> None:
        # Boards and people first: their INSERTs return the ids (RETURNING, on PostgreSQL and
        # SQLite) that the memberships queued with them then take.
        DeliveryBoard.objects.bulk_create([board for _, board in self.new_boards],
                                          batch_size=WRITE_BATCH)
        Person.objects.bulk_create(self.new_people, batch_size=WRITE_BATCH)
        BoardMembership.objects.bulk_create([m for _, m in self.new_memberships],
                                            batch_size=WRITE_BATCH)
        now = timezone.now()
        for person in self.retitled:
            person.updated_at = now  # bulk_update() does not apply auto_now
        Person.objects.bulk_update(self.retitled, ["role_title", "updated_at"],
                                   batch_size=WRITE_BATCH)
        for membership in self.reroled:
            membership.updated_at = now
        BoardMembership.objects.bulk_update(self.reroled, ["board_role", "updated_at"],
                                            batch_size=WRITE_BATCH)
        link = Organisation.places.through
        # As places.add() does: a link that exists already is left as it is.
        link.objects.bulk_create(
            [link(organisation_id=org_id, place_id=place_id) for org_id, place_id in self.links],
            batch_size=WRITE_BATCH, ignore_conflicts=True)

    def clashing_row(self) -> int | None:
        """The first row whose new board, or new current membership of an existing person on an
        existing board, another writer has saved meanwhile."""
        boards_taken = set(DeliveryBoard.objects.filter(
            place_id__in=[board.place_id for _, board in self.new_boards]
        ).order_by().values_list("place_id", flat=True))
        members_taken = set(BoardMembership.objects.filter(
            board_id__in={board_id for _, board_id, _ in self.joined}, ended_on__isnull=True,
        ).order_by().values_list("board_id", "person_id")) if self.joined else set()
        rows = [number for number, board in self.new_boards if board.place_id in boards_taken]
        rows += [number for number, board_id, person_id in self.joined
                 if (board_id, person_id) in members_taken]
        return min(rows, default=None)
