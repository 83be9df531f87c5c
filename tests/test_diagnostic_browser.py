"""Issue 17's walk, diagnostic half, in a real browser: an enabler records who took part in a
diagnostic session (participants with roles, beyond the board) and drafts the place's record;
a board member opens the emailed link with no account, writes and agrees the record and shares
it; the programme lead then sees it on the place page (roles, never names), and marks the
engagement as a pilot.

Set FIELDBOOK_SHOTS to a folder to keep screenshots of each page at 1280 and 390 px wide.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from engagements.models import Session
from fieldbook.roles import Role
from places.models import Organisation

from .browser_support import shoot
from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    OrganisationFactory,
    PersonFactory,
    SessionFactory,
    UserFactory,
)
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def test_a_diagnostic_recorded_agreed_by_the_place_and_seen_by_the_lead(
    page: Page, browser: Browser, live_server: Any, enabler_user: Any,
    console_errors: list[str],
) -> None:
    engagement = enabler_user.enabler.assignments.get().engagement
    acute = OrganisationFactory.create(name="Trelawny General Hospital NHS Trust",
                                       kind=Organisation.Kind.ACUTE_TRUST)
    acute.places.add(engagement.place)
    board = DeliveryBoardFactory.create(place=engagement.place)
    contact = PersonFactory.create(full_name="Demelza Rosewarne", role_title="Chief Nurse",
                                   organisation=acute, email="chief.nurse@example.nhs.uk")
    BoardMembershipFactory.create(board=board, person=contact)
    SessionFactory.create(engagement=engagement, enabler=enabler_user.enabler,
                          kind=Session.Kind.DIAGNOSTIC)
    UserFactory.create(username="lee-lead", roles=[Role.LEAD])

    # The enabler, from My week: who took part, then a draft of the record.
    sign_in(page, live_server, enabler_user.username)
    page.wait_for_url(f"{live_server.url}/week/")
    page.get_by_role("link", name=f"Diagnostic at {engagement.place}").click()
    expect(page.get_by_role("heading", name="The diagnostic", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("Record participants")).click()
    for name, role, org in (("Petroc Lanyon", "Senior Responsible Officer", "Kernow Council"),
                            ("Jory Pascoe", "Faculty practitioner", "NHS Leadership Academy"),
                            ("Tressa Nance", "NHS England account manager", "NHS England")):
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label(role).check()
        page.get_by_label("Organisation").fill(org)
        page.get_by_role("button", name="Add the participant").click()
        expect(page.get_by_text(f"Added {name}")).to_be_visible()
    shoot(page, "diagnostic-participants")
    page.get_by_role("link", name="Back to the diagnostic").click()
    expect(page.get_by_text("Petroc Lanyon, Senior Responsible Officer")).to_be_visible()
    page.get_by_role("link", name="Draft the record").click()
    page.get_by_label(re.compile("^Building relationships")).check()
    page.get_by_label("Strengths to build on").fill("A board that meets as a system.")
    shoot(page, "diagnostic-record")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Saved the draft")).to_be_visible()
    page.get_by_role("link", name="Send to the place to agree").click()
    page.get_by_label(re.compile("Demelza Rosewarne")).check()
    shoot(page, "diagnostic-send")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("Awaiting the place")).to_be_visible()
    shoot(page, "diagnostic-page")

    # The board member: the emailed link, no account; they write, agree and share it.
    assert mail.outbox and mail.outbox[-1].to == ["chief.nurse@example.nhs.uk"]
    found = re.search(r"https?://\S+/respond/\S+/", str(mail.outbox[-1].body))
    assert found
    anonymous = browser.new_context()
    visitor = anonymous.new_page()
    visitor.goto(found.group(0))
    expect(visitor.get_by_role("heading", name="Your diagnostic record")).to_be_visible()
    assert "/respond/open/" in visitor.url
    visitor.get_by_role("button", name="Agree the record").click()
    expect(visitor.get_by_role("heading", name="There is a problem")).to_be_visible()
    visitor.get_by_label(re.compile("^Working together")).check()
    visitor.get_by_label("Areas for development").fill("The voice of primary care.")
    visitor.get_by_label("Yes, the programme’s central team may read it").check()
    shoot(visitor, "diagnostic-respond")
    visitor.get_by_role("button", name="Agree the record").click()
    expect(visitor.get_by_role("heading",
                               name="Thank you, your answer is recorded")).to_be_visible()
    anonymous.close()

    # The lead: the shared record, roles and organisations (never names); marks a pilot.
    lead_context = browser.new_context()
    lead = lead_context.new_page()
    sign_in(lead, live_server, "lee-lead")
    lead.wait_for_url(f"{live_server.url}/programmes/")
    lead.goto(f"{live_server.url}/programmes/{engagement.programme.slug}/places/"
              f"{engagement.place.slug}/#diagnostic")
    section = lead.locator("#diagnostic ~ dl").first
    expect(section.get_by_text("Senior Responsible Officer")).to_be_visible()
    expect(lead.get_by_text("A board that meets as a system.")).to_be_visible()
    expect(lead.get_by_text("The voice of primary care.")).to_be_visible()
    expect(lead.get_by_text(re.compile(r"^Stage 3 of 5"))).to_be_visible()
    expect(lead.get_by_text(re.compile(r"Agreed by .* on \d+ \w+ \d{4}"))).to_be_visible()
    body = lead.locator("main").inner_text()
    assert "Petroc" not in body and "Jory" not in body and "Tressa" not in body
    shoot(lead, "place-diagnostic")
    lead.get_by_role("link", name="Change whether it is a pilot").click()
    lead.get_by_label("Yes, it is a pilot").check()
    lead.get_by_label("What does it pilot?").fill("The A&E Delivery Board support model")
    shoot(lead, "pilot")
    lead.get_by_role("button", name="Save").click()
    expect(lead.get_by_text(re.compile("is marked as a pilot"))).to_be_visible()
    expect(lead.get_by_role("heading", level=1).get_by_text("Pilot")).to_be_visible()
    lead.goto(f"{live_server.url}/programmes/{engagement.programme.slug}/")
    expect(lead.get_by_text("The A&E Delivery Board support model")).to_be_visible()
    shoot(lead, "dashboard-pilot")
    lead_context.close()
    assert console_errors == []
