"""Board members: a person (name + organisation) on a place's delivery board."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

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
    Place,
)

# Rows per INSERT or UPDATE statement.
WRITE_BATCH = 500


@dataclass(frozen=True)
class _Member:
    """One valid row, with what Fieldbook already holds for it (``None``: nothing yet)."""

    row: int
    place: Place
    org: Organisation
    name: str
    role_title: str
    board_role: str
    key: tuple[int, str]  # (organisation id, lower-cased name): a person's natural key
    board: DeliveryBoard | None
    person: Person | None
    membership: BoardMembership | None


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
        member = self._read(outcome, row)
        if member is None:
            return outcome
        if self.duplicate(outcome, (member.place.pk, member.org.pk, member.key[1]), "full_name"):
            return outcome
        self._check_against_file_and_board(outcome, member)
        if outcome.errors:
            return outcome
        self._describe(outcome, member)
        if outcome.status != UNCHANGED:
            outcome.apply = partial(self._apply, member)
        return outcome

    def _read(self, outcome: RowOutcome, row: dict[str, str]) -> _Member | None:
        """The row's cells, looked up; ``None`` (with the errors recorded) if any is wrong."""
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
            return None
        key = (org.pk, lower_text(name))
        board = self.boards.get(place.pk)
        person = self.people.get(key)
        membership = self.memberships.get((board.pk, person.pk)) if board and person else None
        return _Member(outcome.row, place, org, name, role_title, board_role, key,
                       board, person, membership)

    def _check_against_file_and_board(self, outcome: RowOutcome, member: _Member) -> None:
        """One role title per person across the file; one chair per board."""
        earlier = self.file_people.setdefault(member.key, (member.row, member.role_title))
        if earlier[1] != member.role_title:
            outcome.error("role_title", f"Row {earlier[0]} gives {member.name} the role title "
                                        f"“{earlier[1]}”: use the same title on every row")
        if member.board_role != BoardMembership.BoardRole.CHAIR:
            return
        place = member.place
        chair = self.chairs.get(member.board.pk) if member.board else None
        first = self.file_chairs.setdefault(place.pk, (member.row, member.name))
        if first[0] != member.row:
            outcome.error("board_role", f"Row {first[0]} already makes {first[1]} the chair "
                                        f"of {place.name}'s board")
        elif chair and lower_text(chair) != lower_text(member.name):
            outcome.error("board_role", f"{place.name}'s board already has a chair ({chair})")

    def _describe(self, outcome: RowOutcome, member: _Member) -> None:
        """The row's status and what it would change."""
        person = member.person
        if person is not None and person.role_title != member.role_title:
            outcome.changes.append(f"role title: {person.role_title} → {member.role_title}")
        if member.membership is None:
            if member.board is None:
                outcome.changes.insert(0, f"creates {member.place.name} A&E Delivery Board")
            outcome.status = NEW
            return
        if member.membership.board_role != member.board_role:
            outcome.changes.append(
                f"board role: {member.membership.get_board_role_display()} → "
                f"{BoardMembership.BoardRole(member.board_role).label}")
        outcome.status = UPDATED if outcome.changes else UNCHANGED

    def _apply(self, member: _Member) -> None:
        """Queue the row's writes for flush(). Earlier rows may have queued the board or the
        person: they are reused. The planner already looked up the place, organisation, person
        and current membership, so full_clean() is not asked to (a query each)."""
        place, number = member.place, member.row
        board = self.boards.get(place.pk)
        if board is None:
            board = DeliveryBoard(place=place, name=f"{place.name} A&E Delivery Board")
            board.full_clean(exclude=["place"])
            self.boards[place.pk] = board
            self.new_boards.append((number, board))
        person = self.people.get(member.key)
        if person is None:
            person = Person(full_name=member.name, role_title=member.role_title,
                            organisation=member.org)
            person.full_clean(exclude=["organisation"])
            self.people[member.key] = person
            self.new_people.append(person)
        elif person.role_title != member.role_title:
            person.role_title = member.role_title
            self.retitled.append(person)
        current = (self.memberships.get((board.pk, person.pk))
                   if board.pk and person.pk else None)
        if current is None:
            current = BoardMembership(board=board, person=person, board_role=member.board_role)
            current.full_clean(exclude=["board", "person"], validate_constraints=False)
            self.new_memberships.append((number, current))
            if board.pk and person.pk:
                self.joined.append((number, board.pk, person.pk))
        elif current.board_role != member.board_role:
            current.board_role = member.board_role
            self.reroled.append(current)
        self.links.add((member.org.pk, place.pk))

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
