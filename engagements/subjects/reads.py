"""The person index: every place one person appears in Fieldbook, grouped by kind.

Normal reads never open a private note: the notes that name a person are found only by the
break-glass search (``notes_matching``), once an Admin other than the DPO approved it.

Cost: ``person_index`` runs a fixed number of queries (five) whatever the size of the
database: the person, their memberships, the sessions they attended, their respondent links,
the outcomes those links answered, and the learning recorded at the places they sit on the
board of (the texts are checked for their name in Python: a place holds hundreds of items, not
millions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from engagements.models import LearningItem, Outcome, Session
from engagements.respondents.models import RespondentLink
from engagements.subjects.models import NoteSearch, SubjectAccessRequest
from fieldbook.units import one_month_after
from places import names
from places.models import BoardMembership, Person

SEARCH_LIMIT = 50


def due_on(received_on: dt.date) -> dt.date:
    """One calendar month after the request was received (UK GDPR Article 12(3)); the 31st
    of a shorter month falls on its last day."""
    return one_month_after(received_on)


def people_search(query: str) -> QuerySet[Person]:
    """People whose name, role or organisation contains ``query``: at most ``SEARCH_LIMIT``.
    One query."""
    query = query.strip()
    if not query:
        return Person.objects.none()
    return (Person.objects.filter(Q(full_name__icontains=query) | Q(email__iexact=query)
                                  | Q(organisation__name__icontains=query))
            .select_related("organisation").order_by("full_name", "pk")[:SEARCH_LIMIT])


@dataclass
class PersonIndex:
    person: Person
    memberships: list[BoardMembership] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    diagnostics: list[Session] = field(default_factory=list)
    links: list[RespondentLink] = field(default_factory=list)
    confirmations: list[Outcome] = field(default_factory=list)
    attributed: list[LearningItem] = field(default_factory=list)
    named_in_learning: list[LearningItem] = field(default_factory=list)
    place_ids: set[int] = field(default_factory=set)
    # On the DPO's page (``shown``): how many there are of each, when only the latest are read.
    session_count: int | None = None
    diagnostic_count: int | None = None

    @property
    def sessions_total(self) -> int:
        return len(self.sessions) if self.session_count is None else self.session_count

    @property
    def diagnostics_total(self) -> int:
        return len(self.diagnostics) if self.diagnostic_count is None else self.diagnostic_count

    @property
    def kinds(self) -> list[tuple[str, int]]:
        return [
            ("Board memberships", len(self.memberships)),
            ("Sessions attended", self.sessions_total),
            ("Diagnostic participation", self.diagnostics_total),
            ("Respondent links", len(self.links)),
            ("Outcome confirmations", len(self.confirmations)),
            ("Learning attributed to their role", len(self.attributed)),
            ("Learning that names them", len(self.named_in_learning)),
        ]

    @property
    def is_empty(self) -> bool:
        """Nothing but the person's own record: no pack to compile."""
        return not any(count for _, count in self.kinds)


def person_for_dpo(pk: int) -> Person | None:
    return Person.objects.select_related("organisation").filter(pk=pk).first()


