"""The diagnostic (issue 17, point 3) and the pilot flag (point 7): participants beyond the
board with roles, the place's own diagnostic record agreed through its respondent link and
shown to the centre only when the place chose to share it, the pilot flag's compare-and-set
and audit, what leads see, bad input, and query budgets."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from engagements.diagnostic import services
from engagements.diagnostic.models import DiagnosticParticipant, DiagnosticRecord
from engagements.diagnostic.services import ParticipantData, RecordData
from engagements.lifecycle.services import LifecycleStaleError
from engagements.models import Engagement, Session
from engagements.pilots.services import engagement_pilot_set
from engagements.respondents import services as respondents
from fieldbook.errors import DomainError, StaleEditError
from fieldbook.models import AuditEvent
from places.models import Organisation

from .conftest import _client_for
from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    OrganisationFactory,
    PersonFactory,
    SessionFactory,
)

CONTACT_NAME = "Morwenna Tregarthen"
SRO_NAME = "Petroc Lanyon"
RESPOND_OPEN = "/respond/open/"
STRENGTHS = "A board that meets as a system; a shared discharge plan."
AREAS = "The voice of primary care; trust between the acute trust and the council."


def engagement_of(user: Any) -> Engagement:
    return user.enabler.assignments.select_related("engagement__place",
                                                   "engagement__programme").get().engagement


@pytest.fixture
def world(enabler_user: Any) -> dict[str, Any]:
    engagement = engagement_of(enabler_user)
    acute = OrganisationFactory.create(name="Kernow Valley Hospitals NHS Trust",
                                       kind=Organisation.Kind.ACUTE_TRUST)
    acute.places.add(engagement.place)
    board = DeliveryBoardFactory.create(place=engagement.place)
    contact = PersonFactory.create(full_name=CONTACT_NAME, role_title="Director of Strategy",
                                   organisation=acute, email="contact@example.nhs.uk")
    BoardMembershipFactory.create(board=board, person=contact)
    session = SessionFactory.create(engagement=engagement, enabler=enabler_user.enabler,
                                    kind=Session.Kind.DIAGNOSTIC)
    return {"engagement": engagement, "contact": contact, "session": session}


@pytest.fixture
def other_enabler_client(other_enabler_user: Any) -> Client:
    return _client_for(other_enabler_user)


def place_url(e: Engagement) -> str:
    return reverse("engagements:place", args=[e.programme.slug, e.place.slug])


def diagnostic_section(page: str) -> str:
    return page[page.index('<h2 id="diagnostic">'):page.index('<h2 id="themes-over-time">')]


def send(enabler_client: Client, engagement: Engagement, person_pk: int, capture: Any) -> str:
    record = DiagnosticRecord.objects.filter(engagement=engagement).first()
    with capture(execute=True):
        response = enabler_client.post(reverse("engagements:diagnostic-send",
                                               args=[engagement.pk]),
                                       {"seen": record.version if record else 0,
                                        "person": person_pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    found = re.search(r"https?://[^/\s]+(/respond/[^/\s]+/)", str(mail.outbox[-1].body))
    assert found
    return found.group(1)


def agree(path: str, **overrides: str) -> Any:
    contact = Client()
    contact.get(path)
    data = {"journey_stage": "3", "strengths": STRENGTHS, "development_areas": AREAS,
            "shared_with_centre": "yes", **overrides}
    return contact, contact.post(RESPOND_OPEN, data)


# ---- participants ----------------------------------------------------------------------------

def test_an_enabler_records_participants_with_roles(
        enabler_client: Client, world: dict[str, Any], lead_client: Client) -> None:
    session = world["session"]
    url = reverse("engagements:diagnostic-participants", args=[session.pk])
    for name, role, org in ((SRO_NAME, "sro", "Kernow Council"),
                            ("Demelza Hosking", "sro", "NHS Kernow CCG"),
                            ("Jory Pascoe", "faculty", "NHS Leadership Academy"),
                            ("Tressa Nance", "account_manager", "NHS England")):
        response = enabler_client.post(url, {"full_name": name, "role": role,
                                             "organisation": org, "role_title": ""})
        assert response.status_code == 302
    page = enabler_client.get(reverse("engagements:diagnostic",
                                      args=[world["engagement"].pk])).content.decode()
    assert SRO_NAME in page and "Faculty practitioner" in page
    assert DiagnosticParticipant.objects.filter(session=session).count() == 4
    # The lead sees roles, counts through the small-numbers rule and organisations: no name.
    shown = diagnostic_section(lead_client.get(place_url(world["engagement"])).content.decode())
    assert "Senior Responsible Officer" in shown and "fewer than 3" in shown
    assert "Kernow Council" in shown and "NHS England" in shown
    assert SRO_NAME not in shown
    audit = AuditEvent.objects.filter(action="engagements.diagnostic.participant_added")
    assert audit.count() == 4
    assert not AuditEvent.objects.filter(changes__icontains="Lanyon").exists()
    assert not AuditEvent.objects.filter(object_repr__icontains="Lanyon").exists()


def test_a_participant_needs_a_name_a_role_and_an_organisation(
        enabler_client: Client, world: dict[str, Any]) -> None:
    url = reverse("engagements:diagnostic-participants", args=[world["session"].pk])
    response = enabler_client.post(url, {"full_name": "  ", "role": "chief",
                                         "organisation": "", "role_title": "x" * 300})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter the participant’s name" in body
    assert "Choose the participant’s role in the diagnostic" in body
    assert "Enter the organisation they work for" in body
    assert not DiagnosticParticipant.objects.exists()


def test_participants_belong_to_diagnostic_sessions_only(
        world: dict[str, Any], enabler_user: Any) -> None:
    visit = SessionFactory.create(engagement=world["engagement"], enabler=enabler_user.enabler)
    with pytest.raises(DomainError):
        services.participant_add(actor=enabler_user, session=visit, data=ParticipantData(
            full_name=SRO_NAME, role="sro", role_title="", organisation="Kernow Council"))


def test_other_enablers_and_leads_never_reach_the_participants(
        world: dict[str, Any], other_enabler_client: Client, lead_client: Client,
        enabler_client: Client) -> None:
    url = reverse("engagements:diagnostic-participants", args=[world["session"].pk])
    assert other_enabler_client.get(url).status_code == 404
    assert lead_client.get(url).status_code == 403
    visit = SessionFactory.create(engagement=world["engagement"])
    assert enabler_client.get(reverse("engagements:diagnostic-participants",
                                      args=[visit.pk])).status_code == 404


def test_removing_a_participant(enabler_client: Client, world: dict[str, Any],
                                enabler_user: Any) -> None:
    p = services.participant_add(actor=enabler_user, session=world["session"],
                                 data=ParticipantData(SRO_NAME, "sro", "", "Kernow Council"))
    response = enabler_client.post(reverse("engagements:diagnostic-participant-remove",
                                           args=[p.pk]))
    assert response.status_code == 302
    assert not DiagnosticParticipant.objects.exists()
    assert AuditEvent.objects.filter(
        action="engagements.diagnostic.participant_removed").exists()


# ---- the record --------------------------------------------------------------------------

def test_the_place_agrees_its_record_and_shares_it_so_the_lead_sees_it(
        enabler_client: Client, world: dict[str, Any], lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    e = world["engagement"]
    draft = enabler_client.post(reverse("engagements:diagnostic-record", args=[e.pk]), {
        "journey_stage": "2", "strengths": "Drafted strengths.", "development_areas": ""})
    assert draft.status_code == 302
    # The enabler's draft is never the centre's.
    shown = diagnostic_section(lead_client.get(place_url(e)).content.decode())
    assert "Drafted strengths." not in shown and "has not shared" in shown
    path = send(enabler_client, e, world["contact"].pk, django_capture_on_commit_callbacks)
    record = DiagnosticRecord.objects.get()
    assert record.status == DiagnosticRecord.Status.AWAITING
    contact = Client()
    contact.get(path)
    page = contact.get(RESPOND_OPEN).content.decode()
    assert "Drafted strengths." in page and "Your diagnostic record" in page
    done = contact.post(RESPOND_OPEN, {"journey_stage": "3", "strengths": STRENGTHS,
                                       "development_areas": AREAS,
                                       "shared_with_centre": "yes"})
    assert done.status_code == 302
    assert "agreed your place’s diagnostic record" in contact.get(RESPOND_OPEN).content.decode()
    record.refresh_from_db()
    assert record.status == DiagnosticRecord.Status.AGREED and record.shared_with_centre
    assert record.journey_stage == 3 and record.strengths == STRENGTHS
    assert CONTACT_NAME not in record.agreed_by_role
    shown = diagnostic_section(lead_client.get(place_url(e)).content.decode())
    assert STRENGTHS in shown and AREAS in shown and "Stage 3 of 5" in shown
    assert "Agreed by " in shown and CONTACT_NAME not in shown
    assert AuditEvent.objects.filter(action="engagements.diagnostic.agreed").exists()
    assert not AuditEvent.objects.filter(changes__icontains="Tregarthen").exists()


def test_a_record_the_place_keeps_to_itself_never_reaches_the_lead(
        enabler_client: Client, world: dict[str, Any], lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    e = world["engagement"]
    path = send(enabler_client, e, world["contact"].pk, django_capture_on_commit_callbacks)
    _, done = agree(path, shared_with_centre="no")
    assert done.status_code == 302
    record = DiagnosticRecord.objects.get()
    assert record.status == DiagnosticRecord.Status.AGREED and not record.shared_with_centre
    page = lead_client.get(place_url(e)).content.decode()
    assert STRENGTHS not in page and AREAS not in page
    assert "has not shared" in diagnostic_section(page)
    # Its enablers see it, and that it is not shared.
    mine = enabler_client.get(reverse("engagements:diagnostic", args=[e.pk])).content.decode()
    assert STRENGTHS in mine and "Not shared with the programme" in mine


def test_the_place_may_write_it_from_nothing_and_must_answer_everything(
        enabler_client: Client, world: dict[str, Any],
        django_capture_on_commit_callbacks: Any) -> None:
    path = send(enabler_client, world["engagement"], world["contact"].pk,
                django_capture_on_commit_callbacks)
    contact, refused = agree(path, journey_stage="9", strengths="", shared_with_centre="")
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "Choose a stage from the list" in body
    assert "Enter the strengths you can build on" in body
    assert "Choose whether the programme’s central team may read the record" in body
    assert AREAS in body  # what was typed is kept
    record = DiagnosticRecord.objects.get()
    assert record.status == DiagnosticRecord.Status.AWAITING and record.agreed_at is None
    # Nothing half-saved: the link still works.
    assert contact.post(RESPOND_OPEN, {"journey_stage": "1", "strengths": STRENGTHS,
                                       "development_areas": AREAS,
                                       "shared_with_centre": "yes"}).status_code == 302


def test_a_name_in_the_record_is_refused(
        enabler_client: Client, world: dict[str, Any],
        django_capture_on_commit_callbacks: Any) -> None:
    path = send(enabler_client, world["engagement"], world["contact"].pk,
                django_capture_on_commit_callbacks)
    _, refused = agree(path, strengths=f"{CONTACT_NAME} holds the board together.")
    assert refused.status_code == 200
    assert "This names" in refused.content.decode()
    assert DiagnosticRecord.objects.get().status == DiagnosticRecord.Status.AWAITING


def test_a_link_used_twice_and_an_agreed_record_is_the_places(
        enabler_client: Client, world: dict[str, Any], enabler_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    e = world["engagement"]
    path = send(enabler_client, e, world["contact"].pk, django_capture_on_commit_callbacks)
    agree(path)
    again = Client()
    again.get(path)
    assert again.get(RESPOND_OPEN).status_code == 410
    with pytest.raises(respondents.LinkUnusable):
        services.record_agree(token=path.split("/")[2], data=RecordData(1, "a", "b"),
                              shared_with_centre=False)
    record = DiagnosticRecord.objects.get()
    with pytest.raises(DomainError):
        services.record_edit(actor=enabler_user, record=record, seen=record.version,
                             data=RecordData(1, "Changed", ""))
    page = enabler_client.get(reverse("engagements:diagnostic-record", args=[e.pk]))
    assert "The place has agreed its record" in page.content.decode()
    # Sent again for the place to revise, it stays agreed (and shared as chosen) meanwhile.
    path2 = send(enabler_client, e, world["contact"].pk, django_capture_on_commit_callbacks)
    record.refresh_from_db()
    assert record.status == DiagnosticRecord.Status.AGREED and record.shared_with_centre
    agree(path2, shared_with_centre="no")
    record.refresh_from_db()
    assert not record.shared_with_centre


def test_a_stale_draft_is_refused_and_editing_revokes_the_open_link(
        enabler_client: Client, world: dict[str, Any], enabler_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    e = world["engagement"]
    record = services.record_draft(actor=enabler_user, engagement=e,
                                   data=RecordData(2, "First", ""))
    services.record_edit(actor=enabler_user, record=record, seen=record.version,
                         data=RecordData(2, "Second", ""))
    with pytest.raises(StaleEditError):
        services.record_edit(actor=enabler_user, record=record, seen=record.version,
                             data=RecordData(2, "Third", ""))
    response = enabler_client.post(reverse("engagements:diagnostic-record", args=[e.pk]), {
        "seen": record.version, "journey_stage": "2", "strengths": "Typed",
        "development_areas": ""})
    assert response.status_code == 200 and "was changed since you opened it" in \
        response.content.decode() and "Typed" in response.content.decode()
    path = send(enabler_client, e, world["contact"].pk, django_capture_on_commit_callbacks)
    record.refresh_from_db()
    services.record_edit(actor=enabler_user, record=record, seen=record.version,
                         data=RecordData(3, "Fourth", ""))
    contact = Client()
    contact.get(path)
    assert contact.get(RESPOND_OPEN).status_code == 410


def test_an_empty_draft_and_a_bad_contact_are_refused(
        enabler_client: Client, world: dict[str, Any]) -> None:
    e = world["engagement"]
    empty = enabler_client.post(reverse("engagements:diagnostic-record", args=[e.pk]), {})
    assert empty.status_code == 200 and "Write something in the draft" in empty.content.decode()
    stranger = PersonFactory.create(email="stranger@example.org")
    bad = enabler_client.post(reverse("engagements:diagnostic-send", args=[e.pk]),
                              {"seen": 0, "person": stranger.pk})
    assert bad.status_code == 200
    assert not DiagnosticRecord.objects.exists()  # nothing half-saved


def test_the_diagnostic_pages_cost_a_fixed_number_of_queries(
        enabler_client: Client, world: dict[str, Any], enabler_user: Any, lead_client: Client,
        django_assert_max_num_queries: Any) -> None:
    e = world["engagement"]
    services.record_draft(actor=enabler_user, engagement=e, data=RecordData(2, "S", "A"))
    for i in range(12):
        s = SessionFactory.create(engagement=e, enabler=enabler_user.enabler,
                                  kind=Session.Kind.DIAGNOSTIC)
        for role in ("sro", "faculty", "account_manager"):
            DiagnosticParticipant.objects.create(session=s, full_name=f"P{i}{role}",
                                                 role=role, organisation=f"Org {i}")
    with django_assert_max_num_queries(12):
        assert enabler_client.get(reverse("engagements:diagnostic",
                                          args=[e.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert enabler_client.get(reverse("engagements:diagnostic-participants",
                                          args=[world["session"].pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert enabler_client.get(reverse("engagements:diagnostic-record",
                                          args=[e.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert enabler_client.get(reverse("engagements:diagnostic-send",
                                          args=[e.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert lead_client.get(reverse("engagements:pilot", args=[
            e.programme.slug, e.place.slug])).status_code == 200


# ---- the pilot flag ------------------------------------------------------------------------

def test_a_lead_marks_a_pilot_shown_on_the_place_page_and_the_dashboard(
        lead_client: Client, world: dict[str, Any]) -> None:
    e = world["engagement"]
    url = reverse("engagements:pilot", args=[e.programme.slug, e.place.slug])
    refused = lead_client.post(url, {"seen": e.version, "is_pilot": "yes", "pilot_of": " "})
    assert refused.status_code == 200 and "Enter what it pilots" in refused.content.decode()
    done = lead_client.post(url, {"seen": e.version, "is_pilot": "yes",
                                  "pilot_of": "The A&E Delivery Board support model"})
    assert done.status_code == 302
    e.refresh_from_db()
    assert e.is_pilot and e.pilot_of == "The A&E Delivery Board support model"
    page = lead_client.get(place_url(e)).content.decode()
    assert "Pilot</strong>" in page and "The A&amp;E Delivery Board support model" in page
    board = lead_client.get(reverse("engagements:programme-dashboard",
                                    args=[e.programme.slug])).content.decode()
    assert "Pilot</strong> The A&amp;E Delivery Board support model" in board
    event = AuditEvent.objects.get(action="engagements.engagement.pilot_marked")
    assert event.changes["pilot_of"] == "The A&E Delivery Board support model"
    # A stale page is refused, with what was typed kept.
    stale = lead_client.post(url, {"seen": e.version - 1, "is_pilot": "no", "pilot_of": ""})
    assert stale.status_code == 200 and "changed since you opened" in stale.content.decode()
    assert Engagement.objects.get(pk=e.pk).is_pilot


def test_the_pilot_service_unmarks_and_refuses_stale_versions(
        world: dict[str, Any], lead_user: Any) -> None:
    e = world["engagement"]
    e = engagement_pilot_set(actor=lead_user, engagement=e, seen=e.version, is_pilot=True,
                             pilot_of="Same-day emergency care")
    with pytest.raises(LifecycleStaleError):
        engagement_pilot_set(actor=lead_user, engagement=e, seen=e.version - 1,
                             is_pilot=False, pilot_of="")
    e = engagement_pilot_set(actor=lead_user, engagement=e, seen=e.version, is_pilot=False,
                             pilot_of="ignored")
    assert not e.is_pilot and e.pilot_of == ""
    assert AuditEvent.objects.filter(action="engagements.engagement.pilot_unmarked").exists()


def test_enablers_cannot_set_the_pilot_flag(enabler_client: Client,
                                            world: dict[str, Any]) -> None:
    e = world["engagement"]
    url = reverse("engagements:pilot", args=[e.programme.slug, e.place.slug])
    assert enabler_client.post(url, {"seen": e.version, "is_pilot": "yes",
                                     "pilot_of": "x"}).status_code == 403
    assert not Engagement.objects.get(pk=e.pk).is_pilot
