"""A place's context, its other support, and the CQC's UEC asks of its board (issue 17,
points 6 and 7): services (compare-and-set, audit, bad input with nothing saved), the pages
(who gets in is in tests/test_access.py), the checklist answered through a signed link, the
protocol review reminder, the good-practice library, the support load, and query budgets."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.context import reads, reminders, services
from engagements.context.models import (
    GoodPractice,
    LocalProtocol,
    OtherSupport,
    PlaceContext,
    UecChecklist,
    UecSponsor,
)
from engagements.models import Engagement
from engagements.respondents.models import RespondentLink
from fieldbook.errors import DomainError, StaleEditError
from fieldbook.models import AuditEvent
from places.models import DeliveryBoard

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    EngagementFactory,
    OrganisationFactory,
    PersonFactory,
    ThemeFactory,
)

TODAY = timezone.localdate()
RESPOND_OPEN = "/respond/open/"
SPONSOR_NAME = "Orla Fenwick-Marsh"


def own_engagement(user: User) -> Engagement:
    return user.enabler.assignments.get().engagement


@pytest.fixture
def world(enabler_user: User) -> dict[str, Any]:
    """The enabler's engagement, its place's board with two organisations and a member."""
    engagement = own_engagement(enabler_user)
    place = engagement.place
    board = DeliveryBoard.objects.filter(place=place).first() or DeliveryBoardFactory.create(
        place=place)
    acute = OrganisationFactory.create(name="Fenmarsh Hospitals NHS Trust", kind="acute_trust")
    council = OrganisationFactory.create(name="Fenmarsh Council", kind="local_authority")
    acute.places.add(place)
    council.places.add(place)
    person = PersonFactory.create(full_name=SPONSOR_NAME, role_title="Director of Nursing",
                                  organisation=acute, email="orla@example.nhs.uk")
    BoardMembershipFactory.create(board=board, person=person)
    return {"engagement": engagement, "place": place, "board": board, "acute": acute,
            "council": council, "person": person}


def place_url(engagement: Engagement, name: str, **extra: Any) -> str:
    return reverse(f"engagements:{name}", kwargs={"programme": engagement.programme.slug,
                                                 "place": engagement.place.slug, **extra})


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


# -- the context record ---------------------------------------------------------------------

def save_context(world: dict[str, Any], actor: User, *, seen: int | None,
                 **overrides: Any) -> PlaceContext:
    values: dict[str, Any] = {
        "councils": 2, "commissioners": 3, "icb": "NHS Fenmarsh ICB", "coterminous": False,
        "foundation_trust_applications": "", "pressure": "high",
        "pressure_on": TODAY - dt.timedelta(days=3), "notes": ""}
    values.update(overrides)
    return services.place_context_save(actor=actor, place=world["place"], seen=seen, **values)


@pytest.mark.django_db
def test_the_context_is_created_changed_audited_and_stale_edits_refused(
        world: dict[str, Any], lead_user: User) -> None:
    row = save_context(world, lead_user, seen=None)
    assert row.version == 1 and row.coterminous is False
    changed = save_context(world, lead_user, seen=1, councils=4)
    assert changed.version == 2 and changed.councils == 4
    with pytest.raises(StaleEditError):
        save_context(world, lead_user, seen=1, councils=5)
    with pytest.raises(StaleEditError):  # a form opened before anyone had created it
        save_context(world, lead_user, seen=None, councils=6)
    assert PlaceContext.objects.get().councils == 4
    assert actions()[-2:] == ["engagements.place_context.created",
                              "engagements.place_context.changed"]
    assert AuditEvent.objects.filter(action="engagements.place_context.changed").get()\
        .changes == {"councils": 4}


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), [
    ({"pressure_on": None}, "pressure_on"),
    ({"pressure_on": TODAY + dt.timedelta(days=1)}, "pressure_on"),
    ({"pressure": "", "pressure_on": TODAY}, "pressure"),
    ({"pressure": "unbearable"}, "pressure"),
    ({"councils": 120}, "councils"),
    ({"icb": "x" * 201}, "icb"),
])
def test_bad_context_is_refused_beside_its_field(world: dict[str, Any], lead_user: User,
                                                 overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        save_context(world, lead_user, seen=None, **overrides)
    assert field in refused.value.field_errors
    assert not PlaceContext.objects.exists()


# -- other support --------------------------------------------------------------------------

@pytest.mark.django_db
def test_other_support_dates_in_the_wrong_order_and_stale_versions_are_refused(
        world: dict[str, Any], lead_user: User) -> None:
    with pytest.raises(DomainError) as refused:
        services.other_support_add(actor=lead_user, place=world["place"], name="SAFER",
                                   owner="NHS Improvement", focus="", started_on=TODAY,
                                   ended_on=TODAY - dt.timedelta(days=1))
    assert "on or after" in refused.value.field_errors["ended_on"][0]
    with pytest.raises(DomainError) as empty:
        services.other_support_add(actor=lead_user, place=world["place"], name=" ", owner="",
                                   focus="", started_on=None, ended_on=None)
    assert set(empty.value.field_errors) == {"name", "owner", "started_on"}
    assert not OtherSupport.objects.exists()
    row = services.other_support_add(actor=lead_user, place=world["place"], name="SAFER",
                                     owner="NHS Improvement", focus="Flow",
                                     started_on=TODAY - dt.timedelta(days=30), ended_on=None)
    services.other_support_change(actor=lead_user, support=row, seen=1, name="SAFER",
                                  owner="NHS Improvement", focus="Flow", started_on=row.started_on,
                                  ended_on=TODAY)
    with pytest.raises(StaleEditError):
        services.other_support_change(actor=lead_user, support=row, seen=1, name="SAFER 2",
                                      owner="x", focus="", started_on=row.started_on,
                                      ended_on=None)
    saved = OtherSupport.objects.get()
    assert saved.ended_on == TODAY and saved.version == 2
    assert "engagements.other_support.changed" in actions()


# -- sponsor and protocols ------------------------------------------------------------------

@pytest.mark.django_db
def test_the_sponsor_is_a_person_of_a_partner_organisation(world: dict[str, Any],
                                                           lead_user: User) -> None:
    stranger = PersonFactory.create()  # of an organisation that does not serve the place
    with pytest.raises(DomainError) as refused:
        services.uec_sponsor_set(actor=lead_user, board=world["board"], seen=None,
                                 person_id=stranger.pk, since=TODAY)
    assert "person" in refused.value.field_errors
    row = services.uec_sponsor_set(actor=lead_user, board=world["board"], seen=None,
                                   person_id=world["person"].pk, since=TODAY)
    assert row.person == world["person"]
    with pytest.raises(StaleEditError):
        services.uec_sponsor_set(actor=lead_user, board=world["board"], seen=None,
                                 person_id=world["person"].pk, since=TODAY)
    # The audit row names the person by id, never by name.
    event = AuditEvent.objects.get(action="engagements.uec_sponsor.created")
    assert SPONSOR_NAME not in str(event.changes) and SPONSOR_NAME not in str(event.object_repr)


def add_protocol(world: dict[str, Any], actor: User, **overrides: Any) -> LocalProtocol:
    values: dict[str, Any] = {
        "title": "Escalation at times of pressure", "covers": "Who does what, and when.",
        "organisation_ids": [world["acute"].pk, world["council"].pk],
        "agreed_on": TODAY - dt.timedelta(days=100), "review_on": TODAY + dt.timedelta(days=10)}
    values.update(overrides)
    return services.protocol_add(actor=actor, board=world["board"], **values)


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"review_on": TODAY - dt.timedelta(days=1), "agreed_on": None}, "review_on",
     "in the past"),
    ({"review_on": TODAY - dt.timedelta(days=200)}, "review_on", "on or after"),
    ({"agreed_on": TODAY + dt.timedelta(days=3)}, "agreed_on", "future"),
    ({"organisation_ids": []}, "organisations", "Choose the organisations"),
    ({"title": "  "}, "title", "title"),
    ({"review_on": None}, "review_on", "next to be reviewed"),
])
def test_bad_protocols_are_refused_and_nothing_is_saved(
        world: dict[str, Any], lead_user: User, overrides: dict[str, Any], field: str,
        message: str) -> None:
    with pytest.raises(DomainError) as refused:
        add_protocol(world, lead_user, **overrides)
    assert message in " ".join(refused.value.field_errors[field])
    assert not LocalProtocol.objects.exists()


@pytest.mark.django_db
def test_another_places_organisation_cannot_be_party_to_a_protocol(
        world: dict[str, Any], lead_user: User) -> None:
    elsewhere = OrganisationFactory.create()
    with pytest.raises(DomainError) as refused:
        add_protocol(world, lead_user, organisation_ids=[elsewhere.pk])
    assert "this place only" in refused.value.field_errors["organisations"][0]


@pytest.mark.django_db
def test_the_review_reminder_is_sent_once_per_review_date(
        world: dict[str, Any], lead_user: User) -> None:
    lead_user.email = "lead@example.nhs.uk"
    lead_user.save()
    due = add_protocol(world, lead_user)
    add_protocol(world, lead_user, title="Not yet due",
                 review_on=TODAY + dt.timedelta(days=200))
    assert reminders.protocol_reviews_remind(today=TODAY) == 1
    assert mail.outbox[-1].to == ["lead@example.nhs.uk"]
    assert due.title in mail.outbox[-1].subject
    e = world["engagement"]
    assert f"/programmes/{e.programme.slug}/places/{e.place.slug}/#uec" in mail.outbox[-1].body
    assert reminders.protocol_reviews_remind(today=TODAY) == 0  # once per review date
    assert len(mail.outbox) == 1
    # After the review, a new date: reminded again when that falls due.
    services.protocol_change(actor=lead_user, protocol=due, seen=1, title=due.title,
                             covers=due.covers, organisation_ids=[world["acute"].pk],
                             agreed_on=due.agreed_on, review_on=TODAY + dt.timedelta(days=20))
    assert LocalProtocol.objects.get(pk=due.pk).reminded_for is None
    assert reminders.protocol_reviews_remind(today=TODAY) == 1
    with pytest.raises(StaleEditError):
        services.protocol_change(actor=lead_user, protocol=due, seen=1, title="Old",
                                 covers="x", organisation_ids=[world["acute"].pk],
                                 agreed_on=None, review_on=TODAY + dt.timedelta(days=30))
    assert "engagements.protocol.review_reminded" in actions()


@pytest.mark.django_db
def test_an_overdue_protocol_can_be_edited_without_moving_its_date(
        world: dict[str, Any], lead_user: User) -> None:
    row = add_protocol(world, lead_user)
    LocalProtocol.objects.filter(pk=row.pk).update(review_on=TODAY - dt.timedelta(days=5))
    row.refresh_from_db()
    saved = services.protocol_change(actor=lead_user, protocol=row, seen=1, title="Renamed",
                                     covers=row.covers, organisation_ids=[world["acute"].pk],
                                     agreed_on=row.agreed_on, review_on=row.review_on)
    assert saved.title == "Renamed"


# -- the checklist, answered by the place ---------------------------------------------------

def link_in_outbox() -> str:
    found = re.search(r"https?://[^/\s]+(/respond/[^/\s]+/)", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(1)


ANSWERS = {"sponsor_status": "in_place", "protocols_status": "in_progress",
           "collaboration_status": "in_place", "flow_status": "not_started",
           "good_practice_status": "in_place", "voice_status": "not_applicable",
           "flow_comment": "We start in the spring."}


@pytest.mark.django_db
def test_the_board_answers_its_checklist_through_a_link_once(
        world: dict[str, Any], lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    e = world["engagement"]
    url = place_url(e, "uec-checklist")
    assert "has not answered" in lead_client.get(url).content.decode()
    empty = lead_client.post(url, {})
    assert "Choose who answers" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = lead_client.post(url, {"person": world["person"].pk})
    assert sent.status_code == 302
    path = link_in_outbox()
    contact = Client()
    assert contact.get(path)["Location"] == RESPOND_OPEN
    page = contact.get(RESPOND_OPEN).content.decode()
    assert "executive sponsor" in page
    missing = contact.post(RESPOND_OPEN, {"sponsor_status": "in_place"})
    assert missing.status_code == 200 and "Choose an answer" in missing.content.decode()
    assert UecChecklist.objects.get().state == "sent"
    done = contact.post(RESPOND_OPEN, ANSWERS)
    assert done.status_code == 302
    assert "checklist are recorded" in contact.get(RESPOND_OPEN).content.decode()
    row = UecChecklist.objects.get()
    assert row.state == "answered" and row.answered_by_role == "Director of Nursing"
    assert row.answers["flow"] == {"status": "not_started", "comment": "We start in the spring."}
    # Used once: the same link again is gone.
    again = Client()
    again.get(path)
    assert again.get(RESPOND_OPEN).status_code == 410
    shown = lead_client.get(url).content.decode()
    assert "We start in the spring." in shown and "Director of Nursing" in shown
    assert SPONSOR_NAME not in shown.split("Ask the board")[0]
    assert RespondentLink.objects.get().used_at is not None


# -- good practice --------------------------------------------------------------------------

@pytest.mark.django_db
def test_good_practice_never_names_a_person(world: dict[str, Any], enabler_user: User) -> None:
    with pytest.raises(DomainError) as refused:
        services.good_practice_add(actor=enabler_user, place=world["place"], title="SDEC",
                                   kind="sdec", description=f"{SPONSOR_NAME} runs it.",
                                   themes=[], attributed_role="")
    assert "never names" in refused.value.field_errors["description"][0]
    with pytest.raises(DomainError) as bad_kind:
        services.good_practice_add(actor=enabler_user, place=world["place"], title="SDEC",
                                   kind="magic", description="x", themes=[],
                                   attributed_role="")
    assert "kind" in bad_kind.value.field_errors
    assert not GoodPractice.objects.exists()


@pytest.mark.django_db
def test_the_library_is_searchable_by_words_kind_and_theme(
        world: dict[str, Any], enabler_user: User, lead_client: Client,
        django_assert_max_num_queries: Any) -> None:
    sdec = ThemeFactory.create(name="Same-day emergency care", slug="same-day-emergency-care")
    services.good_practice_add(actor=enabler_user, place=world["place"],
                               title="Same-day emergency care at the front door", kind="sdec",
                               description="Assessed and home the same day.", themes=[sdec],
                               attributed_role="Director of Nursing")
    services.good_practice_add(actor=enabler_user, place=world["place"],
                               title="Morning discharge huddle", kind="discharge",
                               description="Fifteen minutes each morning.", themes=[],
                               attributed_role="")
    url = reverse("engagements:good-practice")

    def titles(query: dict[str, str]) -> list[str]:
        body = lead_client.get(url, query).content.decode()
        return re.findall(r'nhsuk-heading-m">([^<]+)<', body)

    assert len(titles({})) == 2
    assert titles({"q": "huddle"}) == ["Morning discharge huddle"]
    assert titles({"kind": "sdec"}) == ["Same-day emergency care at the front door"]
    assert titles({"theme": "same-day-emergency-care"}) == [
        "Same-day emergency care at the front door"]
    assert titles({"kind": "not-a-kind"}) == titles({})  # a bad filter is no filter
    body = lead_client.get(url).content.decode()
    # The only Director of Nursing at the place would be singled out: generalised, and the
    # place widened to its region.
    assert "Director of Nursing" not in body and world["place"].region.name in body
    for _ in range(30):
        GoodPractice.objects.create(place=world["place"], title="More", kind="other",
                                    description="x", recorded_on=TODAY)
    with django_assert_max_num_queries(12):
        assert lead_client.get(url).status_code == 200


@pytest.mark.django_db
def test_good_practice_is_added_from_an_engagement_the_user_may_work_on(
        world: dict[str, Any], enabler_client: Client, other_enabler_user: User) -> None:
    e = world["engagement"]
    url = reverse("engagements:good-practice-add", args=[e.pk])
    empty = enabler_client.post(url, {})
    assert "Enter a short title" in empty.content.decode()
    done = enabler_client.post(url, {"title": "Frailty at the front door", "kind": "frailty",
                                     "description": "Seen within the hour."})
    assert done.status_code == 302 and GoodPractice.objects.get().place == e.place
    other = Client()
    other.force_login(other_enabler_user)
    assert other.get(url).status_code in (403, 404)


# -- the pages ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_context_page_re_shows_what_was_typed_and_says_when_stale(
        world: dict[str, Any], lead_client: Client, lead_user: User) -> None:
    e = world["engagement"]
    url = place_url(e, "context-edit")
    bad = lead_client.post(url, {"councils": "2", "pressure": "high",
                                 "pressure_on": (TODAY + dt.timedelta(days=2)).isoformat(),
                                 "icb": "NHS Typed ICB"})
    body = bad.content.decode()
    assert bad.status_code == 200 and "cannot be in the future" in body
    assert "NHS Typed ICB" in body and not PlaceContext.objects.exists()
    assert lead_client.post(url, {"councils": "2", "coterminous": "no"}).status_code == 302
    save_context(world, lead_user, seen=1, councils=3)
    stale = lead_client.post(url, {"seen": "1", "councils": "7"})
    assert stale.status_code == 200 and "changed since you opened it" in stale.content.decode()
    assert PlaceContext.objects.get().councils == 3
    assert lead_client.post(url, {"seen": "2", "councils": "7"}).status_code == 302


@pytest.mark.django_db
def test_the_place_page_shows_context_support_sponsor_and_protocols_in_fixed_queries(
        world: dict[str, Any], lead_client: Client, lead_user: User,
        django_assert_max_num_queries: Any) -> None:
    e = world["engagement"]
    url = reverse("engagements:place", args=[e.programme.slug, e.place.slug])
    save_context(world, lead_user, seen=None)
    services.uec_sponsor_set(actor=lead_user, board=world["board"], seen=None,
                             person_id=world["person"].pk, since=TODAY)
    for i in range(5):
        services.other_support_add(actor=lead_user, place=world["place"], name=f"ECIP {i}",
                                   owner="NHS Improvement", focus="",
                                   started_on=TODAY - dt.timedelta(days=10), ended_on=None)
        add_protocol(world, lead_user, title=f"Protocol {i}")
    with django_assert_max_num_queries(26):
        body = lead_client.get(url).content.decode()
    assert "NHS Fenmarsh ICB" in body and "Not coterminous" in body
    assert "ECIP 4" in body and "5 running now" in body
    assert "Protocol 4" in body and "Review due" in body
    assert "Fenmarsh Council" in body and "Director of Nursing" in body


@pytest.mark.django_db
def test_support_load_by_region_counts_current_programmes_never_ranking(
        world: dict[str, Any], lead_client: Client, lead_user: User,
        django_assert_max_num_queries: Any) -> None:
    e = world["engagement"]
    for name, ended in (("ECIP", None), ("SAFER", None), ("Old", TODAY - dt.timedelta(1))):
        services.other_support_add(actor=lead_user, place=world["place"], name=name,
                                   owner="NHS", focus="", started_on=TODAY - dt.timedelta(50),
                                   ended_on=ended)
    for _ in range(4):
        EngagementFactory.create(programme=e.programme)
    regions, page = reads.support_load(e.programme, TODAY, None)
    bands = {name: dict(r.bands) for r in regions for name in [r.name]}
    assert sum(b["two"] for b in bands.values()) == 1
    assert sum(b["none"] for b in bands.values()) == 4
    listed = [(p.region.name, p.name) for p in page]
    assert listed == sorted(listed)  # by region, then name: never by load
    url = reverse("engagements:support-load", args=[e.programme.slug])
    with django_assert_max_num_queries(10):
        body = lead_client.get(url).content.decode()
    assert re.search(r">ECIP</a> \(NHS\); <a [^>]+>SAFER</a> \(NHS\)", body)
    assert "Old</a>" not in body


@pytest.mark.django_db
def test_the_form_pages_fit_a_query_budget(world: dict[str, Any], lead_client: Client,
                                           lead_user: User,
                                           django_assert_max_num_queries: Any) -> None:
    e = world["engagement"]
    support = services.other_support_add(actor=lead_user, place=world["place"], name="SAFER",
                                         owner="NHS", focus="", started_on=TODAY,
                                         ended_on=None)
    protocol = add_protocol(world, lead_user)
    for url in (place_url(e, "context-edit"), place_url(e, "other-support-add"),
                place_url(e, "other-support-edit", pk=support.pk), place_url(e, "uec-sponsor"),
                place_url(e, "protocol-add"), place_url(e, "protocol-edit", pk=protocol.pk),
                place_url(e, "uec-checklist"),
                reverse("engagements:good-practice-add", args=[e.pk])):
        with django_assert_max_num_queries(10):
            assert lead_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_another_places_rows_are_not_found(world: dict[str, Any], lead_client: Client,
                                           lead_user: User) -> None:
    e = world["engagement"]
    elsewhere = EngagementFactory.create(programme=e.programme)
    support = OtherSupport.objects.create(place=elsewhere.place, name="ECIP", owner="NHS",
                                          started_on=TODAY)
    assert lead_client.get(place_url(e, "other-support-edit", pk=support.pk)).status_code == 404
    board = DeliveryBoardFactory.create(place=elsewhere.place)
    protocol = LocalProtocol.objects.create(board=board, title="P", covers="c",
                                            review_on=TODAY)
    assert lead_client.get(place_url(e, "protocol-edit", pk=protocol.pk)).status_code == 404


@pytest.mark.django_db
def test_a_protocol_is_recorded_through_the_page(world: dict[str, Any],
                                                 lead_client: Client) -> None:
    e = world["engagement"]
    url = place_url(e, "protocol-add")
    past = lead_client.post(url, {"title": "Escalation", "covers": "Who does what.",
                                  "organisations": [world["acute"].pk],
                                  "review_on": (TODAY - dt.timedelta(days=3)).isoformat()})
    body = past.content.decode()
    assert past.status_code == 200 and "in the past" in body and "Escalation" in body
    done = lead_client.post(url, {"title": "Escalation", "covers": "Who does what.",
                                  "organisations": [world["acute"].pk, world["council"].pk],
                                  "review_on": (TODAY + dt.timedelta(days=90)).isoformat()})
    assert done.status_code == 302
    row = LocalProtocol.objects.get()
    assert {o.name for o in row.organisations.all()} == {"Fenmarsh Hospitals NHS Trust",
                                                         "Fenmarsh Council"}
    sponsor = lead_client.post(place_url(e, "uec-sponsor"),
                               {"person": world["person"].pk, "since": TODAY.isoformat()})
    assert sponsor.status_code == 302 and UecSponsor.objects.get().person == world["person"]


# -- learning summaries grouped by context --------------------------------------------------

@pytest.mark.django_db
def test_summaries_group_learning_by_context_with_small_numbers_suppressed(
        lead_client: Client) -> None:
    from engagements.models import LearningSummary
    from engagements.summaries.services import summary_compile

    from .factories import LearningItemFactory, LearningSummaryFactory, ProgrammeFactory
    from .factories import SessionFactory as Sessions

    programme = ProgrammeFactory.create()
    day = dt.date(2024, 1, 10)
    for i, coterminous in enumerate((False, False, False, True)):
        e = EngagementFactory.create(programme=programme)
        PlaceContext.objects.create(place=e.place, coterminous=coterminous,
                                    pressure="high" if i < 3 else "",
                                    pressure_on=day if i < 3 else None)
        LearningItemFactory.create(session=Sessions.create(engagement=e, date=day),
                                   text=f"Lesson from place {i}")
    summary = LearningSummaryFactory.create(programme=programme)
    summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    assert summary.status == LearningSummary.Status.READY
    by_context = {a["key"]: a for a in summary.content["learning"]["by_context"]}
    boundaries = {g["label"]: g for g in by_context["coterminous"]["groups"]}
    shown = boundaries["Where boundaries are not coterminous"]
    assert shown["places"] == "3 places" and len(shown["refs"]) == 3
    hidden = boundaries["Where health and council boundaries are coterminous"]
    assert hidden["places"] == "fewer than 3 places" and hidden["refs"] == []
    page = lead_client.get(reverse("engagements:summary-detail", args=[summary.pk]))
    body = page.content.decode()
    assert "Learning by context" in body and "Not shown: fewer than 3 places" in body
    assert "Where system pressure is high (3 places)" in body


@pytest.mark.django_db
def test_a_place_with_no_board_is_told_so_and_reviews_due_are_listed(
        lead_client: Client, world: dict[str, Any], lead_user: User) -> None:
    boardless = EngagementFactory.create(programme=world["engagement"].programme)
    for name in ("uec-sponsor", "protocol-add", "uec-checklist"):
        page = lead_client.get(place_url(boardless, name))
        assert page.status_code == 200 and "no delivery board" in page.content.decode()
    due = add_protocol(world, lead_user)
    add_protocol(world, lead_user, title="Later", review_on=TODAY + dt.timedelta(days=300))
    e = world["engagement"]
    body = lead_client.get(reverse("engagements:support-load",
                                   args=[e.programme.slug])).content.decode()
    assert due.title in body and "Later" not in body
    assert place_url(e, "protocol-edit", pk=due.pk) in body
