"""A real browser onboards a locality end to end: every question page, the htmx organisation
search, pasting board members, the review page and the one save."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from enablers.models import Assignment
from fieldbook.models import AuditEvent
from fieldbook.roles import Role
from places.models import OnboardingDraft, Organisation, Place

from .factories import (
    TEST_PASSWORD,
    EnablerFactory,
    OrganisationFactory,
    ProgrammeFactory,
    RegionFactory,
    SystemFactory,
    UserFactory,
)

# Transactional, because the live server reads from another thread; serialized_rollback puts
# back the role groups the data migration made, which the flush at the end would remove.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_admin_onboards_west_yorkshire(
    page: Page, live_server: Any, console_errors: list[str]
) -> None:
    north = RegionFactory.create(name="North", code="north")
    SystemFactory.create(name="West Yorkshire", region=north)
    OrganisationFactory.create(
        name="Bradford Teaching Hospitals NHS Foundation Trust", ods_code="RAE")
    OrganisationFactory.create(name="Kirklees Council", kind=Organisation.Kind.LOCAL_AUTHORITY)
    ProgrammeFactory.create(name="System leadership development")
    lead = EnablerFactory.create(user__first_name="Bea", user__last_name="Lead")
    support = EnablerFactory.create(user__first_name="Sol", user__last_name="Support")
    for enabler in (lead, support):
        enabler.regions.add(north)
    UserFactory.create(username="ada-admin", roles=[Role.ADMIN])

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ada-admin")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Onboard a locality").click()
    page.get_by_role("button", name="Start onboarding a place").click()

    # The place: an empty answer is refused by the server, then corrected.
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the name of the place")
    page.get_by_label("What is the place called?").fill("West Yorkshire")
    page.get_by_label("NHS England region").select_option(label="North")
    page.get_by_label("Integrated care system (optional)").select_option(
        label="West Yorkshire (North)")
    page.get_by_role("button", name="Continue").click()

    # Organisations: the live search swaps in results as you type (htmx), no button pressed.
    page.get_by_label("Search for an organisation").fill("RAE")
    expect(page.locator("#organisation-results")).to_contain_text("1 result for “RAE”")
    page.get_by_role("button", name="Add Bradford Teaching Hospitals NHS Foundation Trust").click()
    page.get_by_label("Search for an organisation").fill("Kirklees")
    page.get_by_role("button", name="Add Kirklees Council").click()
    page.get_by_label("Search for an organisation").fill("Calderdale Council")
    page.get_by_role("link", name="Add “Calderdale Council” as a new organisation").click()
    page.get_by_label("Local authority").check()
    page.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_role("heading", name="Organisations added (3)")).to_be_visible()
    page.get_by_role("button", name="Continue").click()

    # The board, then its members pasted in one go.
    expect(page.get_by_label("What is the board called?")).to_have_value(
        "West Yorkshire A&E Delivery Board")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Paste several at once").click()
    page.get_by_label("Board members, one a line").fill(
        "Morgan Ellery, Chief Executive, Kirklees Council, chair\n"
        "Priya Natt, Chief Operating Officer, RAE, member\n"
        "Dale Hirst, Director of Adult Care, Calderdale Council\n")
    page.get_by_role("button", name="Add these members").click()
    expect(page.get_by_role("table")).to_contain_text("3 members")
    # Back and forward again: nothing is lost.
    page.get_by_role("link", name="Back").click()
    page.go_back()
    expect(page.get_by_role("table")).to_contain_text("Priya Natt")
    page.get_by_role("button", name="Continue").click()

    # The engagement, then the enablers with their caseload.
    page.get_by_label("Programme").select_option(label="System leadership development")
    page.get_by_label("When did the place ask for support?").fill("2024-03-01")
    page.get_by_label("Active").check()
    page.get_by_label("When did support start? (optional)").fill("2024-03-18")
    page.get_by_label("Days allocated (optional)").fill("20")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("0 current engagements").first).to_be_visible()
    page.locator("fieldset", has_text="Lead enabler").get_by_label("Bea Lead").check()
    page.locator("fieldset", has_text="Supporting enablers").get_by_label("Sol Support").check()
    page.get_by_role("button", name="Continue").click()

    # Check your answers, change one, save.
    expect(page.get_by_role("heading", name=re.compile("Check your answers"))).to_be_visible()
    page.get_by_role("link", name="Change days allocated").click()
    page.get_by_label("Days allocated (optional)").fill("25")
    page.get_by_role("button", name="Save and go back to check your answers").click()
    expect(page.locator(".nhsuk-summary-list__row", has_text="Days allocated")).to_contain_text(
        "25")
    page.get_by_role("button", name="Save and onboard the place").click()
    expect(page.get_by_role("heading", name="West Yorkshire is onboarded")).to_be_visible()

    place = Place.objects.get(name="West Yorkshire")
    assert place.organisations.count() == 3
    assert place.board.memberships.count() == 3
    engagement = place.engagements.get()
    assert engagement.days_allocated == Decimal("25")
    assert set(engagement.assignments.values_list("enabler__user__first_name", "role")) == {
        ("Bea", Assignment.Role.LEAD), ("Sol", Assignment.Role.SUPPORTING)}
    assert not OnboardingDraft.objects.exists()
    assert AuditEvent.objects.filter(action="places.place.onboarded",
                                     object_id=str(place.pk)).exists()
