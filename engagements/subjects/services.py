"""Subject access's writes: logging a request, compiling its pack (a Celery job), the
break-glass private-note search (asked by the DPO, decided by another person, an Admin), and
an enabler's clarification of a disputed note.

Every step is audited (``engagements.subject_access.*``, ``engagements.note_search.*``,
``engagements.session.note_clarified``) and written to the request's own log, in words, without
any private note's text. A refusal (a pack for someone Fieldbook holds nothing about, a search
approved by the person who asked for it) is audited in a transaction of its own, then raised, so
the refusal is on record although nothing else changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from engagements.notes import clarification_seal
from engagements.subjects import pack as packs
from engagements.subjects.models import NoteClarification, NoteSearch, SubjectAccessRequest
from engagements.subjects.reads import (
    MatchedNote,
    due_on,
    notes_matching,
    person_index,
    search_approved,
)
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from fieldbook.roles import Role, user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from engagements.models import Session
    from places.models import Person

logger = logging.getLogger(__name__)
MAX_CLARIFICATION = 5000


def _step(request: SubjectAccessRequest, actor: User | None, what: str) -> None:
    """Add a step to the request's log, in words: when, who (their name: the log is the DPO's
    and the requester's, not a summary), what."""
    who = (actor.get_full_name() or actor.get_username()) if actor is not None else "Fieldbook"
    request.log = [*request.log, {"on": timezone.localtime().strftime("%d %b %Y %H:%M"),
                                  "by": who, "what": what}]


def _refuse(*, actor: User, action: str, obj: object, changes: dict[str, object],
            message: str) -> DomainError:
    with transaction.atomic():
        audit_record(actor=actor, action=action, obj=obj,  # type: ignore[arg-type]
                     changes=changes)
    return DomainError(message)


@transaction.atomic
def sar_log(*, actor: User, person: Person, received_on: dt.date,
            how_received: str = "", today: dt.date | None = None) -> SubjectAccessRequest:
    today = today or timezone.localdate()
    if received_on > today:
        raise DomainError(field_errors={"received_on": [
            "The date received must be today or in the past."]})
    request = SubjectAccessRequest(person=person, received_on=received_on,
                                   due_on=due_on(received_on), logged_by=actor,
                                   how_received=how_received.strip()[:200])
    _step(request, actor, f"Request logged, received {received_on:%d %b %Y}, due "
                          f"{request.due_on:%d %b %Y}.")
    request.full_clean()
    request.save()
    audit_record(actor=actor, action="engagements.subject_access.logged", obj=request,
                 changes={"received_on": received_on.isoformat(),
                          "due_on": request.due_on.isoformat()})
    return request


# A pack still compiling this long after it was asked for was lost (the broker was down, or its
# worker died): the page offers to compile it again.
COMPILE_STALE_AFTER = dt.timedelta(seconds=settings.FIELDBOOK_JOBS_RUNNING_STALE_SECONDS)


def compile_looks_lost(request: SubjectAccessRequest) -> bool:
    return (request.status == SubjectAccessRequest.Status.COMPILING
            and request.updated_at < timezone.now() - COMPILE_STALE_AFTER)


def sar_compile(*, actor: User, request: SubjectAccessRequest, version: int) -> None:
    """Queue the pack's compilation. Refused (audited) when Fieldbook holds nothing about the
    person but their own record; a stale form (``version``) is refused too."""
    index = person_index(request.person)
    if index.is_empty:
        raise _refuse(actor=actor, action="engagements.subject_access.refused", obj=request,
                      changes={"reason": "no records"},
                      message=f"Fieldbook holds no records about {request.person.full_name} "
                              "beyond their name, role and organisation, so there is no pack "
                              "to compile. Tell them so in writing; the refusal is on record.")
    from engagements.subjects.tasks import compile_subject_access_pack

    with transaction.atomic():
        locked = SubjectAccessRequest.objects.select_for_update().get(pk=request.pk)
        if locked.version != version:
            raise DomainError("This request changed since you opened it: look again before "
                              "compiling.")
        if locked.status == SubjectAccessRequest.Status.COMPILING and not compile_looks_lost(
                locked):
            raise DomainError("The pack is already being compiled.")
        _step(locked, actor, "Pack compilation asked for.")
        SubjectAccessRequest.objects.filter(pk=locked.pk).update(
            status=SubjectAccessRequest.Status.COMPILING, log=locked.log, compile_error="",
            version=F("version") + 1, updated_at=timezone.now())
        audit_record(actor=actor, action="engagements.subject_access.compile_requested",
                     obj=locked, changes={})
        actor_id = actor.pk
        transaction.on_commit(lambda: compile_subject_access_pack.delay(locked.pk, actor_id),
                              robust=True)


