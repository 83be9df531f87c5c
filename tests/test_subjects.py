"""Subject access (issue 18, point 1): the person index, requests and their packs, the
break-glass private-note search, clarifications, and the canary that keeps a note's text out of
every pack no second person approved and away from the lead and the admin."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.models import Outcome, Session
from engagements.notes import notes_read
from engagements.respondents.services import link_create
from engagements.subjects import reads, services
from engagements.subjects.models import NoteClarification, NoteSearch, SubjectAccessRequest
from engagements.subjects.pack import REDACTED
from engagements.week.services import SessionData, session_log
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from fieldbook.roles import Role
from fieldbook.units import one_month_after
from places.models import Person

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    LearningItemFactory,
    OutcomeFactory,
    PersonFactory,
    SessionFactory,
    UserFactory,
    add_role,
)
from .security_support import verified_client

pytestmark = pytest.mark.django_db

NOTE = "CANARY-sar-note-7c1d"
CONFIDENTIAL = "CANARY-sar-confidence-02ab"


class World:
    """A board member, Morgan Tate, who appears in every kind of record; a fellow member, Riley
    Brook, named beside them; the enabler's notes naming Morgan, one given in confidence."""

    def __init__(self, enabler_user: User) -> None:
        enabler = enabler_user.enabler
        self.enabler_user = enabler_user
        self.engagement = enabler.assignments.get().engagement
        place = self.engagement.place
        board = DeliveryBoardFactory.create(place=place)
        self.person = PersonFactory.create(full_name="Morgan Tate", role_title="Director of Care",
                                           email="morgan.tate@example.org")
        self.other = PersonFactory.create(full_name="Riley Brook")
        BoardMembershipFactory.create(board=board, person=self.person)
        BoardMembershipFactory.create(board=board, person=self.other)
        self.visit = SessionFactory.create(
            enabler=enabler, engagement=self.engagement,
            next_steps="Ask Riley Brook to meet Morgan Tate.",
            private_notes=f"Morgan Tate and Riley Brook disagreed. {NOTE}")
        self.visit.attendees.add(self.person, self.other)
        self.diagnostic = SessionFactory.create(enabler=enabler, engagement=self.engagement,
                                                kind=Session.Kind.DIAGNOSTIC)
        self.diagnostic.attendees.add(self.person)
        self.confided = SessionFactory.create(
            enabler=enabler, engagement=self.engagement, notes_in_confidence=True,
            private_notes=f"Morgan Tate told me in confidence. {CONFIDENTIAL}")
        LearningItemFactory.create(session=self.visit, kind="quote", text="We trust each other.",
                                   attributed_role="Director of Care", consent=True,
                                   shareable=True)
        LearningItemFactory.create(session=self.visit, text="Morgan Tate chaired it well.")
        outcome = OutcomeFactory.create(engagement=self.engagement, status=Outcome.Status.DRAFT)
        link, _ = link_create(actor=enabler_user, purpose="confirm_outcome", target=outcome,
                              person=self.person)
        now = timezone.now()
        type(link).objects.filter(pk=link.pk).update(used_at=now)
        Outcome.objects.filter(pk=outcome.pk).update(
            status=Outcome.Status.CONFIRMED, confirmed_at=now,
            confirmed_by_role="Director, local authority", place_comment="Yes, Riley Brook too.")
        self.dpo = UserFactory.create(username="sar-dpo", first_name="Dee", roles=[Role.DPO])
        self.admin = UserFactory.create(username="sar-admin", first_name="Ada",
                                        roles=[Role.ADMIN])

    def request(self) -> SubjectAccessRequest:
        return services.sar_log(actor=self.dpo, person=self.person,
                                received_on=timezone.localdate())


@pytest.fixture
def world(enabler_user: User) -> World:
    return World(enabler_user)


def build(sar: SubjectAccessRequest, actor: User, captured: Any) -> SubjectAccessRequest:
    """Ask for the pack (the task is queued on commit), then do the task's work."""
    sar.refresh_from_db()
    with captured(execute=False) as callbacks:
        services.sar_compile(actor=actor, request=sar, version=sar.version)
    assert len(callbacks) == 1
    assert services.sar_pack_build(request_id=sar.pk, actor_id=actor.pk) == "stored"
    sar.refresh_from_db()
    return sar


def pack(sar: SubjectAccessRequest) -> dict[str, Any]:
    return json.loads(bytes(SubjectAccessRequest.objects.get(pk=sar.pk).pack_json or b""))


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


