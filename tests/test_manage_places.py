"""Manage → Places, Organisations, a place's delivery board and its members, and enabler
profiles: what an Admin did in the Django admin, now in Fieldbook's own audited pages (issue 12).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from enablers.models import Enabler
from fieldbook.models import AuditEvent
from places.models import BoardMembership, DeliveryBoard, Organisation, Person, Place

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    EnablerFactory,
    OrganisationFactory,
    PersonFactory,
    PlaceFactory,
    RegionFactory,
    SessionFactory,
    SystemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _seen(obj: Any) -> str:
    obj.refresh_from_db()
    return obj.updated_at.isoformat()


def _touch(obj: Any) -> None:
    """Someone else saves the row meanwhile (a moment later than the form saw)."""
    type(obj).objects.filter(pk=obj.pk).update(
        updated_at=obj.updated_at + dt.timedelta(seconds=1))


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def _page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _error_beside(page: str, field: str, text: str) -> None:
    """The message sits in the field's own error element (and so also in the summary)."""
    start = page.index(f'id="id_{field}-error"')
    assert escape(text) in page[start:start + 600], page[start:start + 600]


# ---- places --------------------------------------------------------------------------------


def _place_post(place: Place, **overrides: Any) -> dict[str, Any]:
    data = {"seen": _seen(place), "name": place.name, "region": place.region_id,
            "system": place.system_id or "", "onboarding_status": place.onboarding_status,
            "description": place.description}
    return {**data, **overrides}


def test_places_list_searches_filters_and_links(admin_client_fb: Client) -> None:
    north = RegionFactory.create(name="North West")
    PlaceFactory.create(name="Central Lancashire", region=north,
                        onboarding_status=Place.OnboardingStatus.ACTIVE)
    PlaceFactory.create(name="Barnet & Enfield", onboarding_status=Place.OnboardingStatus.DRAFT)
    page = _page(admin_client_fb.get(reverse("backoffice:places")))
    assert "Central Lancashire" in page and "Barnet &amp; Enfield" in page
    assert reverse("backoffice:onboard") in page  # adding a place is onboarding's job
    found = _page(admin_client_fb.get(reverse("backoffice:places") + "?q=north+west"))
    assert "Central Lancashire" in found and "Barnet" not in found
    drafts = _page(admin_client_fb.get(reverse("backoffice:places") + "?status=draft"))
    assert "Barnet" in drafts and "Central Lancashire" not in drafts
    home = _page(admin_client_fb.get(reverse("backoffice:admin-home")))
    assert f'{reverse("backoffice:places")}?status=draft' in home
    assert reverse("backoffice:organisations") in home
    assert reverse("admin:index") not in home  # break-glass is for superusers only


@pytest.mark.parametrize("name", ["backoffice:places", "backoffice:organisations"])
def test_lists_cost_the_same_for_10_or_500_rows(
    admin_client_fb: Client, django_assert_max_num_queries: Any, name: str
) -> None:
    region = RegionFactory.create()
    system = SystemFactory.create(region=region)
    counts = []
    for total in (10, 500):
        have = Place.objects.count()
        places = Place.objects.bulk_create([
            Place(name=f"Place {i}", slug=f"place-x-{i}", region=region, system=system)
            for i in range(have, total)])
        orgs = Organisation.objects.bulk_create([
            Organisation(name=f"Trust {i}", kind="acute_trust") for i in range(have, total)])
        through = Organisation.places.through
        through.objects.bulk_create([through(organisation=o, place=p)
                                     for o, p in zip(orgs, places, strict=True)])
        with django_assert_max_num_queries(8) as captured:
            page = _page(admin_client_fb.get(reverse(name)))
        assert f"{total} " in page
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_changing_a_place_keeps_its_slug_and_audits_what_changed(
    admin_client_fb: Client, admin_user: User
) -> None:
    region = RegionFactory.create(name="London")
    system = SystemFactory.create(region=region, name="North Central London ICS")
    place = PlaceFactory.create(name="Barnet", slug="barnet", region=region,
                                onboarding_status=Place.OnboardingStatus.ONBOARDING)
    response = admin_client_fb.post(reverse("backoffice:place-edit", args=[place.pk]), _place_post(
        place, name="Barnet & Enfield", system=system.pk, onboarding_status="active"))
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:places")
    place.refresh_from_db()
    assert (place.name, place.slug, place.system, place.onboarding_status) == (
        "Barnet & Enfield", "barnet", system, "active")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_id) == (
        "places.place.changed", admin_user, str(place.pk))
    assert event.changes == {"name": "Barnet & Enfield", "system": "North Central London ICS",
                             "onboarding_status": "active"}
    # Saving without a change writes no audit row.
    admin_client_fb.post(reverse("backoffice:place-edit", args=[place.pk]), _place_post(place))
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": ""}, "name", "Enter the name of the place"),
    ({"name": "Wakefield"}, "name", "Wakefield is already a place in"),
    ({"system": "other-region"}, "system", "Choose a system in the same region"),
    ({"region": "999999"}, "region", "Choose a region from the list"),
    ({"onboarding_status": "gone"}, "onboarding_status", "Select a valid choice"),
])
def test_a_bad_place_change_is_shown_beside_its_field(
    admin_client_fb: Client, overrides: dict[str, Any], field: str, message: str
) -> None:
    place = PlaceFactory.create(name="Leeds", description="Typed before")
    PlaceFactory.create(name="Wakefield", region=place.region)
    if overrides.get("system") == "other-region":
        overrides = {"system": SystemFactory.create().pk}
    data = _place_post(place, description="Typed this time", **overrides)
    page = _page(admin_client_fb.post(reverse("backoffice:place-edit", args=[place.pk]), data))
    assert "There is a problem" in page
    _error_beside(page, field, message)
    assert "Typed this time" in page  # what was typed is kept
    place.refresh_from_db()
    assert place.name == "Leeds" and place.description == "Typed before"
    assert not AuditEvent.objects.exists()