def sar_pack_build(*, request_id: int, actor_id: int | None = None) -> str:
    """The job: build the pack's JSON and PDF and store them. Idempotent: only a request that
    is compiling is built, and stored only if it still is."""
    from django.contrib.auth.models import User

    request = (SubjectAccessRequest.objects.defer("pack_pdf", "pack_json")
               .select_related("person__organisation").filter(pk=request_id).first())
    if request is None or request.status != SubjectAccessRequest.Status.COMPILING:
        return "nothing to do"
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    index = person_index(request.person)
    search = search_approved(request)
    notes = notes_matching(index, search) if search is not None else None
    records = sum(count for _, count in index.kinds) + len(notes or [])
    _step(request, actor, f"Pack compiled: {records} records"
                          + (", private notes searched with approval." if notes is not None
                             else "; private notes not searched."))
    content = packs.pack_content(request, index, notes)
    json_bytes, pdf_bytes = packs.pack_json(content), packs.pack_pdf(content)
    with transaction.atomic():
        stored = SubjectAccessRequest.objects.filter(
            pk=request.pk, status=SubjectAccessRequest.Status.COMPILING).update(
            status=SubjectAccessRequest.Status.READY, pack_json=json_bytes, pack_pdf=pdf_bytes,
            compiled_at=timezone.now(), log=request.log, version=F("version") + 1)
        if stored:
            audit_record(actor=actor, action="engagements.subject_access.compiled", obj=request,
                         changes={"records": records, "notes_searched": notes is not None})
    return "stored" if stored else "changed meanwhile"


def sar_pack_failed(*, request_id: int, error: str) -> None:
    SubjectAccessRequest.objects.filter(
        pk=request_id, status=SubjectAccessRequest.Status.COMPILING).update(
        status=SubjectAccessRequest.Status.FAILED, compile_error=error[:300],
        version=F("version") + 1)


@transaction.atomic
def sar_pack_read(*, actor: User, request: SubjectAccessRequest, fmt: str) -> bytes | None:
    """The pack's PDF or JSON, audited as downloaded; None if there is none yet."""
    field = {"pdf": "pack_pdf", "json": "pack_json"}[fmt]
    data = (SubjectAccessRequest.objects.filter(pk=request.pk)
            .values_list(field, flat=True).first())
    if data is None:
        return None
    audit_record(actor=actor, action="engagements.subject_access.downloaded", obj=request,
                 changes={"format": fmt})
    return bytes(data)


# ---- break-glass ---------------------------------------------------------------------------

@transaction.atomic
def note_search_ask(*, actor: User, request: SubjectAccessRequest, reason: str) -> NoteSearch:
    reason = reason.strip()
    if not reason:
        raise DomainError(field_errors={"reason": [
            "Say why the private notes need searching for this request."]})
    if request.note_searches.filter(status__in=[NoteSearch.Status.ASKED,
                                                NoteSearch.Status.APPROVED]).exists():
        raise DomainError("A search of the private notes for this request has been asked for "
                          "already.")
    search = NoteSearch.objects.create(request=request, asked_by=actor, reason=reason[:2000])
    locked = SubjectAccessRequest.objects.select_for_update().get(pk=request.pk)
    _step(locked, actor, "Search of the enablers' private notes asked for; awaiting an "
                         "Admin's approval.")
    SubjectAccessRequest.objects.filter(pk=request.pk).update(log=locked.log)
    audit_record(actor=actor, action="engagements.note_search.asked", obj=search, changes={})
    return search


