"""The lifecycle as services (issue 17, point 1) and requests for support from places (point 2).

Findings this proves fixed: "an engagement's status can be changed only in the Django admin,
and a pause made there never reached the audit log; a paused place still gets reminders and is
listed as "no contact""; "a place cannot ask for support itself; the request date is typed by
an admin".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.dashboards.definitions import Windows
from engagements.dashboards.programme import quiet_engagements
from engagements.lifecycle import services, support
from engagements.lifecycle.models import Proposal, StatusChange, SupportRequest
from engagements.lifecycle.tasks import mail_support_request_declined
from engagements.models import Engagement
from engagements.reminders import enabler_digests_send
from engagements.summaries.content import summary_content
from engagements.summaries.periods import Period
from engagements.week.reads import empty_weeks, engagement_rows
from engagements.week.reads import quiet_engagements as week_gaps
from fieldbook.errors import DomainError, StaleEditError
from fieldbook.models import AuditEvent
from fieldbook.roles import Role

from .factories import (
    AssignmentFactory,
    EngagementFactory,
    LearningSummaryFactory,
    PlaceFactory,
    ProgrammeFactory,
    RegionFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
S = Engagement.Status
TODAY = timezone.localdate()
LATER = TODAY + dt.timedelta(days=60)


@pytest.fixture
def lead() -> User:
    return UserFactory.create(username="lifecycle-lead", first_name="Lena", last_name="Lead",
                              roles=[Role.LEAD])


@pytest.fixture
def engagement() -> Engagement:
    return EngagementFactory.create(status=S.ACTIVE, started_on=TODAY - dt.timedelta(days=200))


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


# ---- the services ------------------------------------------------------------------------------

def test_the_whole_lifecycle_with_history_and_audit(lead: User) -> None:
    e = EngagementFactory.create(status=S.REQUESTED, started_on=None,
                                 requested_on=TODAY - dt.timedelta(days=30))
    assert e.version == 1
    e = services.engagement_start_diagnostic(actor=lead, engagement=e, seen=e.version)
    assert e.status == S.DIAGNOSTIC
    e = services.engagement_activate(actor=lead, engagement=e, seen=e.version)
    assert (e.status, e.started_on) == (S.ACTIVE, TODAY)
    e = services.engagement_pause(actor=lead, engagement=e, seen=e.version,
                                  reason="Winter pressures", expected_resume_on=LATER)
    assert e.status == S.PAUSED
    e = services.engagement_postpone(actor=lead, engagement=e, seen=e.version,
                                     reason="Board re-forming",
                                     expected_resume_on=LATER + dt.timedelta(days=30))
    e = services.engagement_resume(actor=lead, engagement=e, seen=e.version)
    assert e.status == S.ACTIVE  # back to where it was before the pause
    e = services.engagement_days_change(actor=lead, engagement=e, seen=e.version,
                                        days_allocated=Decimal("7.5"))
    assert e.days_allocated == Decimal("7.5")
    e = services.engagement_close(actor=lead, engagement=e, seen=e.version,
                                  reflection="Shared purpose across the system.")
    assert (e.status, e.ended_on, e.version) == (S.CLOSED, TODAY, 8)
    steps = list(StatusChange.objects.filter(engagement=e).order_by("pk")
                 .values_list("step", "from_status", "to_status"))
    assert steps == [("diagnostic", "requested", "diagnostic"),
                     ("activated", "diagnostic", "active"),
                     ("paused", "active", "paused"), ("postponed", "paused", "paused"),
                     ("resumed", "paused", "active"), ("days", "active", "active"),
                     ("closed", "active", "closed")]
    pause = StatusChange.objects.get(engagement=e, step="paused")
    assert (pause.actor, pause.reason, pause.expected_resume_on) == (lead, "Winter pressures",
                                                                     LATER)
    assert _actions() == [f"engagements.engagement.{s}" for s in (
        "diagnostic", "activated", "paused", "postponed", "resumed", "days", "closed")]
    event = AuditEvent.objects.get(action="engagements.engagement.paused")
    assert event.actor == lead
    assert event.changes["reason"] == "Winter pressures"
    assert event.changes["from"] == "active"


def test_resume_returns_to_the_diagnostic_when_it_was_postponed_from_there(lead: User) -> None:
    e = EngagementFactory.create(status=S.DIAGNOSTIC, started_on=None, requested_on=TODAY)
    e = services.engagement_postpone(actor=lead, engagement=e, seen=e.version,
                                     reason="New chair", expected_resume_on=LATER)
    e = services.engagement_resume(actor=lead, engagement=e, seen=e.version)
    assert e.status == S.DIAGNOSTIC


@pytest.mark.parametrize(("status", "call"), [
    (S.CLOSED, "engagement_resume"), (S.ACTIVE, "engagement_resume"),
    (S.CLOSED, "engagement_activate"), (S.ACTIVE, "engagement_start_diagnostic"),
    (S.REQUESTED, "engagement_resume"),
])
def test_a_transition_not_in_the_table_is_refused_and_changes_nothing(
        lead: User, status: str, call: str) -> None:
    e = EngagementFactory.create(status=status, started_on=None, requested_on=TODAY)
    with pytest.raises(DomainError, match="is not possible for an engagement that is"):
        getattr(services, call)(actor=lead, engagement=e, seen=e.version)
    e.refresh_from_db()
    assert (e.status, e.version) == (status, 1)
    assert not StatusChange.objects.exists()
    assert _actions() == []


def test_pausing_needs_a_reason_and_a_future_resume_date(lead: User,
                                                        engagement: Engagement) -> None:
    with pytest.raises(DomainError) as caught:
        services.engagement_pause(actor=lead, engagement=engagement, seen=1, reason=" ",
                                  expected_resume_on=TODAY)
    assert set(caught.value.field_errors) == {"reason", "expected_resume_on"}
    with pytest.raises(DomainError, match="closing reflection"):
        services.engagement_close(actor=lead, engagement=engagement, seen=1, reflection="")
    with pytest.raises(DomainError, match=r"9999\.9"):
        services.engagement_days_change(actor=lead, engagement=engagement, seen=1,
                                        days_allocated=Decimal("10000"))
    engagement.refresh_from_db()
    assert (engagement.status, engagement.version) == (S.ACTIVE, 1)


def test_a_stale_version_is_refused_with_what_changed(lead: User, engagement: Engagement) -> None:
    seen = engagement.version
    services.engagement_pause(actor=lead, engagement=engagement, seen=seen,
                              reason="Winter pressures", expected_resume_on=LATER)
    other = UserFactory.create(username="other-lead", roles=[Role.LEAD])
    with pytest.raises(StaleEditError) as caught:
        services.engagement_close(actor=other, engagement=engagement, seen=seen,
                                  reflection="Done.")
    message = caught.value.messages[0]
    assert "changed since you opened the page" in message
    assert "It is now paused: paused by Lena Lead on" in message
    assert "Winter pressures" in message
    engagement.refresh_from_db()
    assert engagement.status == S.PAUSED
    assert StatusChange.objects.count() == 1


# ---- paused engagements: no reminders, no gap warnings, no "no contact" ---------------------

@pytest.fixture
def quiet_pair(lead: User) -> dict[str, Any]:
    """Two engagements with no session for months: one paused through the service."""
    programme = ProgrammeFactory.create()
    start = dt.date(2020, 1, 6)
    paused = AssignmentFactory.create(engagement__programme=programme,
                                      engagement__place__name="Pausefield",
                                      engagement__started_on=start)
    quiet = AssignmentFactory.create(engagement__programme=programme,
                                     engagement__place__name="Silentbury",
                                     engagement__started_on=start)
    e = paused.engagement
    services.engagement_pause(actor=lead, engagement=e, seen=e.version,
                              reason="Winter pressures", expected_resume_on=LATER)
    return {"programme": programme, "paused": paused, "quiet": quiet}


def test_a_paused_engagement_gets_no_reminder(quiet_pair: dict[str, Any]) -> None:
    assert enabler_digests_send(today=TODAY) == 1
    assert "Silentbury" in mail.outbox[0].body
    assert all("Pausefield" not in str(m.body) for m in mail.outbox)
    assert mail.outbox[0].to == [quiet_pair["quiet"].enabler.user.email]


def test_a_paused_engagement_is_not_quiet_on_the_dashboard_nor_a_gap_in_my_week(
        quiet_pair: dict[str, Any]) -> None:
    w = Windows(TODAY)
    assert [e.place.name for e in quiet_engagements(quiet_pair["programme"], w)] == [
        "Silentbury"]
    rows = engagement_rows(quiet_pair["paused"].enabler)
    assert week_gaps(rows, TODAY) == []
    assert empty_weeks(quiet_pair["paused"].enabler, TODAY, rows) == []


def test_a_paused_engagement_is_not_no_contact_in_a_summary(quiet_pair: dict[str, Any]) -> None:
    period = Period.containing("month", TODAY - dt.timedelta(days=40))
    summary = LearningSummaryFactory.create(
        programme=quiet_pair["programme"], scope="programme", period="month",
        period_start=period.start, period_end=period.end)
    assert [q["place"] for q in summary_content(summary)["quiet_places"]] == ["Silentbury"]


def test_a_closed_engagement_gets_no_reminder_either(lead: User) -> None:
    a = AssignmentFactory.create(engagement__started_on=dt.date(2020, 1, 6))
    services.engagement_close(actor=lead, engagement=a.engagement, seen=1, reflection="Done.")
    assert enabler_digests_send(today=TODAY) == 0


# ---- the Django admin ------------------------------------------------------------------------

def test_a_status_change_in_the_django_admin_is_refused(client: Client,
                                                        engagement: Engagement) -> None:
    """The finding: "a pause made there never reached the audit log"."""
    superuser = User.objects.create_superuser("root", "root@example.org", "pw-Long-enough-1")
    client.force_login(superuser)
    from django.conf import settings
    url = f"/{settings.ADMIN_URL}engagements/engagement/{engagement.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    client.post(url, {"programme": engagement.programme_id, "place": engagement.place_id,
                      "requested_on": engagement.requested_on.isoformat(), "status": "paused",
                      "focus": "x", "outcomes-TOTAL_FORMS": "0",
                      "outcomes-INITIAL_FORMS": "0"})
    engagement.refresh_from_db()
    assert engagement.status == S.ACTIVE


# ---- the place page --------------------------------------------------------------------------

def _place_url(e: Engagement, *rest: str) -> str:
    if rest:
        return reverse("engagements:lifecycle-step",
                       args=[e.programme.slug, e.place.slug, rest[0]])
    return reverse("engagements:place", args=[e.programme.slug, e.place.slug])


def test_a_lead_pauses_and_resumes_from_the_place_page(lead_client: Client,
                                                       engagement: Engagement) -> None:
    SessionFactory.create(engagement=engagement, date=TODAY - dt.timedelta(days=10))
    page = lead_client.get(_place_url(engagement)).content.decode()
    assert _place_url(engagement, "paused") in page
    assert _place_url(engagement, "resumed") not in page
    form = lead_client.get(_place_url(engagement, "paused"))
    assert form.status_code == 200
    # Bad input: each message beside its field, what was typed kept, nothing saved.
    bad = lead_client.post(_place_url(engagement, "paused"),
                           {"seen": "1", "reason": "Typed, kept", "expected_resume_on": ""})
    assert bad.status_code == 200
    assert "Enter the date support is expected to resume" in bad.content.decode()
    assert "Typed, kept" in bad.content.decode()
    assert not StatusChange.objects.exists()
    done = lead_client.post(_place_url(engagement, "paused"), {
        "seen": "1", "reason": "Winter pressures", "expected_resume_on": LATER.isoformat()})
    assert done.status_code == 302
    engagement.refresh_from_db()
    assert engagement.status == S.PAUSED
    page = lead_client.get(_place_url(engagement)).content.decode()
    assert "Winter pressures" in page
    assert "app-timeline__status" in page  # a line on the timeline
    # A second tab still showing version 1 is told what changed.
    stale = lead_client.post(_place_url(engagement, "closed"),
                             {"seen": "1", "reflection": "Done"})
    assert "changed since you opened the page" in stale.content.decode()
    assert lead_client.post(_place_url(engagement, "resumed"),
                            {"seen": "2"}).status_code == 302
    engagement.refresh_from_db()
    assert engagement.status == S.ACTIVE


def test_a_step_not_allowed_is_explained_and_an_unknown_step_is_404(
        lead_client: Client, engagement: Engagement) -> None:
    page = lead_client.get(_place_url(engagement, "resumed")).content.decode()
    assert "Resume is not possible for an engagement that is active" in page
    assert lead_client.get(_place_url(engagement, "requested")).status_code == 404
    assert lead_client.get(_place_url(engagement, "bogus")).status_code == 404


def test_the_place_page_budget_holds_with_a_long_history(
        lead_client: Client, lead: User, engagement: Engagement,
        django_assert_max_num_queries: Any) -> None:
    SessionFactory.create(engagement=engagement, date=TODAY - dt.timedelta(days=3))
    # Two of these are the diagnostic's (its participants by role, the shared record), one the
    # place's voice, one its other support (a place with no board has no protocols to read).
    with django_assert_max_num_queries(21):
        lead_client.get(_place_url(engagement))
    for i in range(60):
        services.engagement_days_change(actor=lead, engagement=engagement, seen=1 + i,
                                        days_allocated=Decimal(10 + i))
    # A history longer than the page shows: the timeline's lines are a query of their own.
    with django_assert_max_num_queries(22):
        assert lead_client.get(_place_url(engagement)).status_code == 200


# ---- enablers propose, leads decide --------------------------------------------------------

def test_an_enabler_proposes_a_pause_and_a_lead_accepts_it(
        enabler_user: User, enabler_client: Client, lead_client: Client) -> None:
    e = enabler_user.enabler.assignments.get().engagement
    url = reverse("engagements:proposal-new", args=[e.pk])
    assert enabler_client.get(url).status_code == 200
    bad = enabler_client.post(url, {"kind": "pause", "reason": ""})
    assert "Enter why you are proposing it" in bad.content.decode()
    assert enabler_client.post(url, {"kind": "pause", "reason": "Winter pressures",
                                     "expected_resume_on": LATER.isoformat()}).status_code == 302
    proposal = Proposal.objects.get()
    e.refresh_from_db()
    assert e.status == S.ACTIVE  # only a proposal so far
    page = lead_client.get(_place_url(e)).content.decode()
    decide = reverse("engagements:proposal-decide", args=[e.programme.slug, e.place.slug,
                                                          proposal.pk])
    assert decide in page
    assert lead_client.post(decide, {"seen": str(e.version), "decision": "accept"}
                            ).status_code == 302
    e.refresh_from_db()
    proposal.refresh_from_db()
    assert (e.status, proposal.state) == (S.PAUSED, Proposal.State.ACCEPTED)
    assert StatusChange.objects.get().reason == "Winter pressures"


def test_a_lead_declines_a_proposal_with_a_reason(enabler_user: User, lead: User) -> None:
    e = enabler_user.enabler.assignments.get().engagement
    with pytest.raises(DomainError, match="active cannot be postponed"):
        services.proposal_create(actor=enabler_user, engagement=e, kind="postpone",
                                 reason="x", expected_resume_on=LATER)
    proposal = services.proposal_create(actor=enabler_user, engagement=e, kind="pause",
                                        reason="x", expected_resume_on=LATER)
    with pytest.raises(DomainError, match="already awaiting a decision"):
        services.proposal_create(actor=enabler_user, engagement=e, kind="pause",
                                 reason="y", expected_resume_on=LATER)
    with pytest.raises(DomainError):
        services.proposal_decline(actor=lead, proposal=proposal, reason="")
    services.proposal_decline(actor=lead, proposal=proposal, reason="Keep going.")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decline_reason) == ("declined", "Keep going.")
    # The enabler sees the lead's reason where they propose.
    client = Client()
    client.force_login(enabler_user)
    page = client.get(reverse("engagements:proposal-new", args=[e.pk])).content.decode()
    assert "was declined: Keep going." in page


def test_another_enablers_engagement_is_404_for_a_proposal(
        enabler_user: User, other_enabler_user: User, enabler_client: Client) -> None:
    theirs = other_enabler_user.enabler.assignments.get().engagement
    assert enabler_client.get(reverse("engagements:proposal-new",
                                      args=[theirs.pk])).status_code == 404


# ---- requests for support --------------------------------------------------------------------

def _request_data(**overrides: Any) -> dict[str, str]:
    return {"place": "", "new_place_name": "Northvale", "region": "", "contact_name": "Ada Fell",
            "contact_role": "Director of Operations", "organisation": "Northvale Hospital Trust",
            "email": "ada.fell@example.nhs.uk", "help_with": "Relationships across the board.",
            "why_now": "Winter is coming.", "asked_on": (TODAY - dt.timedelta(days=3)).isoformat(),
            "website": "", **overrides}


@pytest.fixture
def programme() -> Any:
    return ProgrammeFactory.create(slug="pioneers")


def test_a_place_requests_support_and_a_lead_accepts_it(client: Client, lead_client: Client,
                                                        programme: Any) -> None:
    region = RegionFactory.create(name="North West")
    url = reverse("engagements:request-support", args=["pioneers"])
    assert client.get(url).status_code == 200
    response = client.post(url, _request_data(region=str(region.pk)))
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:request-sent", args=["pioneers"])
    request = SupportRequest.objects.get()
    assert (request.region, request.state, request.client_digest != "") == (
        region, "pending", True)
    triage = lead_client.get(reverse("engagements:triage", args=["pioneers"])).content.decode()
    assert "Northvale" in triage and "North West" in triage
    decide = reverse("engagements:triage-decide", args=["pioneers", request.pk])
    response = lead_client.post(decide, {"seen": "1", "decision": "accept",
                                         "start_as": "diagnostic", "days_allocated": "5"})
    assert response.status_code == 302
    e = Engagement.objects.get(programme=programme, place__name="Northvale")
    assert (e.status, e.requested_on, e.days_allocated) == (
        S.DIAGNOSTIC, request.asked_on, Decimal(5))
    assert list(StatusChange.objects.filter(engagement=e).order_by("pk")
                .values_list("step", "on")) == [("requested", request.asked_on),
                                                ("diagnostic", TODAY)]
    request.refresh_from_db()
    assert (request.state, request.engagement) == ("accepted", e)
    assert "engagements.support_request.accepted" in _actions()


def test_an_existing_place_is_chosen_and_its_region_taken(client: Client, programme: Any) -> None:
    place = PlaceFactory.create(name="Eastmoor")
    client.post(reverse("engagements:request-support", args=["pioneers"]),
                _request_data(place=str(place.pk), new_place_name=""))
    request = SupportRequest.objects.get()
    assert (request.place, request.region) == (place, place.region)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"contact_name": ""}, "Enter your name"),
    ({"contact_role": ""}, "Enter your role"),
    ({"email": "not-an-address"}, "Enter an email address like"),
    ({"help_with": ""}, "Enter what you would like help with"),
    ({"why_now": ""}, "Enter why you are asking now"),
    ({"new_place_name": ""}, "Choose your place, or name it"),
    ({"region": ""}, "Choose the region your place is in"),
    ({"asked_on": (TODAY + dt.timedelta(days=2)).isoformat()}, "cannot be in the future"),
    ({"asked_on": "2024-02-31"}, "Enter a real date"),
    ({"place": "999999"}, "Choose a place from the list"),
    ({"help_with": "nul\x00byte"}, "Null characters are not allowed"),
])
def test_a_bad_request_is_a_message_beside_its_field_and_saves_nothing(
        client: Client, programme: Any, overrides: dict[str, str], message: str) -> None:
    region = RegionFactory.create()
    data = {**_request_data(region=str(region.pk)), **overrides}
    response = client.post(reverse("engagements:request-support", args=["pioneers"]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Ada Fell" in response.content.decode() or overrides.get("contact_name") == ""
    assert not SupportRequest.objects.exists()


def test_the_honeypot_and_the_rate_limit_refuse_whole(client: Client, programme: Any,
                                                      settings: Any) -> None:
    settings.FIELDBOOK_SUPPORT_REQUESTS_PER_CLIENT = 2
    region = RegionFactory.create()
    url = reverse("engagements:request-support", args=["pioneers"])
    robot = client.post(url, _request_data(region=str(region.pk), website="http://spam"))
    assert robot.status_code == 200
    assert "Your request was not sent" in robot.content.decode()
    assert not SupportRequest.objects.exists()
    for _ in range(2):
        assert client.post(url, _request_data(region=str(region.pk))).status_code == 302
    over = client.post(url, _request_data(region=str(region.pk)))
    assert over.status_code == 429
    assert "Too many requests" in over.content.decode()
    assert SupportRequest.objects.count() == 2


def test_an_ended_or_unknown_programme_has_no_request_page(client: Client) -> None:
    ProgrammeFactory.create(slug="ended", starts_on=dt.date(2017, 1, 1),
                            ends_on=dt.date(2019, 3, 31))
    assert client.get(reverse("engagements:request-support", args=["ended"])).status_code == 404
    assert client.get(reverse("engagements:request-support", args=["nope"])).status_code == 404


def test_declining_mails_the_reason_back_once(lead: User, programme: Any,
                                              django_capture_on_commit_callbacks: Any) -> None:
    region = RegionFactory.create()
    request = support.support_request_submit(
        programme=programme, client_ip="10.0.0.9", data=support.RequestInput(
            place=None, new_place_name="Westby", region=region, contact_name="Bo Reed",
            contact_role="Chief Executive", organisation="Westby Council",
            email="bo@example.gov.uk", help_with="Discharge", why_now="Pressure",
            asked_on=TODAY))
    with pytest.raises(DomainError, match="Enter why the request is declined"):
        support.support_request_decline(actor=lead, request=request, seen=1, reason=" ")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        support.support_request_decline(actor=lead, request=request, seen=1,
                                        reason="The programme is full this year.")
    assert len(callbacks) == 1
    assert mail_support_request_declined(request.pk) == "sent"
    assert mail_support_request_declined(request.pk) == "already sent or not declined"
    (sent,) = mail.outbox
    assert sent.to == ["bo@example.gov.uk"]
    assert "The programme is full this year." in sent.body
    # A second decision on the same request is refused: nothing changes.
    with pytest.raises(DomainError, match="it is now declined"):
        support.support_request_accept(actor=lead, request=request, seen=1,
                                       start_as="diagnostic")
    assert not Engagement.objects.filter(place__name="Westby").exists()


def test_accepting_for_a_place_already_engaged_is_refused(lead: User, programme: Any) -> None:
    e = EngagementFactory.create(programme=programme)
    request = SupportRequest.objects.create(
        programme=programme, place=e.place, region=e.place.region, contact_name="A",
        contact_role="B", organisation="C", email="a@example.org", help_with="x", why_now="y",
        asked_on=TODAY)
    with pytest.raises(DomainError, match="already has an engagement"):
        support.support_request_accept(actor=lead, request=request, seen=1, start_as="active")
    request.refresh_from_db()
    assert request.state == "pending"


@pytest.mark.parametrize("n", [1, 60])
def test_the_triage_list_has_a_fixed_query_budget(lead_client: Client, programme: Any, n: int,
                                                  django_assert_max_num_queries: Any) -> None:
    regions = [RegionFactory.create() for _ in range(3)]
    SupportRequest.objects.bulk_create([SupportRequest(
        programme=programme, new_place_name=f"Place {i}", region=regions[i % 3],
        contact_name="A", contact_role="Role", organisation="Org", email="a@example.org",
        help_with="Help", why_now="Now", asked_on=TODAY) for i in range(n)])
    with django_assert_max_num_queries(9):
        page = lead_client.get(reverse("engagements:triage", args=["pioneers"]))
    assert page.status_code == 200
    assert f"of {n} request" in page.content.decode()


# ---- the demo --------------------------------------------------------------------------------

def test_the_demo_has_requests_awaiting_triage_and_a_paused_and_resumed_history() -> None:
    from demo.seed import demo_seed

    demo_seed(today=TODAY)
    assert SupportRequest.objects.filter(state="pending").count() == 3
    cornwall = Engagement.objects.get(place__slug="cornwall")
    steps = list(StatusChange.objects.filter(engagement=cornwall).order_by("on", "pk")
                 .values_list("step", flat=True))
    assert steps == ["requested", "diagnostic", "activated", "paused", "resumed"]
    assert cornwall.status == S.ACTIVE
    # Every engagement's history starts with the place's request, on the date it asked.
    for e in Engagement.objects.all():
        first = StatusChange.objects.filter(engagement=e).order_by("on", "pk").first()
        assert first is not None and (first.step, first.on) == ("requested", e.requested_on)
    assert Proposal.objects.filter(state="pending").count() == 1


def test_status_lines_sit_between_the_right_pages_of_the_timeline(
        lead_client: Client, lead: User, engagement: Engagement) -> None:
    """A status change dated between two pages of sessions is on exactly one of them."""
    start = TODAY - dt.timedelta(days=200)
    for i in range(60):  # page 1: the newest 50 (days 0..49 back), page 2: 10 more
        day = TODAY - dt.timedelta(days=i if i < 50 else i + 20)
        SessionFactory.create(engagement=engagement, date=day)
    StatusChange.objects.create(engagement=engagement, step="resumed", from_status="paused",
                                to_status="active", on=TODAY - dt.timedelta(days=60),
                                reason="Between the pages")
    StatusChange.objects.create(engagement=engagement, step="activated",
                                from_status="requested", to_status="active", on=start,
                                reason="")
    first = lead_client.get(_place_url(engagement)).content.decode()
    second = lead_client.get(_place_url(engagement) + "?page=2").content.decode()
    timeline = [page.split('id="place-timeline"')[1] for page in (first, second)]
    assert ["Between the pages" in t for t in timeline] == [False, True]
    assert ["Support started" in t for t in timeline] == [False, True]


def test_the_demo_history_is_continuous_from_each_engagements_start() -> None:
    """The finding: "Central Lancashire 'started 11 April 2025' with no sessions before
    December": every working engagement has sessions within its first two months."""
    from demo.seed import demo_seed
    from engagements.models import Session

    demo_seed(today=TODAY)
    # The 23-area programme's fictional areas are reached through its cohorts and funding
    # (issue 16); their enablers log no visits there (demo/seed/reach.py), by design.
    cohorts_only = Engagement.objects.filter(funding__isnull=False, sessions__isnull=True)
    for e in (Engagement.objects.exclude(started_on=None).exclude(status=S.REQUESTED)
              .exclude(pk__in=cohorts_only)):
        first = Session.objects.filter(engagement=e).order_by("date").values_list(
            "date", flat=True).first()
        assert first is not None, e
        assert (first - e.started_on).days <= 60, (e, e.started_on, first)