def test_a_stale_place_edit_is_refused_and_keeps_what_was_typed(
    admin_client_fb: Client
) -> None:
    place = PlaceFactory.create(name="Leeds")
    url = reverse("backoffice:place-edit", args=[place.pk])
    data = _place_post(place, name="Leeds City")
    Place.objects.filter(pk=place.pk).update(name="Leeds Place",
                                             updated_at=place.updated_at + dt.timedelta(1))
    page = _page(admin_client_fb.post(url, data))
    assert "was changed since you opened it" in page
    assert 'value="Leeds City"' in page and "Leeds Place" in page  # theirs beside ours
    place.refresh_from_db()
    assert place.name == "Leeds Place"
    assert not AuditEvent.objects.exists()
    # The form moved on to the saved version: saving again is a deliberate replace.
    seen = page.split('name="seen" value="')[1].split('"')[0]
    assert admin_client_fb.post(url, {**data, "seen": seen}).status_code == 302
    place.refresh_from_db()
    assert place.name == "Leeds City"


def test_the_place_page_costs_the_same_for_any_number_of_members(
    admin_client_fb: Client, django_assert_max_num_queries: Any
) -> None:
    place = PlaceFactory.create()
    board = DeliveryBoardFactory.create(place=place)
    org = OrganisationFactory.create()
    org.places.add(place)
    counts = []
    for total in (3, 40):
        for _ in range(board.memberships.count(), total):
            BoardMembershipFactory.create(board=board, person__organisation=org)
        SystemFactory.create()
        with django_assert_max_num_queries(12) as captured:
            page = _page(admin_client_fb.get(reverse("backoffice:place-edit", args=[place.pk])))
        assert page.count(">Change<span") == total + 1
        counts.append(len(captured))
    assert counts[0] == counts[1]


# ---- who may, and what does not exist --------------------------------------------------------


def _urls() -> dict[str, str]:
    place = PlaceFactory.create()
    board = DeliveryBoardFactory.create(place=place)
    membership = BoardMembershipFactory.create(board=board)
    return {
        "backoffice:places": reverse("backoffice:places"),
        "backoffice:place-edit": reverse("backoffice:place-edit", args=[place.pk]),
        "backoffice:place-board": reverse("backoffice:place-board", args=[place.pk]),
        "backoffice:board-member-add": reverse("backoffice:board-member-add", args=[place.pk]),
        "backoffice:board-membership-edit": reverse("backoffice:board-membership-edit",
                                                args=[place.pk, membership.pk]),
        "backoffice:organisations": reverse("backoffice:organisations"),
        "backoffice:organisation-add": reverse("backoffice:organisation-add"),
        "backoffice:organisation-edit": reverse("backoffice:organisation-edit",
                                            args=[OrganisationFactory.create().pk]),
        "backoffice:enabler-edit": reverse("backoffice:enabler-edit",
                                           args=[EnablerFactory.create().user.pk]),
    }


