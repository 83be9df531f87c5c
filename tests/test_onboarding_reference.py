"""Reference data pages (regions, systems, organisation kinds, themes with merging, programmes)
and the audit log page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from backoffice import reference
from engagements.models import LearningItem, Outcome, Programme, Session, Theme
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from fieldbook.roles import Role
from places.models import Region, System

from .factories import (
    LearningItemFactory,
    OrganisationFactory,
    OutcomeFactory,
    PlaceFactory,
    RegionFactory,
    SessionFactory,
    SystemFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_adding_and_changing_a_region_is_audited(admin_client_fb: Client,
                                                 admin_user: User) -> None:
    response = admin_client_fb.post(reverse("backoffice:region-add"),
                                    {"name": "North East and Yorkshire", "code": "ney"})
    assert response["Location"] == reverse("backoffice:regions")
    region = Region.objects.get(code="ney")
    page = admin_client_fb.post(reverse("backoffice:region-add"),
                                {"name": "north east and yorkshire", "code": "ney"})
    assert "There is a problem" in page.content.decode()
    admin_client_fb.post(reverse("backoffice:region-edit", kwargs={"pk": region.pk}),
                         {"name": "North East and Yorkshire", "code": "north-east"})
    events = list(AuditEvent.objects.order_by("id").values_list("action", "changes"))
    assert events == [
        ("places.region.created", {"name": "North East and Yorkshire", "code": "ney"}),
        ("places.region.changed", {"code": "north-east"}),
    ]
    assert AuditEvent.objects.filter(actor=admin_user).count() == 2


def test_systems_page_and_form(admin_client_fb: Client) -> None:
    north = RegionFactory.create(name="North")
    response = admin_client_fb.post(reverse("backoffice:system-add"), {
        "name": "West Yorkshire", "kind": "ics", "region": north.pk})
    assert response["Location"] == reverse("backoffice:systems")
    assert System.objects.get(name="West Yorkshire").region == north
    assert "West Yorkshire" in admin_client_fb.get(reverse("backoffice:systems")).content.decode()


def test_organisation_kinds_show_sector_and_count(admin_client_fb: Client) -> None:
    OrganisationFactory.create(kind="local_authority")
    OrganisationFactory.create(kind="local_authority")
    kinds = {k["value"]: k for k in reference.organisation_kinds()}
    assert kinds["local_authority"]["count"] == 2
    assert kinds["local_authority"]["sector"] == "Local authority / social care"
    page = admin_client_fb.get(reverse("backoffice:organisation-kinds")).content.decode()
    assert "<code>acute_trust</code>" in page


def test_adding_a_theme_and_a_programme_makes_their_slugs(admin_client_fb: Client) -> None:
    ThemeFactory.create(name="Discharge", slug="discharge")
    admin_client_fb.post(reverse("backoffice:theme-add"), {
        "name": "Discharge!", "description": "", "is_active": "on"})
    assert Theme.objects.get(name="Discharge!").slug == "discharge-2"
    lead = UserFactory.create(roles=[Role.LEAD])
    response = admin_client_fb.post(reverse("backoffice:programme-add"), {
        "name": "Integrated Care Pioneers", "starts_on": "2014-01-01", "ends_on": "2013-01-01",
        "summary_cadence": "monthly", "leads": [lead.pk]})
    assert "There is a problem" in response.content.decode()  # ends before it starts
    response = admin_client_fb.post(reverse("backoffice:programme-add"), {
        "name": "Integrated Care Pioneers", "starts_on": "2014-01-01",
        "summary_cadence": "monthly", "leads": [lead.pk]})
    programme = Programme.objects.get(name="Integrated Care Pioneers")
    assert programme.slug == "integrated-care-pioneers"
    assert list(programme.leads.all()) == [lead]


def test_merging_two_themes_keeps_every_session(admin_user: User) -> None:
    discharge = ThemeFactory.create(name="Discharge")
    hospital_discharge = ThemeFactory.create(name="Hospital discharge")
    both = SessionFactory.create()
    both.themes.add(discharge, hospital_discharge)
    only_source = SessionFactory.create()
    only_source.themes.add(hospital_discharge)
    item = LearningItemFactory.create(session=both)
    item.themes.add(hospital_discharge)
    outcome = OutcomeFactory.create()
    outcome.themes.add(hospital_discharge, discharge)

    moved = reference.theme_merge(actor=admin_user, source=hospital_discharge, target=discharge)

    assert moved == {"sessions": 1, "learning_items": 1, "outcomes": 0}
    assert not Theme.objects.filter(name="Hospital discharge").exists()
    assert set(Session.objects.filter(themes=discharge)) == {both, only_source}
    assert list(both.themes.all()) == [discharge]  # no duplicate tag
    assert list(LearningItem.objects.get(pk=item.pk).themes.all()) == [discharge]
    assert list(Outcome.objects.get(pk=outcome.pk).themes.all()) == [discharge]
    audit = AuditEvent.objects.get(action="engagements.theme.merged")
    assert audit.changes["merged"] == "Hospital discharge" and audit.changes["sessions"] == 1
    with pytest.raises(DomainError):
        reference.theme_merge(actor=admin_user, source=discharge, target=discharge)


def test_theme_merge_page(admin_client_fb: Client) -> None:
    a, b = ThemeFactory.create(name="Trust"), ThemeFactory.create(name="Relationships and trust")
    SessionFactory.create().themes.add(a)
    page = admin_client_fb.post(reverse("backoffice:theme-merge"), {"source": a.pk, "target": a.pk})
    assert "Choose two different themes" in page.content.decode()
    response = admin_client_fb.post(reverse("backoffice:theme-merge"),
                                    {"source": a.pk, "target": b.pk})
    assert response["Location"] == reverse("backoffice:themes")
    themes = admin_client_fb.get(response["Location"]).content.decode()
    assert "Merged Trust into Relationships and trust: 1 sessions" in themes


LIST_PAGES = ["backoffice:regions", "backoffice:systems", "backoffice:organisation-kinds",
              "backoffice:themes",
              "backoffice:programmes", "backoffice:audit"]


def _grow(n: int) -> None:
    for _ in range(n):
        place = PlaceFactory.create(system=None)
        SystemFactory.create(region=place.region)
        session = SessionFactory.create(engagement__place=place)
        session.themes.add(ThemeFactory.create())
        OrganisationFactory.create()
        audit_record(actor=UserFactory.create(), action="places.place.onboarded", obj=place,
                     changes={"name": place.name, "organisations": ["A", "B", "C"]})


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_pages_cost_the_same_for_any_number_of_rows(
    admin_client_fb: Client, django_assert_max_num_queries: Any, name: str
) -> None:
    counts = []
    for n in (2, 12):
        _grow(n)
        with django_assert_max_num_queries(6) as captured:
            assert admin_client_fb.get(reverse(name)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_audit_page_shows_who_when_and_what_and_filters(admin_client_fb: Client) -> None:
    actor = UserFactory.create(first_name="Ada", last_name="Admin")
    place = PlaceFactory.create(name="Wakefield")
    audit_record(actor=actor, action="places.place.onboarded", obj=place,
                 changes={"name": "Wakefield", "organisations": ["A", "B", "C"]})
    audit_record(actor=actor, action="accounts.user.deactivated", obj=actor,
                 changes={"is_active": False})
    page = admin_client_fb.get(reverse("backoffice:audit")).content.decode()
    assert "places.place.onboarded" in page and "Ada Admin" in page
    assert "<li>A</li><li>B</li><li>C</li>" in page
    filtered = admin_client_fb.get(reverse("backoffice:audit") + "?area=accounts.").content.decode()
    assert "accounts.user.deactivated" in filtered
    assert "places.place.onboarded" not in filtered