def note_search_decide(*, actor: User, search: NoteSearch, approve: bool,
                       note: str = "") -> NoteSearch:
    """An Admin approves or refuses. The one who asked never decides (refused, audited, and the
    database refuses it too). On approval the authors of the notes that name the person are
    told, by email, that their notes were opened for a subject-access request."""
    if actor.pk == search.asked_by_id:
        raise _refuse(actor=actor, action="engagements.note_search.self_approval_refused",
                      obj=search, changes={},
                      message="You asked for this search, so someone else must decide it: "
                              "a second person's approval is the safeguard.")
    if Role.ADMIN not in user_roles(actor):
        raise DomainError("Only an Admin can decide a search of the private notes.")
    with transaction.atomic():
        updated = NoteSearch.objects.filter(pk=search.pk, status=NoteSearch.Status.ASKED).update(
            status=NoteSearch.Status.APPROVED if approve else NoteSearch.Status.REFUSED,
            decided_by=actor, decided_at=timezone.now(), decision_note=note.strip()[:500])
        if not updated:
            raise DomainError("This search has been decided already.")
        search.refresh_from_db()
        request = SubjectAccessRequest.objects.select_for_update().select_related(
            "person").get(pk=search.request_id)
        authors: set[int] = set()
        if approve:
            matched = notes_matching(person_index(request.person), search)
            authors = {m.session.notes_author_id for m in matched}
            _step(request, actor, f"Search of the private notes approved by a second person: "
                                  f"{len(matched)} notes name the person; their authors are "
                                  "told.")
        else:
            _step(request, actor, "Search of the private notes refused.")
        SubjectAccessRequest.objects.filter(pk=request.pk).update(log=request.log)
        audit_record(actor=actor, action="engagements.note_search."
                     + ("approved" if approve else "refused"), obj=search,
                     changes={"authors_told": len(authors)} if approve else {})
        transaction.on_commit(_notify_authors(sorted(authors)), robust=True)
    return search


def _notify_authors(author_ids: list[int]) -> Callable[[], None]:
    def send() -> None:
        from django.contrib.auth.models import User

        for user in User.objects.filter(pk__in=author_ids).exclude(email=""):
            body = render_to_string("emails/note-search-notice.txt", {"user": user})
            send_mail("Your private notes were opened for a subject-access request", body,
                      None, [user.email])
    return send


def note_search_results(*, actor: User, request: SubjectAccessRequest,
                        search: NoteSearch) -> list[MatchedNote]:
    """The matching notes, for the DPO of an approved search; audited as opened."""
    matched = notes_matching(person_index(request.person), search)
    with transaction.atomic():
        audit_record(actor=actor, action="engagements.note_search.opened", obj=search,
                     changes={"notes": len(matched),
                              "in_confidence": sum(1 for m in matched if m.in_confidence)})
    return matched


# ---- clarifications ------------------------------------------------------------------------

@transaction.atomic
def clarification_add(*, actor: User, session: Session, text: str) -> NoteClarification:
    """A dated clarification beside the author's own note. The note is not changed."""
    if session.notes_author_id != actor.pk:
        raise DomainError("Only the author of a note can clarify it.")
    text = text.strip()
    if not text:
        raise DomainError(field_errors={"text": ["Write the clarification."]})
    if len(text) > MAX_CLARIFICATION:
        raise DomainError(field_errors={"text": [
            f"Keep the clarification to {MAX_CLARIFICATION:,} characters."]})
    clarification = NoteClarification.objects.create(
        session=session, author=actor, text_sealed=clarification_seal(text, author_id=actor.pk))
    audit_record(actor=actor, action="engagements.session.note_clarified", obj=session,
                 changes={"clarification": clarification.pk})
    return clarification