@pytest.mark.parametrize("client_name", ["lead_client", "enabler_client"])
def test_other_roles_are_refused_every_page(
    request: pytest.FixtureRequest, client_name: str
) -> None:
    client = request.getfixturevalue(client_name)
    for name, url in _urls().items():
        assert client.get(url).status_code == 403, name
        if name not in ("backoffice:places", "backoffice:organisations"):
            assert client.post(url, {"name": "X"}).status_code == 403, name
    assert not AuditEvent.objects.exists()


def test_a_missing_object_is_404(admin_client_fb: Client) -> None:
    place = PlaceFactory.create()
    board = DeliveryBoardFactory.create(place=place)
    elsewhere = BoardMembershipFactory.create()  # on another place's board
    roleless = UserFactory.create()  # a user with no enabler profile
    for url in [
        reverse("backoffice:place-edit", args=[999999]),
        reverse("backoffice:place-board", args=[999999]),
        reverse("backoffice:board-member-add", args=[999999]),
        reverse("backoffice:board-membership-edit", args=[place.pk, 999999]),
        reverse("backoffice:board-membership-edit", args=[place.pk, elsewhere.pk]),
        reverse("backoffice:organisation-edit", args=[999999]),
        reverse("backoffice:enabler-edit", args=[999999]),
        reverse("backoffice:enabler-edit", args=[roleless.pk]),
    ]:
        assert admin_client_fb.get(url).status_code == 404, url
        assert admin_client_fb.post(url, {"name": "X"}).status_code == 404, url
    assert board.memberships.count() == 0


# ---- organisations -------------------------------------------------------------------------


def test_organisations_list_shows_the_places_each_serves(admin_client_fb: Client) -> None:
    org = OrganisationFactory.create(name="Lancashire Teaching Hospitals", ods_code="RXN")
    org.places.add(*[PlaceFactory.create(name=f"Locality {i}") for i in range(7)])
    OrganisationFactory.create(name="Preston City Council", kind="local_authority")
    page = _page(admin_client_fb.get(reverse("backoffice:organisations")))
    assert "Locality 0, Locality 1" in page and "and 2 more" in page
    assert "<code>RXN</code>" in page
    by_code = _page(admin_client_fb.get(reverse("backoffice:organisations") + "?q=rxn"))
    assert "Lancashire Teaching" in by_code and "Preston" not in by_code
    councils = _page(admin_client_fb.get(reverse("backoffice:organisations")
                                         + "?kind=local_authority"))
    assert "Preston" in councils and "Lancashire Teaching" not in councils


def test_adding_an_organisation_is_audited(admin_client_fb: Client, admin_user: User) -> None:
    place = PlaceFactory.create(name="Central Lancashire")
    url = reverse("backoffice:organisation-add")
    assert f'value="{place.pk}" selected' in _page(admin_client_fb.get(f"{url}?place={place.pk}"))
    response = admin_client_fb.post(url, {"name": " Lancashire and South Cumbria ICB ",
                                          "kind": "commissioner", "ods_code": "qe1",
                                          "add_place": place.pk})
    org = Organisation.objects.get()
    assert response["Location"] == reverse("backoffice:organisation-edit", args=[org.pk])
    assert (org.name, org.ods_code, list(org.places.all())) == (
        "Lancashire and South Cumbria ICB", "QE1", [place])
    event = AuditEvent.objects.get()
    assert event.action == "places.organisation.created" and event.actor == admin_user
    assert event.changes == {"name": "Lancashire and South Cumbria ICB", "kind": "commissioner",
                             "ods_code": "QE1", "places": ["Central Lancashire"]}


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"ods_code": "RXN"}, "ods_code", "ODS code RXN belongs to Lancashire Teaching Hospitals"),
    ({"ods_code": "rx"}, "ods_code", "An ODS code is 3 to 6 capital letters and digits"),
    ({"name": "lancashire teaching hospitals"}, "name", "is already in Fieldbook"),
    ({"name": ""}, "name", "Enter the organisation's name"),
    ({"kind": ""}, "kind", "Choose what kind of organisation it is"),
    ({"add_place": "999999"}, "add_place", "Choose a place from the list"),
])
def test_a_bad_organisation_is_shown_beside_its_field(
    admin_client_fb: Client, data: dict[str, str], field: str, message: str
) -> None:
    OrganisationFactory.create(name="Lancashire Teaching Hospitals", ods_code="RXN")
    posted = {"name": "Blackpool Teaching Hospitals", "kind": "acute_trust", "ods_code": "",
              **data}
    page = _page(admin_client_fb.post(reverse("backoffice:organisation-add"), posted))
    field_id = f"{field}_0" if field == "kind" else field
    page = page.replace(f'id="id_{field_id}-error"', f'id="id_{field}-error"')
    _error_beside(page, field, message)
    if posted["name"]:
        assert f'value="{posted["name"]}"' in page
    assert Organisation.objects.count() == 1 and not AuditEvent.objects.exists()