# ---- due dates and the index ---------------------------------------------------------------

@pytest.mark.parametrize(("received", "due"), [
    (dt.date(2026, 3, 15), dt.date(2026, 4, 15)),
    (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
    (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
    (dt.date(2026, 12, 3), dt.date(2027, 1, 3)),
])
def test_a_request_is_due_one_calendar_month_after_it_was_received(
        received: dt.date, due: dt.date) -> None:
    assert one_month_after(received) == due


def test_the_index_finds_every_kind_of_record(world: World) -> None:
    index = reads.person_index(world.person)
    assert dict(index.kinds) == {
        "Board memberships": 1, "Sessions attended": 1, "Diagnostic participation": 1,
        "Respondent links": 1, "Outcome confirmations": 1,
        "Learning attributed to their role": 1, "Learning that names them": 1,
    }
    assert not index.is_empty
    assert reads.person_index(PersonFactory.create()).is_empty


def test_people_search(world: World) -> None:
    assert list(reads.people_search("tate")) == [world.person]
    assert list(reads.people_search("morgan.tate@example.org")) == [world.person]
    assert list(reads.people_search("   ")) == []


# ---- requests and packs --------------------------------------------------------------------

def test_logging_a_request_sets_its_due_date_and_is_audited(world: World) -> None:
    sar = world.request()
    assert sar.due_on == one_month_after(sar.received_on)
    assert "engagements.subject_access.logged" in actions()
    assert "Request logged" in sar.log[0]["what"]
    with pytest.raises(DomainError, match="today or in the past"):
        services.sar_log(actor=world.dpo, person=world.person,
                         received_on=timezone.localdate() + dt.timedelta(days=1))
    assert SubjectAccessRequest.objects.count() == 1


def test_the_pack_holds_every_kind_and_redacts_other_people(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    sar = build(world.request(), world.dpo, django_capture_on_commit_callbacks)
    assert sar.status == SubjectAccessRequest.Status.READY
    content = pack(sar)
    assert content["person"]["name"] == "Morgan Tate"
    assert len(content["board_memberships"]) == 1
    assert content["sessions_attended"][0]["next_steps"] == f"Ask {REDACTED} to meet Morgan Tate."
    assert content["outcome_confirmations"][0]["your_comment"] == f"Yes, {REDACTED} too."
    assert len(content["diagnostic_participation"]) == 1
    assert content["learning_that_names_you"][0]["text"] == "Morgan Tate chaired it well."
    assert content["learning_attributed_to_your_role"][0]["attributed_role"] == "Director of Care"
    text = json.dumps(content)
    assert "Riley" not in text and "Brook" not in text
    # No enabler or member of staff is named.
    assert world.enabler_user.first_name not in text
    # Not searched: no note reaches the pack.
    assert content["private_notes"]["searched"] is False
    assert NOTE not in text and CONFIDENTIAL not in text
    pdf = bytes(SubjectAccessRequest.objects.get(pk=sar.pk).pack_pdf or b"")
    assert pdf.startswith(b"%PDF")
    assert NOTE.encode() not in pdf
    assert [step["what"] for step in content["log"]][:2] == [
        sar.log[0]["what"], "Pack compilation asked for."]
    assert {"engagements.subject_access.compile_requested",
            "engagements.subject_access.compiled"} <= set(actions())


def test_the_pdf_lists_sessions_under_their_place_one_line_each(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    """The PDF names the place and programme once per place, then one line a session (date,
    kind, themes, next steps): a pack of thousands of sessions was hundreds of pages with every
    field on every record (bench/README.md, "Subject access")."""
    sar = build(world.request(), world.dpo, django_capture_on_commit_callbacks)
    raw = bytes(SubjectAccessRequest.objects.get(pk=sar.pk).pack_pdf or b"")
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed to read PDFs"
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=raw, capture_output=True,
                                   check=True).stdout.decode().split())
    engagement = world.engagement
    heading = f"{engagement.place.name}, {engagement.programme.name}: 1 session"
    # Once under "Sessions you attended" and once under "Diagnostic participation".
    assert text.count(heading) == 2, text
    visit = world.visit
    assert (f"{visit.date.isoformat()} · {visit.get_kind_display()} · "
            f"Next steps: Ask {REDACTED} to meet Morgan Tate.") in text
    sessions = text[text.index("Sessions you attended"):text.index("Links sent to you")]
    assert "Place:" not in sessions and "Programme:" not in sessions
    assert "Recorded by:" not in sessions
    assert "Every one was recorded by an enabler." in text


def test_a_pack_for_someone_with_no_records_is_refused_and_audited(world: World) -> None:
    nobody = PersonFactory.create(full_name="Sam Nobody")
    sar = services.sar_log(actor=world.dpo, person=nobody, received_on=timezone.localdate())
    with pytest.raises(DomainError, match="holds no records about Sam Nobody"):
        services.sar_compile(actor=world.dpo, request=sar, version=sar.version)
    sar.refresh_from_db()
    assert sar.status == SubjectAccessRequest.Status.LOGGED
    refused = AuditEvent.objects.get(action="engagements.subject_access.refused")
    assert refused.actor_id == world.dpo.pk and refused.changes == {"reason": "no records"}


def test_a_stale_compile_is_refused(world: World) -> None:
    sar = world.request()
    with pytest.raises(DomainError, match="changed since you opened it"):
        services.sar_compile(actor=world.dpo, request=sar, version=sar.version + 1)


# ---- break-glass ---------------------------------------------------------------------------

def test_the_asker_may_not_approve_their_own_search(world: World) -> None:
    both = UserFactory.create(username="dpo-admin", roles=[Role.DPO, Role.ADMIN])
    sar = services.sar_log(actor=both, person=world.person, received_on=timezone.localdate())
    search = services.note_search_ask(actor=both, request=sar, reason="Disputed notes")
    with pytest.raises(DomainError, match="someone else must decide"):
        services.note_search_decide(actor=both, search=search, approve=True)
    search.refresh_from_db()
    assert search.status == NoteSearch.Status.ASKED
    assert AuditEvent.objects.filter(
        action="engagements.note_search.self_approval_refused", actor_id=both.pk).exists()
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        NoteSearch.objects.filter(pk=search.pk).update(status="approved", decided_by=both)


def test_only_an_admin_decides(world: World) -> None:
    search = services.note_search_ask(actor=world.dpo, request=world.request(), reason="Why")
    with pytest.raises(DomainError, match="Only an Admin"):
        services.note_search_decide(actor=world.enabler_user, search=search, approve=True)


def test_a_search_needs_a_reason_and_only_one_is_open(world: World) -> None:
    sar = world.request()
    with pytest.raises(DomainError):
        services.note_search_ask(actor=world.dpo, request=sar, reason="  ")
    services.note_search_ask(actor=world.dpo, request=sar, reason="Disputed")
    with pytest.raises(DomainError, match="already"):
        services.note_search_ask(actor=world.dpo, request=sar, reason="Again")


def test_an_approved_search_opens_the_notes_tells_the_author_and_withholds_confidences(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    sar = world.request()
    search = services.note_search_ask(actor=world.dpo, request=sar, reason="They dispute notes")
    assert reads.search_approved(sar) is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.note_search_decide(actor=world.admin, search=search, approve=True)
    assert [m.to for m in mail.outbox] == [[world.enabler_user.email]]
    assert NOTE not in mail.outbox[0].body and "Morgan" not in mail.outbox[0].body
    approved = AuditEvent.objects.get(action="engagements.note_search.approved")
    assert approved.changes == {"authors_told": 1}

    matched = services.note_search_results(actor=world.dpo, request=sar, search=search)
    by_session = {m.session.pk: m for m in matched}
    assert NOTE in by_session[world.visit.pk].text
    assert by_session[world.confided.pk].in_confidence
    assert by_session[world.confided.pk].text == ""

    content = pack(build(sar, world.dpo, django_capture_on_commit_callbacks))
    notes = content["private_notes"]
    assert notes["searched"] is True
    assert notes["disclosed"][0]["text"] == f"Morgan Tate and {REDACTED} disagreed. {NOTE}"
    assert len(notes["withheld"]) == 1 and "Schedule 2" in notes["withheld"][0]["exemption"]
    assert CONFIDENTIAL not in json.dumps(content)
    assert CONFIDENTIAL.encode() not in bytes(
        SubjectAccessRequest.objects.get(pk=sar.pk).pack_pdf or b"")


def test_notes_never_open_without_an_approved_search(world: World) -> None:
    sar = world.request()
    search = services.note_search_ask(actor=world.dpo, request=sar, reason="Why")
    with pytest.raises(PermissionError):
        reads.notes_matching(reads.person_index(world.person), search)
    services.note_search_decide(actor=world.admin, search=search, approve=False)
    search.refresh_from_db()
    with pytest.raises(PermissionError):
        reads.notes_matching(reads.person_index(world.person), search)


# ---- clarifications ------------------------------------------------------------------------

def test_a_clarification_is_added_beside_the_note_never_over_it(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    before = world.visit.notes_sealed
    services.clarification_add(actor=world.enabler_user, session=world.visit,
                               text="It was Riley Brook who proposed it, not a quarrel.")
    world.visit.refresh_from_db()
    assert world.visit.notes_sealed == before
    assert (notes_read(world.visit, reader=world.enabler_user) or "").startswith("Morgan Tate")
    assert NoteClarification.objects.count() == 1
    assert AuditEvent.objects.filter(action="engagements.session.note_clarified").exists()
    with pytest.raises(DomainError, match="Only the author"):
        services.clarification_add(actor=world.admin, session=world.visit, text="No.")
    with pytest.raises(DomainError):
        services.clarification_add(actor=world.enabler_user, session=world.visit, text=" ")

    sar = world.request()
    search = services.note_search_ask(actor=world.dpo, request=sar, reason="Disputed")
    services.note_search_decide(actor=world.admin, search=search, approve=True)
    content = pack(build(sar, world.dpo, django_capture_on_commit_callbacks))
    [clarification] = content["private_notes"]["disclosed"][0]["clarifications"]
    assert clarification["text"] == f"It was {REDACTED} who proposed it, not a quarrel."


def test_the_log_form_records_given_in_confidence(enabler_user: User) -> None:
    enabler = enabler_user.enabler
    engagement = enabler.assignments.get().engagement
    session, _ = session_log(enabler=enabler, idempotency_key=uuid.uuid4(), data=SessionData(
        engagement_id=engagement.pk, date=timezone.localdate(), kind="site_visit",
        duration_minutes=60, private_notes="Told in confidence.", notes_in_confidence=True))
    assert session.notes_in_confidence


# ---- pages ---------------------------------------------------------------------------------

def test_the_dpo_walks_from_search_to_pack(world: World,
                                           django_capture_on_commit_callbacks: Any) -> None:
    client = verified_client(world.dpo)
    page = client.get(reverse("engagements:subject-access"), {"q": "Tate"})
    assert b"Morgan Tate" in page.content
    url = reverse("engagements:subject-person", args=[world.person.pk])
    page = client.get(url)
    assert b"Board memberships: <strong>1</strong>" in page.content
    # Bad input: the form again, with what was typed and the error beside the field.
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    page = client.post(url, {"received_on": future, "how_received": "By email"})
    assert page.status_code == 200 and b"today or in the past" in page.content
    assert b'value="By email"' in page.content
    assert not SubjectAccessRequest.objects.exists()
    response = client.post(url, {"received_on": timezone.localdate().isoformat()})
    sar = SubjectAccessRequest.objects.get()
    assert response["Location"] == reverse("engagements:subject-request", args=[sar.pk])
    page = client.get(response["Location"])
    assert b"days left" in page.content or b"day left" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("engagements:subject-compile", args=[sar.pk]),
                               {"version": sar.version})
    assert response.status_code == 302
    sar.refresh_from_db()
    assert sar.status == SubjectAccessRequest.Status.READY
    download = client.get(reverse("engagements:subject-pack", args=[sar.pk, "pdf"]))
    assert download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"]
    assert "engagements.subject_access.downloaded" in actions()


def test_a_refused_pack_is_said_on_the_page(world: World) -> None:
    nobody = PersonFactory.create(full_name="Sam Nobody")
    sar = services.sar_log(actor=world.dpo, person=nobody, received_on=timezone.localdate())
    page = verified_client(world.dpo).post(reverse("engagements:subject-compile", args=[sar.pk]),
                                           {"version": sar.version})
    assert page.status_code == 200
    assert b"holds no records about Sam Nobody" in page.content


def test_an_admin_approving_their_own_search_is_told_why(world: World) -> None:
    both = UserFactory.create(username="dpo-admin", roles=[Role.DPO])
    add_role(both, Role.ADMIN)
    sar = services.sar_log(actor=both, person=world.person, received_on=timezone.localdate())
    search = services.note_search_ask(actor=both, request=sar, reason="Disputed")
    page = verified_client(both).post(reverse("engagements:subject-approval", args=[search.pk]),
                                      {"decision": "approve"})
    assert page.status_code == 200
    assert b"someone else must decide" in page.content


def test_the_notes_reach_nobody_but_the_dpo_of_an_approved_search(
        world: World, lead_user: User, django_capture_on_commit_callbacks: Any) -> None:
    """The canary: before approval the pack and every page hold no note; the admin who
    approves never sees one; the lead never does; after approval only the DPO's notes page and
    the pack do (the positive control)."""
    sar = build(world.request(), world.dpo, django_capture_on_commit_callbacks)
    search = services.note_search_ask(actor=world.dpo, request=sar, reason="Disputed")
    dpo, admin, lead = (verified_client(u) for u in (world.dpo, world.admin, lead_user))
    urls = [reverse("engagements:subject-access"),
            reverse("engagements:subject-person", args=[world.person.pk]),
            reverse("engagements:subject-request", args=[sar.pk]),
            reverse("engagements:subject-notes", args=[sar.pk]),
            reverse("engagements:subject-pack", args=[sar.pk, "json"]),
            reverse("engagements:subject-pack", args=[sar.pk, "pdf"]),
            reverse("engagements:subject-approvals"),
            reverse("engagements:subject-approval", args=[search.pk])]

    def seen(client: Client) -> str:
        return "".join(client.get(url).content.decode("latin-1") for url in urls)

    for client in (dpo, admin, lead):
        assert NOTE not in seen(client) and CONFIDENTIAL not in seen(client)
    admin.post(reverse("engagements:subject-approval", args=[search.pk]),
               {"decision": "approve"})
    assert reads.search_approved(sar) is not None
    for client in (admin, lead):
        assert NOTE not in seen(client)
    notes_page = dpo.get(reverse("engagements:subject-notes", args=[sar.pk]))
    assert NOTE in notes_page.content.decode() and "no-store" in notes_page["Cache-Control"]
    assert CONFIDENTIAL not in notes_page.content.decode()
    assert "engagements.note_search.opened" in actions()
    content = pack(build(sar, world.dpo, django_capture_on_commit_callbacks))
    assert NOTE in json.dumps(content) and CONFIDENTIAL not in json.dumps(content)
    # No audit row carries a note.
    assert not any(NOTE in json.dumps(e.changes) for e in AuditEvent.objects.all())


def test_the_clarify_page_is_the_authors_alone(world: World, other_enabler_user: User) -> None:
    url = reverse("engagements:note-clarify", args=[world.visit.pk])
    assert verified_client(other_enabler_user).get(url).status_code == 404
    client = verified_client(world.enabler_user)
    page = client.get(url)
    assert NOTE in page.content.decode() and "no-store" in page["Cache-Control"]
    assert client.post(url, {"text": ""}).status_code == 200
    response = client.post(url, {"text": "It was a proposal."})
    assert response.status_code == 302
    assert b"It was a proposal." in client.get(url).content


def test_the_person_index_page_costs_the_same_whatever_the_data(
        world: World, django_assert_max_num_queries: Any) -> None:
    client = verified_client(world.dpo)
    url = reverse("engagements:subject-person", args=[world.person.pk])

    def grow() -> None:
        for n in range(5):
            session = SessionFactory.create(enabler=world.enabler_user.enabler,
                                            engagement=world.engagement,
                                            kind=Session.Kind.DIAGNOSTIC if n % 2 else "workshop")
            session.attendees.add(world.person)
            LearningItemFactory.create(session=session, text=f"Morgan Tate, point {n}.")
        world.request()

    client.get(url)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    grow()
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    home = reverse("engagements:subject-access")
    with django_assert_max_num_queries(12):
        assert client.get(home, {"q": "Tate"}).status_code == 200


def test_the_person_page_lists_the_latest_sessions_and_counts_them_all(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from engagements.subjects import views as subject_views

    monkeypatch.setattr(subject_views, "SHOWN", 2)
    for _ in range(4):
        SessionFactory.create(enabler=world.enabler_user.enabler, engagement=world.engagement,
                              kind="workshop").attendees.add(world.person)
    full = reads.person_index(world.person)
    page = reads.person_index(world.person, shown=2)
    assert page.sessions_total == len(full.sessions) > 2 and len(page.sessions) == 2
    assert page.kinds == full.kinds and page.place_ids == full.place_ids
    html = verified_client(world.dpo).get(
        reverse("engagements:subject-person", args=[world.person.pk])).content.decode()
    assert f"The latest 2 of {len(full.sessions)}" in html


def test_a_person_not_held_is_404_for_the_dpo(world: World) -> None:
    client = verified_client(world.dpo)
    missing = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    assert client.get(reverse("engagements:subject-person", args=[missing])).status_code == 404
    assert client.get(reverse("engagements:subject-pack", args=[1, "exe"])).status_code == 404


def test_key_rotation_reseals_clarifications_too(world: World, settings: Any) -> None:
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from engagements.notes import clarification_open

    services.clarification_add(actor=world.enabler_user, session=world.visit, text="Later.")
    old = list(settings.FIELDBOOK_NOTES_KEYS)
    new = Fernet.generate_key().decode()
    settings.FIELDBOOK_NOTES_KEYS = [new, *old]
    # Sessions resealed and the clarification: --check would fail with it left behind.
    call_command("rotate_notes_key")
    call_command("rotate_notes_key", "--check")
    settings.FIELDBOOK_NOTES_KEYS = [new]  # the old key removed: the clarification still opens
    clarification = NoteClarification.objects.get()
    assert clarification_open(clarification.text_sealed, author_id=world.enabler_user.pk) == \
        "Later."


def test_a_lost_compile_can_be_asked_for_again(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    sar = world.request()
    with django_capture_on_commit_callbacks(execute=False):
        services.sar_compile(actor=world.dpo, request=sar, version=sar.version)
    sar.refresh_from_db()
    with pytest.raises(DomainError, match="already being compiled"):
        services.sar_compile(actor=world.dpo, request=sar, version=sar.version)
    page = verified_client(world.dpo).get(reverse("engagements:subject-request", args=[sar.pk]))
    assert b"is being compiled" in page.content
    # The job never ran (the broker was down): after a while the page offers it again.
    SubjectAccessRequest.objects.filter(pk=sar.pk).update(
        updated_at=timezone.now() - services.COMPILE_STALE_AFTER - dt.timedelta(seconds=1))
    sar.refresh_from_db()
    page = verified_client(world.dpo).get(reverse("engagements:subject-request", args=[sar.pk]))
    assert b"Compile the pack" in page.content
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.sar_compile(actor=world.dpo, request=sar, version=sar.version)
    assert len(callbacks) == 1


def test_a_failed_job_is_recorded_on_the_request(
        world: World, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    """A note no configured key opens (its key was removed) fails the pack: the request says
    so, with the error's kind, never its text."""
    from cryptography.fernet import Fernet

    from engagements.notes import notes_seal
    from engagements.subjects.tasks import compile_subject_access_pack
    from fieldbook.sealing import SealError

    sar = world.request()
    search = services.note_search_ask(actor=world.dpo, request=sar, reason="Disputed")
    services.note_search_decide(actor=world.admin, search=search, approve=True)
    old = list(settings.FIELDBOOK_NOTES_KEYS)
    settings.FIELDBOOK_NOTES_KEYS = [Fernet.generate_key().decode()]
    lost = notes_seal("Morgan Tate, under a lost key.", author_id=world.enabler_user.pk)
    settings.FIELDBOOK_NOTES_KEYS = old
    Session.objects.filter(pk=world.visit.pk).update(notes_sealed=lost)
    sar.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        services.sar_compile(actor=world.dpo, request=sar, version=sar.version)
    with pytest.raises(SealError):
        compile_subject_access_pack.run(sar.pk, world.dpo.pk)
    sar.refresh_from_db()
    assert sar.status == SubjectAccessRequest.Status.FAILED
    assert sar.compile_error == "SealError"


def test_a_clarified_note_is_never_rewritten(world: World) -> None:
    from engagements.week.services import session_update

    services.clarification_add(actor=world.enabler_user, session=world.visit, text="Context.")
    session = Session.objects.get(pk=world.visit.pk)
    data = SessionData(engagement_id=session.engagement_id, date=session.date,
                       kind=session.kind, duration_minutes=session.duration_minutes,
                       attendee_ids=frozenset(p.pk for p in session.attendees.all()),
                       private_notes="Rewritten.", next_steps=session.next_steps)
    with pytest.raises(DomainError, match="kept as they were written"):
        session_update(enabler=world.enabler_user.enabler, session=session, data=data,
                       expected_version=session.version)
    assert (notes_read(Session.objects.get(pk=session.pk), reader=world.enabler_user)
            or "").startswith("Morgan Tate")
    # Other fields still save, the notes as they were.
    kept = notes_read(session, reader=world.enabler_user) or ""
    session_update(enabler=world.enabler_user.enabler, session=session,
                   data=dataclasses.replace(data, private_notes=kept, next_steps="Call."),
                   expected_version=session.version)
    assert Session.objects.get(pk=session.pk).next_steps == "Call."