def person_index(person: Person, *, shown: int | None = None) -> PersonIndex:
    """Everything that concerns ``person``. The pack reads all of it (four queries); the DPO's
    page (``shown``) reads the latest ``shown`` sessions and diagnostics and counts the rest
    (five queries): a board member of ten years may have attended thousands of sessions."""
    index = PersonIndex(person=person)
    index.memberships = list(BoardMembership.objects.filter(person=person)
                             .select_related("board__place").order_by("-started_on", "pk"))
    attended_qs = (Session.objects.filter(attendees=person)
                   .select_related("engagement__place", "engagement__programme")
                   .order_by("-date", "-pk"))
    if shown is None:
        attended = list(attended_qs)
        index.sessions = [s for s in attended if s.kind != Session.Kind.DIAGNOSTIC]
        index.diagnostics = [s for s in attended if s.kind == Session.Kind.DIAGNOSTIC]
        index.place_ids = {s.engagement.place_id for s in attended}
    else:
        # Every session's key, date and kind (cheap rows), then the latest ``shown`` of each
        # kind in full: a LIMIT on the join lets PostgreSQL walk all sessions by date instead.
        attended_keys = sorted(Session.objects.filter(attendees=person).values_list(
            "date", "pk", "kind", "engagement__place_id"), reverse=True)
        others = [k for k in attended_keys if k[2] != Session.Kind.DIAGNOSTIC]
        diagnostic = [k for k in attended_keys if k[2] == Session.Kind.DIAGNOSTIC]
        index.session_count, index.diagnostic_count = len(others), len(diagnostic)
        index.place_ids = {k[3] for k in attended_keys}
        chosen = {k[1] for k in others[:shown]} | {k[1] for k in diagnostic[:shown]}
        rows = list(Session.objects.filter(pk__in=chosen)
                    .select_related("engagement__place", "engagement__programme")
                    .order_by("-date", "-pk")) if chosen else []
        index.sessions = [r for r in rows if r.kind != Session.Kind.DIAGNOSTIC]
        index.diagnostics = [r for r in rows if r.kind == Session.Kind.DIAGNOSTIC]
    index.links = list(RespondentLink.objects.filter(person=person).order_by("-created_at"))
    answered = [link.object_id for link in index.links
                if link.purpose == RespondentLink.Purpose.CONFIRM_OUTCOME and link.used_at]
    index.confirmations = list(
        Outcome.objects.filter(pk__in=answered).exclude(confirmed_at__isnull=True)
        .select_related("engagement__place").order_by("-confirmed_at")) if answered else []
    index.place_ids |= {m.board.place_id for m in index.memberships}
    keys = names.keys(person.full_name)
    role = person.role_title.strip().casefold()
    if index.place_ids and (keys or role):
        learning = (LearningItem.objects
                    .filter(session__engagement__place_id__in=index.place_ids)
                    .select_related("session__engagement__place").order_by("-created_at", "-pk"))
        for item in learning:
            if role and item.attributed_role.strip().casefold() == role:
                index.attributed.append(item)
            if keys and names.spans(item.text, keys):
                index.named_in_learning.append(item)
    return index


def requests_open() -> QuerySet[SubjectAccessRequest]:
    """Every request, soonest due first, with its person. One query; paginated by the view."""
    return SubjectAccessRequest.objects.select_related("person__organisation").order_by(
        "due_on", "-pk")


def request_for_dpo(pk: int) -> SubjectAccessRequest | None:
    return (SubjectAccessRequest.objects.defer("pack_pdf", "pack_json")
            .select_related("person__organisation", "logged_by").filter(pk=pk).first())


def note_sessions(index: PersonIndex) -> QuerySet[Session]:
    """The sessions whose notes a break-glass search reads: those at the person's places and
    those they attended (a person is written about where they work)."""
    return (Session.objects.filter(Q(engagement__place_id__in=index.place_ids)
                                   | Q(attendees=index.person))
            .distinct().select_related("engagement__place", "notes_author")
            .prefetch_related("note_clarifications").order_by("-date", "-pk"))


@dataclass
class MatchedNote:
    session: Session
    text: str  # empty for a note given in confidence: it is not disclosed
    clarifications: list[tuple[dt.datetime, str]]
    in_confidence: bool


def notes_matching(index: PersonIndex, search: NoteSearch) -> list[MatchedNote]:
    """Break-glass: the private notes that name the person, for an approved search only
    (``notes_open_for_subject_access`` refuses any other). A note given in confidence is
    listed without its text."""
    from engagements.notes import clarification_open, notes_open_for_subject_access

    keys = names.keys(index.person.full_name)
    if keys is None or (not index.place_ids and not index.sessions and not index.diagnostics):
        return []
    found = []
    for session in note_sessions(index):
        text = notes_open_for_subject_access(session, search=search)
        if not names.spans(text, keys):
            continue
        clarifications = [
            (c.created_at, clarification_open(c.text_sealed, author_id=c.author_id))
            for c in session.note_clarifications.all()
        ]
        found.append(MatchedNote(
            session=session, text="" if session.notes_in_confidence else text,
            clarifications=[] if session.notes_in_confidence else clarifications,
            in_confidence=session.notes_in_confidence))
    return found


def search_approved(request: SubjectAccessRequest) -> NoteSearch | None:
    return (request.note_searches.filter(status=NoteSearch.Status.APPROVED)
            .order_by("-decided_at").first())