def test_changing_an_organisation_and_its_places(admin_client_fb: Client) -> None:
    keep, drop, add = (PlaceFactory.create(name=n) for n in ("Keep", "Drop", "Add"))
    org = OrganisationFactory.create(name="Old name", ods_code="RXN")
    org.places.add(keep, drop)
    other = OrganisationFactory.create(name="Other", ods_code="RXL")
    url = reverse("backoffice:organisation-edit", args=[org.pk])
    base = {"seen": _seen(org), "name": "New name", "kind": org.kind, "ods_code": "RXN",
            "places": [keep.pk], "add_place": add.pk}
    page = _page(admin_client_fb.post(url, {**base, "ods_code": "rxl"}))
    _error_beside(page, "ods_code", "ODS code RXL belongs to Other")
    assert admin_client_fb.post(url, base).status_code == 302
    org.refresh_from_db()
    assert org.name == "New name" and set(org.places.all()) == {keep, add}
    event = AuditEvent.objects.get()
    assert event.action == "places.organisation.changed"
    assert event.changes == {"name": "New name", "places": ["Add", "Keep"]}
    # A stale edit: refused, nothing overwritten, what was typed kept.
    _touch(org)
    page = _page(admin_client_fb.post(url, {**base, "name": "Newer name", "add_place": ""}))
    assert "changed since you opened it" in page and 'value="Newer name"' in page
    org.refresh_from_db()
    assert org.name == "New name" and other.ods_code == "RXL"
    assert AuditEvent.objects.count() == 1


# ---- the delivery board and its members ------------------------------------------------------


def test_giving_a_place_its_board_and_renaming_it(admin_client_fb: Client) -> None:
    place = PlaceFactory.create(name="Barnet")
    url = reverse("backoffice:place-board", args=[place.pk])
    assert "Barnet A&amp;E Delivery Board" in _page(admin_client_fb.get(url))
    # Adding a member before there is a board leads to the board first.
    add_member = reverse("backoffice:board-member-add", args=[place.pk])
    assert admin_client_fb.get(add_member)["Location"] == url
    assert admin_client_fb.post(url, {"name": "Barnet UEC Board"}).status_code == 302
    board = DeliveryBoard.objects.get(place=place)
    page = _page(admin_client_fb.post(url, {"seen": _seen(board), "name": ""}))
    _error_beside(page, "name", "Enter the name of the delivery board")
    response = admin_client_fb.post(url, {"seen": _seen(board), "name": "Barnet A&E Board",
                                          "established_on": "2016-09-01"})
    assert response["Location"] == reverse("backoffice:place-edit", args=[place.pk])
    board.refresh_from_db()
    assert (board.name, board.established_on) == ("Barnet A&E Board", dt.date(2016, 9, 1))
    assert _actions() == ["places.delivery_board.created", "places.delivery_board.changed"]
    _touch(board)
    page = _page(admin_client_fb.post(url, {"seen": _seen(board) + "x", "name": "Typed"}))
    assert "out of date" in page


@pytest.fixture
def board(db: None) -> DeliveryBoard:
    place = PlaceFactory.create(name="Central Lancashire")
    board = DeliveryBoardFactory.create(place=place, name="Central Lancashire A&E Delivery Board")
    org = OrganisationFactory.create(name="Lancashire Teaching Hospitals")
    org.places.add(place)
    return board


