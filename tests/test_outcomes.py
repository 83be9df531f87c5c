"""Outcome statements and the respondent links that let the place confirm them (issue 16,
points 1, 2 and 6): drafting, anonymity, compare-and-set, sending, every bad link, the throttle,
who sees what, exports, query budgets, and the canary."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement, Outcome
from engagements.outcomes import services
from engagements.outcomes.services import StatementData
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from fieldbook.errors import DomainError, StaleEditError
from fieldbook.models import AuditEvent
from places.models import Organisation

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    OrganisationFactory,
    OutcomeFactory,
    PersonFactory,
    SessionFactory,
    notes_write,
)

PRIVATE = "CANARY-outcome-private-notes-77f1"
CONTACT_NAME = "Morwenna Tregarthen"
CONTACT_ROLE = "Director of Integrated Care"
RESPOND_OPEN = "/respond/open/"


def engagement_of(user: Any) -> Engagement:
    return user.enabler.assignments.select_related("engagement__place",
                                                   "engagement__programme").get().engagement


@pytest.fixture
def world(enabler_user: Any) -> dict[str, Any]:
    """The enabler's engagement, its place's acute trust and council, and a board with the
    contact (an email address) and someone without one."""
    engagement = engagement_of(enabler_user)
    acute = OrganisationFactory.create(name="Kernow Valley Hospitals NHS Trust",
                                       kind=Organisation.Kind.ACUTE_TRUST)
    council = OrganisationFactory.create(name="Kernow Council",
                                         kind=Organisation.Kind.LOCAL_AUTHORITY)
    acute.places.add(engagement.place)
    council.places.add(engagement.place)
    board = DeliveryBoardFactory.create(place=engagement.place)
    contact = PersonFactory.create(full_name=CONTACT_NAME, role_title=CONTACT_ROLE,
                                   organisation=acute, email="contact@example.nhs.uk")
    no_email = PersonFactory.create(full_name="Tamsin Polglaze", role_title="Chair",
                                    organisation=council, email="")
    BoardMembershipFactory.create(board=board, person=contact)
    BoardMembershipFactory.create(board=board, person=no_email)
    return {"engagement": engagement, "contact": contact, "no_email": no_email,
            "acute": acute}


def statement(**overrides: Any) -> StatementData:
    values: dict[str, Any] = {
        "kind": Outcome.Kind.PATHWAY_REDESIGN, "title": "Over-65s team avoids hospital nights",
        "who_changed": "The over-65s team at the acute trust",
        "what_changed": "Now sees frail older people at home before any admission.",
        "changed_on": dt.date(2024, 3, 1),
        "why_it_matters": "Helped avoid 3,600 unnecessary nights in hospital.",
        "contribution": "The enabler brought community and acute teams together."}
    return StatementData(**{**values, **overrides})


def form_data(**overrides: Any) -> dict[str, str]:
    data = statement()
    values = {"kind": data.kind, "title": data.title, "who_changed": data.who_changed,
              "what_changed": data.what_changed, "changed_on": "2024-03-01",
              "why_it_matters": data.why_it_matters, "contribution": data.contribution}
    return {**values, **overrides}


def link_in_outbox() -> str:
    found = re.search(r"https?://[^/\s]+(/respond/[^/\s]+/)", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(1)


def send(enabler_client: Client, outcome: Outcome, person_pk: int,
         capture: Any) -> str:
    with capture(execute=True):
        response = enabler_client.post(reverse("engagements:outcome-send", args=[outcome.pk]),
                                       {"seen": outcome.version, "person": person_pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    return link_in_outbox()


@pytest.fixture
def draft(world: dict[str, Any], enabler_user: Any) -> Outcome:
    return services.outcome_draft(actor=enabler_user, engagement=world["engagement"],
                                  data=statement())


def outcomes_section(page: str) -> str:
    return page[page.index('<h2 id="outcomes">'):page.index('<h2 id="learning">')]


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


# ---- drafting ---------------------------------------------------------------------------------

def test_an_enabler_drafts_an_outcome_from_my_week(
        enabler_client: Client, world: dict[str, Any]) -> None:
    engagement = world["engagement"]
    week = enabler_client.get(reverse("engagements:my-week")).content.decode()
    assert reverse("engagements:outcomes", args=[engagement.pk]) in week
    response = enabler_client.post(reverse("engagements:outcome-draft", args=[engagement.pk]),
                                   form_data())
    assert response.status_code == 302
    outcome = Outcome.objects.get()
    assert outcome.status == Outcome.Status.DRAFT
    assert outcome.who_changed == "The over-65s team at the acute trust"
    assert "engagements.outcome.drafted" in actions()
    listing = enabler_client.get(reverse("engagements:outcomes", args=[engagement.pk]))
    assert "Over-65s team avoids hospital nights" in listing.content.decode()


@pytest.mark.parametrize(("who", "message"), [
    (CONTACT_NAME, "person’s name"),
    ("Dr Penhallow and the frailty team", "person’s name"),
    ("Chief Executive, Kernow Valley Hospitals NHS Trust", "points at one person"),
    (CONTACT_ROLE, "points at one person"),
])
def test_who_changed_never_names_or_singles_out_a_person(
        enabler_client: Client, world: dict[str, Any], who: str, message: str) -> None:
    engagement = world["engagement"]
    response = enabler_client.post(reverse("engagements:outcome-draft", args=[engagement.pk]),
                                   form_data(who_changed=who))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors["who_changed"]), form.errors
    assert form["what_changed"].value() == form_data()["what_changed"]  # nothing lost
    assert not Outcome.objects.exists()  # nothing saved


def test_a_name_in_any_text_of_the_statement_is_refused(
        world: dict[str, Any], enabler_user: Any) -> None:
    with pytest.raises(DomainError) as caught:
        services.outcome_draft(actor=enabler_user, engagement=world["engagement"],
                               data=statement(what_changed=f"{CONTACT_NAME} now chairs it."))
    assert "what_changed" in caught.value.field_errors
    assert not Outcome.objects.exists()


def test_a_role_many_people_hold_is_allowed(world: dict[str, Any], enabler_user: Any) -> None:
    outcome = services.outcome_draft(
        actor=enabler_user, engagement=world["engagement"],
        data=statement(who_changed="Primary care and the voluntary sector"))
    assert outcome.status == Outcome.Status.DRAFT


def test_required_fields_and_a_future_date_are_errors_beside_the_field(
        enabler_client: Client, world: dict[str, Any]) -> None:
    url = reverse("engagements:outcome-draft", args=[world["engagement"].pk])
    response = enabler_client.post(url, {"changed_on": "2999-01-01", "title": "\x00"})
    errors = response.context["form"].errors
    assert {"kind", "who_changed", "what_changed", "changed_on", "contribution"} <= set(errors)
    assert not Outcome.objects.exists()


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(
        enabler_client: Client, draft: Outcome, enabler_user: Any) -> None:
    seen = draft.version
    services.outcome_edit(actor=enabler_user, outcome=draft, seen=seen,
                          data=statement(title="Changed by a co-enabler"))
    with pytest.raises(StaleEditError):
        services.outcome_edit(actor=enabler_user, outcome=draft, seen=seen,
                              data=statement(title="Mine"))
    response = enabler_client.post(reverse("engagements:outcome-edit", args=[draft.pk]),
                                   form_data(title="My late change", seen=str(seen)))
    assert response.status_code == 200
    assert "was changed since you opened it" in response.content.decode()
    assert response.context["form"]["title"].value() == "My late change"
    draft.refresh_from_db()
    assert draft.title == "Changed by a co-enabler"


# ---- who sees a draft -------------------------------------------------------------------------

def test_drafts_are_the_engagements_enablers_alone(
        draft: Outcome, other_enabler_user: Any, lead_client: Client,
        admin_client_fb: Client) -> None:
    other = Client()
    other.force_login(other_enabler_user)
    for name in ("engagements:outcome-edit", "engagements:outcome-send"):
        assert other.get(reverse(name, args=[draft.pk])).status_code == 404
    assert other.get(reverse("engagements:outcomes",
                             args=[draft.engagement_id])).status_code == 404
    e = draft.engagement
    place = lead_client.get(reverse("engagements:place", args=[e.programme.slug, e.place.slug]))
    assert draft.title not in place.content.decode()
    manage = admin_client_fb.get(reverse("backoffice:engagement-edit", args=[e.pk]))
    assert draft.title not in manage.content.decode()
    assert admin_client_fb.get(reverse("backoffice:outcome-edit",
                                       args=[e.pk, draft.pk])).status_code == 404
    assert lead_client.get(reverse("engagements:outcome-edit",
                                   args=[draft.pk])).status_code == 403


# ---- sending, and the place's answer ------------------------------------------------------------

def test_the_whole_confirmation_and_the_lead_sees_it_credited_to_a_role(
        enabler_client: Client, draft: Outcome, world: dict[str, Any], lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    session = SessionFactory.create(engagement=draft.engagement)
    notes_write(type(session).objects.filter(pk=session.pk), f"Worry. {PRIVATE}")
    path = send(enabler_client, draft, world["contact"].pk, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["contact@example.nhs.uk"]
    link = RespondentLink.objects.get()
    token = path.split("/")[2]
    assert link.token_hash == respondents.token_hash(token) and token not in link.token_hash
    assert link.sent_at is not None
    draft.refresh_from_db()
    assert draft.status == Outcome.Status.AWAITING

    contact = Client()
    first = contact.get(path)
    assert first.status_code == 302 and first["Location"] == RESPOND_OPEN
    page = contact.get(RESPOND_OPEN)
    body = page.content.decode()
    assert page.status_code == 200
    assert draft.what_changed in body and PRIVATE not in body
    assert "Erin" not in body  # not the enabler's name either
    done = contact.post(RESPOND_OPEN, {"decision": "confirm", "comment": "A fair account."})
    assert done.status_code == 302
    assert "your answer is recorded" in contact.get(RESPOND_OPEN).content.decode()

    draft.refresh_from_db()
    assert draft.status == Outcome.Status.CONFIRMED
    assert draft.confirmed_by_role == "Director of Integrated Care, acute trust" or \
        draft.confirmed_by_role.startswith("a senior leader")
    assert CONTACT_NAME not in draft.confirmed_by_role
    e = draft.engagement
    place = lead_client.get(reverse("engagements:place", args=[e.programme.slug, e.place.slug]))
    shown = outcomes_section(place.content.decode())
    assert draft.title in shown and "Confirmed by " in shown
    # The board is listed by name on the page (issue 3); the outcome credits a role only.
    assert CONTACT_NAME not in shown and PRIVATE not in place.content.decode()
    assert {"engagements.outcome.drafted", "engagements.respondent.created",
            "engagements.outcome.sent", "engagements.respondent.sent",
            "engagements.respondent.opened", "engagements.outcome.confirmed"} <= set(actions())
    # The audit rows never carry the contact's name.
    assert not AuditEvent.objects.filter(changes__icontains="Tregarthen").exists()
    assert not AuditEvent.objects.filter(object_repr__icontains="Tregarthen").exists()


def test_a_link_used_twice_gets_a_clear_page(
        enabler_client: Client, draft: Outcome, world: dict[str, Any],
        django_capture_on_commit_callbacks: Any) -> None:
    path = send(enabler_client, draft, world["contact"].pk, django_capture_on_commit_callbacks)
    contact = Client()
    contact.get(path)
    contact.post(RESPOND_OPEN, {"decision": "confirm"})
    again = Client()
    again.get(path)
    response = again.get(RESPOND_OPEN)
    assert response.status_code == 410
    assert "used already" in response.content.decode()
    with pytest.raises(respondents.LinkUnusable):
        services.outcome_respond(token=path.split("/")[2], decision="decline",
                                 corrections={}, comment="")
    draft.refresh_from_db()
    assert draft.status == Outcome.Status.CONFIRMED


def test_an_expired_a_revoked_a_tampered_and_an_unknown_link(
        enabler_client: Client, draft: Outcome, world: dict[str, Any], enabler_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    path = send(enabler_client, draft, world["contact"].pk, django_capture_on_commit_callbacks)
    token = path.split("/")[2]
    tampered = token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")
    for bad, status, words in ((tampered, 404, "not complete"),
                               ("nothing-here:abc", 404, "not complete"),
                               ("x" * 5000, 404, "not complete")):
        client = Client()
        client.get(f"/respond/{bad}/")
        response = client.get(RESPOND_OPEN)
        assert response.status_code == status and words in response.content.decode()
    RespondentLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client = Client()
    client.get(path)
    response = client.get(RESPOND_OPEN)
    assert response.status_code == 410 and "expired" in response.content.decode()
    RespondentLink.objects.update(expires_at=timezone.now() + dt.timedelta(days=1))
    draft.refresh_from_db()
    services.outcome_revoke(actor=enabler_user, outcome=draft, seen=draft.version)
    response = client.get(RESPOND_OPEN)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Outcome.Status.DRAFT
    assert "engagements.outcome.revoked" in actions()
    assert "engagements.respondent.revoked" in actions()
    # Opening the open page with no link at all is the "not right" page, not an error.
    assert Client().get(RESPOND_OPEN).status_code == 404


def test_links_expire_after_fourteen_days_and_the_token_is_signed(
        draft: Outcome, world: dict[str, Any], enabler_user: Any) -> None:
    now = timezone.now()
    link, token = respondents.link_create(actor=enabler_user, purpose=services.PURPOSE,
                                          target=draft, person=world["contact"], now=now)
    assert link.expires_at == now + dt.timedelta(days=14)
    assert respondents.link_find(token, now=now + dt.timedelta(days=13))[1] == "valid"
    assert respondents.link_find(token, now=now + dt.timedelta(days=14))[1] == "expired"
    raw, _, _sig = token.rpartition(":")
    assert respondents.link_find(f"{raw}:forged")[1] == "tampered"


def test_only_a_current_board_member_with_an_email_can_be_sent_it(
        draft: Outcome, world: dict[str, Any], enabler_user: Any) -> None:
    stranger = BoardMembershipFactory.create(person__email="someone@example.org").person
    for person in (world["no_email"], stranger):
        with pytest.raises(DomainError) as caught:
            services.outcome_send(actor=enabler_user, outcome=draft, seen=draft.version,
                                  person_id=person.pk, link_for=str)
        assert "person" in caught.value.field_errors
    assert not RespondentLink.objects.exists()
    draft.refresh_from_db()
    assert draft.status == Outcome.Status.DRAFT


def test_a_link_answers_for_its_own_outcome_only(
        enabler_client: Client, draft: Outcome, world: dict[str, Any], enabler_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    second = services.outcome_draft(actor=enabler_user, engagement=world["engagement"],
                                    data=statement(title="Another"))
    path = send(enabler_client, draft, world["contact"].pk, django_capture_on_commit_callbacks)
    contact = Client()
    contact.get(path)
    contact.post(RESPOND_OPEN, {"decision": "confirm"})
    second.refresh_from_db()
    assert second.status == Outcome.Status.DRAFT


def test_a_correction_is_kept_beside_the_original(
        enabler_client: Client, draft: Outcome, world: dict[str, Any], lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    path = send(enabler_client, draft, world["contact"].pk, django_capture_on_commit_callbacks)
    contact = Client()
    contact.get(path)
    named = contact.post(RESPOND_OPEN, {"decision": "correct",
                                        "what_changed": f"{CONTACT_NAME} led it."})
    assert named.status_code == 200 and "what_changed" in named.context["form"].errors
    nothing = contact.post(RESPOND_OPEN, {"decision": "correct",
                                          "what_changed": draft.what_changed})
    assert "changed nothing" in nothing.content.decode()
    contact.post(RESPOND_OPEN, {"decision": "correct",
                                "what_changed": "Sees frail older people at home, seven days "
                                                "a week."})
    draft.refresh_from_db()
    assert draft.status == Outcome.Status.CONFIRMED
    assert draft.what_changed == "Now sees frail older people at home before any admission."
    assert draft.correction == {"what_changed": "Sees frail older people at home, seven days "
                                                "a week."}
    assert "engagements.outcome.corrected" in actions()
    e = draft.engagement
    shown = lead_client.get(reverse("engagements:place",
                                    args=[e.programme.slug, e.place.slug])).content.decode()
    assert "seven days a week" in shown and "with corrections by the place" in shown


def test_a_declined_outcome_never_reaches_the_lead(
        enabler_client: Client, draft: Outcome, world: dict[str, Any], lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    path = send(enabler_client, draft, world["contact"].pk, django_capture_on_commit_callbacks)
    contact = Client()
    contact.get(path)
    contact.post(RESPOND_OPEN, {"decision": "decline", "comment": "Not yet: next winter."})
    draft.refresh_from_db()
    assert draft.status == Outcome.Status.DECLINED
    assert "engagements.outcome.declined" in actions()
    e = draft.engagement
    shown = lead_client.get(reverse("engagements:place",
                                    args=[e.programme.slug, e.place.slug])).content.decode()
    assert draft.title not in shown
    listing = enabler_client.get(reverse("engagements:outcomes", args=[e.pk])).content.decode()
    assert "Not yet: next winter." in listing


def test_editing_an_outcome_with_the_place_revokes_its_link(
        enabler_client: Client, draft: Outcome, world: dict[str, Any], enabler_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    send(enabler_client, draft, world["contact"].pk, django_capture_on_commit_callbacks)
    draft.refresh_from_db()
    services.outcome_edit(actor=enabler_user, outcome=draft, seen=draft.version,
                          data=statement(title="Rewritten"))
    draft.refresh_from_db()
    assert draft.status == Outcome.Status.DRAFT
    assert RespondentLink.objects.get().revoked_at is not None


def test_bad_links_are_throttled_like_sign_in(settings: Any, db: None) -> None:
    settings.FIELDBOOK_RESPONDENT_MISSES_PER_CLIENT = 3
    client = Client()
    for _ in range(3):
        client.get("/respond/guess:abc/")
        assert client.get(RESPOND_OPEN).status_code == 404
    client.get("/respond/guess:abc/")
    response = client.get(RESPOND_OPEN)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


# ---- what the centre reads --------------------------------------------------------------------

def test_exports_hold_confirmed_outcomes_only_with_the_guards(
        world: dict[str, Any], lead_client: Client, enabler_user: Any) -> None:
    engagement = world["engagement"]
    OutcomeFactory.create(engagement=engagement, title="=HYPERLINK(\"x\")",
                          what_changed="Bad\ufffechar")
    OutcomeFactory.create(engagement=engagement, title="Still a draft",
                          status=Outcome.Status.DRAFT)
    slug = engagement.programme.slug
    response = lead_client.get(reverse("engagements:outcomes-export", args=[slug, "csv"]))
    streamed: Any = response
    text = b"".join(streamed.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Place" and len(rows) == 2
    assert rows[1][3].startswith("'=") and "Still a draft" not in text
    assert rows[1][10] == "Director of Operations, acute trust"
    xlsx = lead_client.get(reverse("engagements:outcomes-export", args=[slug, "xlsx"]))
    streamed = xlsx
    raw = b"".join(streamed.streaming_content)
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "Badchar" in sheet and "Still a draft" not in sheet
    assert lead_client.get(reverse("engagements:outcomes-export",
                                   args=[slug, "pdf"])).status_code == 404


def test_the_programme_dashboard_counts_confirmed_outcomes_only(
        world: dict[str, Any], lead_client: Client) -> None:
    engagement = world["engagement"]
    OutcomeFactory.create(engagement=engagement)
    OutcomeFactory.create(engagement=engagement, status=Outcome.Status.DRAFT)
    OutcomeFactory.create(engagement=engagement, status=Outcome.Status.RECORDED)
    from engagements.dashboards.programme import with_figures
    from engagements.dashboards.views import windows_now
    figured = with_figures(Engagement.objects.filter(pk=engagement.pk), windows_now()).get()
    assert figured.n_outcomes == 1


def test_learning_summaries_show_confirmed_outcomes_only(world: dict[str, Any]) -> None:
    from engagements.summaries.services import summary_compile

    from .factories import LearningSummaryFactory
    engagement = world["engagement"]
    OutcomeFactory.create(engagement=engagement, title="Confirmed one",
                          recorded_on=dt.date(2024, 5, 10))
    OutcomeFactory.create(engagement=engagement, title="Draft one", status="draft",
                          recorded_on=dt.date(2024, 5, 11))
    summary = LearningSummaryFactory.create(
        programme=engagement.programme, period="month", period_start=dt.date(2024, 5, 1),
        period_end=dt.date(2024, 5, 31))
    summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    titles = [o["title"] for o in summary.content["outcomes"]]
    assert titles == ["Confirmed one"]
    assert summary.content["outcomes"][0]["confirmed_by"].startswith("Confirmed by ")


# ---- query budgets ----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 30])
def test_the_outcome_pages_cost_a_fixed_number_of_queries(
        enabler_client: Client, world: dict[str, Any], enabler_user: Any, n: int,
        django_assert_max_num_queries: Any) -> None:
    engagement = world["engagement"]
    for i in range(n):
        OutcomeFactory.create(engagement=engagement, status=Outcome.Status.DRAFT,
                              title=f"Outcome {i}")
    one = Outcome.objects.first()
    assert one is not None
    with django_assert_max_num_queries(10):
        assert enabler_client.get(reverse("engagements:outcomes",
                                          args=[engagement.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert enabler_client.get(reverse("engagements:outcome-edit",
                                          args=[one.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert enabler_client.get(reverse("engagements:outcome-send",
                                          args=[one.pk])).status_code == 200


def test_the_contacts_page_costs_a_fixed_number_of_queries(
        enabler_client: Client, draft: Outcome, world: dict[str, Any],
        django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any) -> None:
    path = send(enabler_client, draft, world["contact"].pk, django_capture_on_commit_callbacks)
    contact = Client()
    contact.get(path)
    with django_assert_max_num_queries(12):
        assert contact.get(RESPOND_OPEN).status_code == 200


def test_hostile_values_in_the_contacts_form_never_break_it(
        enabler_client: Client, draft: Outcome, world: dict[str, Any], enabler_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    """The contact's form is public, so it is not in tests/test_hostile_input.py's crawl (which
    signs in): its fields, with the same killers, never a 5xx; a refused answer saves nothing."""
    from .test_hostile_input import KILLERS

    killers = [k for k in KILLERS if k in ("\x00", "a\x00b", "99999999999999999999", "2024-02-30",
                                           "<script>x</script>", "'\"--", " ", "x" * 5000)]
    assert len(killers) == 8
    path = send(enabler_client, draft, world["contact"].pk, django_capture_on_commit_callbacks)
    contact = Client()
    contact.raise_request_exception = False
    contact.get(path)
    fields = ("decision", "who_changed", "what_changed", "why_it_matters", "contribution",
              "comment")
    for field in fields:
        for value in killers:
            data = {"decision": "correct", field: value}
            response = contact.post(RESPOND_OPEN, data)
            assert response.status_code < 500, (field, value[:20])
            draft.refresh_from_db()
            if response.status_code == 302:  # accepted: start again with a fresh link
                assert draft.status == Outcome.Status.CONFIRMED
                Outcome.objects.filter(pk=draft.pk).update(
                    status=Outcome.Status.AWAITING, correction={}, confirmed_at=None,
                    confirmed_by_role="")
                _link, token = respondents.link_create(
                    actor=enabler_user, purpose=services.PURPOSE, target=draft,
                    person=world["contact"])
                contact.get(f"/respond/{token}/")
            else:
                assert draft.status == Outcome.Status.AWAITING, (field, value[:20])
    # A hostile token in the address itself.
    for value in ("\x00", "x" * 5000, "a:b:c", "%00"):
        client = Client()
        client.raise_request_exception = False
        client.get(f"/respond/{value}/")
        assert client.get(RESPOND_OPEN).status_code in (404, 429)
