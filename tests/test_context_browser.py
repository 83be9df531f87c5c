"""The CQC asks walked in a real browser (issue 17, point 7): a lead records a local protocol
from the place page (a review date in the past is refused beside its field, what was typed
kept), and an enabler finds a good-practice item in the library by theme and kind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from engagements.context.models import GoodPractice, LocalProtocol
from fieldbook.roles import Role
from places.models import DeliveryBoard

from .factories import (
    AssignmentFactory,
    OrganisationFactory,
    ProgrammeFactory,
    ThemeFactory,
    UserFactory,
)
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def test_a_lead_records_a_protocol_and_an_enabler_finds_good_practice(
    page: Page, live_server: Any, console_errors: list[str]
) -> None:
    today = timezone.localdate()
    programme = ProgrammeFactory.create(slug="ae", name="National A&E Improvement Programme")
    UserFactory.create(username="lena-lead", first_name="Lena", roles=[Role.LEAD])
    assigned = AssignmentFactory.create(engagement__programme=programme,
                                        engagement__place__name="Eastmoor",
                                        engagement__place__slug="eastmoor",
                                        enabler__user__username="eli-enabler")
    place = assigned.engagement.place
    DeliveryBoard.objects.create(place=place, name="Eastmoor A&E Delivery Board")
    for name, kind in (("Eastmoor Hospitals NHS Trust", "acute_trust"),
                       ("Eastmoor Council", "local_authority")):
        OrganisationFactory.create(name=name, kind=kind).places.add(place)
    sdec = ThemeFactory.create(name="Same-day emergency care", slug="same-day-emergency-care")
    GoodPractice.objects.create(place=place, title="Same-day emergency care at the front door",
                                kind=GoodPractice.Kind.SDEC, description="Home the same day.",
                                recorded_on=today).themes.add(sdec)
    GoodPractice.objects.create(place=place, title="Morning discharge huddle",
                                kind=GoodPractice.Kind.DISCHARGE,
                                description="Fifteen minutes each morning.", recorded_on=today)

    sign_in(page, live_server, "lena-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    page.goto(f"{live_server.url}/programmes/ae/places/eastmoor/")
    page.get_by_role("link", name="Add a local protocol").click()
    page.get_by_label("Title").fill("Escalation across the system")
    page.get_by_label("What it covers").fill("Who does what when the ED is at each level.")
    page.get_by_label("Eastmoor Hospitals NHS Trust").check()
    page.get_by_label("Eastmoor Council").check()
    page.get_by_label("Next review").fill((today - dt.timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Add the protocol").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("in the past")
    expect(page.get_by_label("Title")).to_have_value("Escalation across the system")
    page.get_by_label("Next review").fill((today + dt.timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Add the protocol").click()
    expect(page.get_by_role("heading", name="Eastmoor", level=1)).to_be_visible()
    row = page.get_by_role("row", name="Escalation across the system")
    expect(row).to_contain_text("Eastmoor Council")
    expect(row).to_contain_text("Review due")
    assert LocalProtocol.objects.get().organisations.count() == 2

    # An enabler searches the library by theme and kind.
    page.context.clear_cookies()
    sign_in(page, live_server, "eli-enabler")
    page.wait_for_url(f"{live_server.url}/week/")
    page.goto(f"{live_server.url}/good-practice/")
    expect(page.locator(".nhsuk-card__heading")).to_have_count(2)
    page.get_by_label("Theme").select_option(label="Same-day emergency care")
    page.get_by_label("Kind").select_option(label="Same-day emergency care model")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("p[role=status]")).to_contain_text("1 item found")
    expect(page.get_by_role("heading", name="Same-day emergency care at the front door")
           ).to_be_visible()
    expect(page.get_by_role("heading", name="Morning discharge huddle")).to_have_count(0)
    assert console_errors == []