def test_adding_an_existing_person_and_a_new_one(admin_client_fb: Client,
                                                 board: DeliveryBoard) -> None:
    org = board.place.organisations.get()
    known = PersonFactory.create(full_name="Sam Example", organisation=org)
    url = reverse("backoffice:board-member-add", args=[board.place_id])
    assert "Sam Example, Chief Operating Officer" in _page(admin_client_fb.get(url))
    response = admin_client_fb.post(url, {"person": known.pk, "board_role": "chair",
                                          "started_on": "2024-04-01"})
    assert response["Location"] == reverse("backoffice:place-edit", args=[board.place_id])
    response = admin_client_fb.post(url, {"person": "", "full_name": "Jo Newcomer",
                                          "role_title": "Director of Nursing",
                                          "organisation": org.pk, "board_role": "member"})
    assert response.status_code == 302
    jo = Person.objects.get(full_name="Jo Newcomer")
    assert (jo.role_title, jo.organisation, jo.email) == ("Director of Nursing", org, "")
    assert [(m.person.full_name, m.board_role, m.started_on) for m in
            board.memberships.select_related("person").order_by("pk")] == [
        ("Sam Example", "chair", dt.date(2024, 4, 1)), ("Jo Newcomer", "member", None)]
    assert _actions() == ["places.board_membership.created", "places.person.created",
                          "places.board_membership.created"]
    # Someone on the board now is not offered again.
    assert "Sam Example, Chief" not in _page(admin_client_fb.get(url))


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"board_role": "chair"}, "board_role", "The board already has a chair (Chris Chair)"),
    ({"person": "on-board"}, "person", "Choose someone from the list"),
    ({"person": "", "full_name": ""}, "full_name", "Enter the new member's full name"),
    ({"person": "", "role_title": ""}, "role_title", "Enter the new member's role title"),
    ({"person": "", "organisation": "elsewhere"}, "organisation",
     "Choose one of the place's organisations"),
    ({"person": "", "full_name": "chris chair"}, "full_name", "is already in Fieldbook"),
    ({"started_on": "2024-02-30"}, "started_on", "Enter a real date"),
    ({"started_on": "tomorrow"}, "started_on", "cannot be in the future"),
    ({"board_role": ""}, "board_role", "Choose their role on the board"),
])
def test_a_bad_new_member_is_shown_beside_its_field(
    admin_client_fb: Client, board: DeliveryBoard, data: dict[str, Any], field: str,
    message: str,
) -> None:
    org = board.place.organisations.get()
    chair = BoardMembershipFactory.create(board=board, board_role="chair",
                                          person__full_name="Chris Chair", person__organisation=org)
    newcomer = PersonFactory.create(full_name="Nia Newcomer", organisation=org)
    posted = {"person": newcomer.pk, "full_name": "Typed Name", "role_title": "Typed Role",
              "organisation": org.pk, "board_role": "member", **data}
    if posted["person"] == "on-board":
        posted["person"] = chair.person_id
    if posted["organisation"] == "elsewhere":
        posted["organisation"] = OrganisationFactory.create().pk
    if posted.get("started_on") == "tomorrow":
        posted["started_on"] = (TODAY + dt.timedelta(days=1)).isoformat()
    url = reverse("backoffice:board-member-add", args=[board.place_id])
    page = _page(admin_client_fb.post(url, posted))
    field_id = f"{field}_0" if field == "board_role" else field
    page = page.replace(f'id="id_{field_id}-error"', f'id="id_{field}-error"')
    _error_beside(page, field, message)
    if posted["full_name"]:
        assert f'value="{posted["full_name"]}"' in page
    assert board.memberships.count() == 1 and not AuditEvent.objects.exists()


def test_the_service_refuses_someone_already_on_the_board(admin_user: User,
                                                           board: DeliveryBoard) -> None:
    from backoffice import boards
    from fieldbook.errors import DomainError

    membership = BoardMembershipFactory.create(board=board)
    with pytest.raises(DomainError) as excinfo:
        boards.board_member_add(actor=admin_user, board=board, person=membership.person,
                                board_role="member")
    assert excinfo.value.field_errors == {
        "person": [f"{membership.person.full_name} is already on the board"]}


def _membership_post(membership: BoardMembership, **overrides: Any) -> dict[str, Any]:
    membership.refresh_from_db()
    return {"seen": membership.updated_at.isoformat(),
            "role_title": membership.person.role_title, "board_role": membership.board_role,
            "started_on": membership.started_on.isoformat() if membership.started_on else "",
            "ended_on": membership.ended_on.isoformat() if membership.ended_on else "",
            **overrides}


def test_leaving_the_board_keeps_the_membership_and_the_attendance(
    admin_client_fb: Client, board: DeliveryBoard
) -> None:
    membership = BoardMembershipFactory.create(board=board, started_on=dt.date(2023, 1, 1),
                                               person__organisation=board.place.organisations.get())
    session = SessionFactory.create()
    session.attendees.add(membership.person)
    url = reverse("backoffice:board-membership-edit", args=[board.place_id, membership.pk])
    assert "When did they leave the board?" in _page(admin_client_fb.get(url))
    left = TODAY - dt.timedelta(days=3)
    response = admin_client_fb.post(url, _membership_post(
        membership, role_title="Chief Executive", ended_on=left.isoformat()))
    assert response["Location"] == reverse("backoffice:place-edit", args=[board.place_id])
    membership.refresh_from_db()
    assert membership.ended_on == left and membership.person.role_title == "Chief Executive"
    assert list(session.attendees.all()) == [membership.person]
    event = AuditEvent.objects.get()
    assert event.action == "places.board_membership.changed"
    assert event.changes == {"person": membership.person.full_name, "ended_on": left.isoformat(),
                             "role_title": "Chief Executive"}
    page = _page(admin_client_fb.get(reverse("backoffice:place-edit", args=[board.place_id])))
    assert "Left</strong>" in page
    # They can join again later, as a new membership.
    add = reverse("backoffice:board-member-add", args=[board.place_id])
    assert admin_client_fb.post(add, {"person": membership.person_id,
                                      "board_role": "member"}).status_code == 302
    assert board.memberships.count() == 2
    # The old one cannot then be reopened: they would be on the board twice.
    page = _page(admin_client_fb.post(url, _membership_post(membership, ended_on="")))
    _error_beside(page, "ended_on", "on the board again in a later membership")


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"ended_on": "2022-12-31"}, "ended_on", "must be on or after the date they joined"),
    ({"ended_on": "future"}, "ended_on", "cannot be in the future"),
    ({"board_role": "chair"}, "board_role", "The board already has a chair (Chris Chair)"),
    ({"role_title": ""}, "role_title", "Enter their role title"),
    ({"started_on": "not a date"}, "started_on", "Enter a real date"),
])
def test_a_bad_membership_change_is_shown_beside_its_field(
    admin_client_fb: Client, board: DeliveryBoard, overrides: dict[str, Any], field: str,
    message: str,
) -> None:
    BoardMembershipFactory.create(board=board, board_role="chair", person__full_name="Chris Chair")
    membership = BoardMembershipFactory.create(board=board, started_on=dt.date(2023, 1, 1))
    if overrides.get("ended_on") == "future":
        overrides = {"ended_on": (TODAY + dt.timedelta(days=1)).isoformat()}
    url = reverse("backoffice:board-membership-edit", args=[board.place_id, membership.pk])
    page = _page(admin_client_fb.post(url, _membership_post(membership, **overrides)))
    field_id = f"{field}_0" if field == "board_role" else field
    page = page.replace(f'id="id_{field_id}-error"', f'id="id_{field}-error"')
    _error_beside(page, field, message)
    assert not AuditEvent.objects.exists()


def test_a_chair_who_leaves_can_be_replaced(admin_client_fb: Client,
                                            board: DeliveryBoard) -> None:
    chair = BoardMembershipFactory.create(board=board, board_role="chair")
    member = BoardMembershipFactory.create(board=board)
    for membership, changes in ((chair, {"ended_on": TODAY.isoformat()}),
                                (member, {"board_role": "chair"})):
        url = reverse("backoffice:board-membership-edit", args=[board.place_id, membership.pk])
        assert admin_client_fb.post(url, _membership_post(membership, **changes)).status_code \
            == 302
    assert list(board.memberships.filter(board_role="chair", ended_on=None)) == [member]


def test_a_stale_membership_change_is_refused(admin_client_fb: Client,
                                              board: DeliveryBoard) -> None:
    membership = BoardMembershipFactory.create(board=board)
    url = reverse("backoffice:board-membership-edit", args=[board.place_id, membership.pk])
    data = _membership_post(membership, role_title="Typed Title", board_role="vice_chair")
    _touch(membership)
    page = _page(admin_client_fb.post(url, data))
    assert "changed since you opened it" in page
    assert 'value="Typed Title"' in page and "Saved now" in page
    membership.refresh_from_db()
    assert membership.board_role == "member"
    assert membership.person.role_title == "Chief Operating Officer"
    assert not AuditEvent.objects.exists()


# ---- enabler profiles ----------------------------------------------------------------------


def _enabler_post(enabler: Enabler, **overrides: Any) -> dict[str, Any]:
    return {"seen": _seen(enabler), "capacity_days_per_week": "2",
            "regions": [r.pk for r in enabler.regions.all()], "background": enabler.background,
            "is_active": "on" if enabler.is_active else "", **overrides}


def test_changing_an_enabler_profile_is_audited_and_never_moves_its_user(
    admin_client_fb: Client, admin_user: User
) -> None:
    enabler = EnablerFactory.create(user__first_name="Pat", user__last_name="Enabler")
    north, london = RegionFactory.create(name="North"), RegionFactory.create(name="London")
    user_page = _page(admin_client_fb.get(reverse("backoffice:user-detail",
                                                  args=[enabler.user_id])))
    url = reverse("backoffice:enabler-edit", args=[enabler.user_id])
    assert url in user_page
    form = _page(admin_client_fb.get(url))
    assert 'name="user"' not in form and "Pat Enabler" in form
    response = admin_client_fb.post(url, _enabler_post(
        enabler, capacity_days_per_week="2.5", regions=[north.pk, london.pk],
        background="Former council director of adult social care", is_active=""))
    assert response["Location"] == reverse("backoffice:user-detail", args=[enabler.user_id])
    owner = enabler.user_id
    enabler.refresh_from_db()
    assert enabler.user_id == owner
    assert (enabler.capacity_days_per_week, enabler.is_active, set(enabler.regions.all())) == (
        Decimal("2.5"), False, {north, london})
    assert enabler.background == "Former council director of adult social care"
    event = AuditEvent.objects.get()
    assert (event.action, event.actor) == ("enablers.enabler.changed", admin_user)
    assert event.changes == {"capacity_days_per_week": "2.5", "is_active": False,
                             "regions": ["London", "North"], "background": "(changed)"}
    # "2" and the saved "2.0" are the same: no change, no row.
    admin_client_fb.post(url, _enabler_post(enabler, capacity_days_per_week="2.5",
                                            regions=[north.pk, london.pk], is_active=""))
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(("value", "message"), [
    ("0", "Enter days a week between 0.1 and 7"),
    ("-1", "Enter days a week between 0.1 and 7"),
    ("7.5", "Enter days a week between 0.1 and 7"),
    ("two", "Enter days a week as a number"),
    ("2.25", "to one decimal place"),
    ("", "Enter how many days a week"),
])
def test_a_bad_capacity_is_shown_beside_the_field(
    admin_client_fb: Client, value: str, message: str
) -> None:
    enabler = EnablerFactory.create()
    url = reverse("backoffice:enabler-edit", args=[enabler.user_id])
    page = _page(admin_client_fb.post(url, _enabler_post(
        enabler, capacity_days_per_week=value, background="Typed background")))
    _error_beside(page, "capacity_days_per_week", message)
    assert "Typed background" in page
    enabler.refresh_from_db()
    assert enabler.capacity_days_per_week == Decimal("2.0")
    assert not AuditEvent.objects.exists()


def test_a_deactivated_users_profile_cannot_be_opened(admin_client_fb: Client) -> None:
    enabler = EnablerFactory.create(is_active=False, user__is_active=False)
    url = reverse("backoffice:enabler-edit", args=[enabler.user_id])
    page = _page(admin_client_fb.post(url, _enabler_post(enabler, is_active="on")))
    _error_beside(page, "is_active", "Their account is deactivated")


def test_a_stale_enabler_edit_is_refused(admin_client_fb: Client) -> None:
    enabler = EnablerFactory.create()
    url = reverse("backoffice:enabler-edit", args=[enabler.user_id])
    data = _enabler_post(enabler, capacity_days_per_week="4")
    Enabler.objects.filter(pk=enabler.pk).update(
        capacity_days_per_week=Decimal("3"), updated_at=enabler.updated_at + dt.timedelta(1))
    page = _page(admin_client_fb.post(url, data))
    assert "changed since you opened it" in page
    assert 'value="4"' in page and "Saved now" in page
    enabler.refresh_from_db()
    assert enabler.capacity_days_per_week == Decimal("3")


def test_the_database_still_refuses_moving_a_profile() -> None:
    enabler = EnablerFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enabler.objects.filter(pk=enabler.pk).update(user=UserFactory.create())
