"""Issue 16's walk, outcome half, in a real browser: an enabler drafts an outcome from My week
and sends it to a board member; the board member opens the emailed link with no account and
confirms it; the programme lead then sees it on the place page, "confirmed by" a role.

Set FIELDBOOK_SHOTS to a folder to keep screenshots of each page at 1280 and 375 px wide.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from fieldbook.roles import Role
from places.models import Organisation

from .browser_support import shoot
from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
)
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def test_an_outcome_drafted_sent_confirmed_and_seen_by_the_lead(
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
    UserFactory.create(username="lee-lead", roles=[Role.LEAD])

    # The enabler, from My week.
    sign_in(page, live_server, enabler_user.username)
    page.wait_for_url(f"{live_server.url}/week/")
    page.get_by_role("link", name=f"Outcomes at {engagement.place}").click()
    shoot(page, "outcome-list-empty")
    page.get_by_role("link", name="Draft an outcome").click()
    page.get_by_label("A short title").fill("Over-65s team avoids nights in hospital")
    page.get_by_label("Who changed?").fill("The acute trust's team for people over 65")
    page.get_by_label("What changed?").fill("Sees frail older people at home first.")
    page.get_by_label("When was the change seen?").fill("2024-03-01")
    page.get_by_label("Why does it matter?").fill("3,600 unnecessary nights in hospital avoided.")
    page.get_by_label("How did the support contribute?").fill(
        "Brought the acute and community teams together.")
    page.get_by_label("Pathway redesign").check()
    shoot(page, "outcome-form")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Saved the draft")).to_be_visible()
    page.get_by_role("link", name=re.compile("Send to the place to confirm")).click()
    page.get_by_label(re.compile("Demelza Rosewarne")).check()
    shoot(page, "outcome-send")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("Awaiting the place")).to_be_visible()
    shoot(page, "outcome-list-awaiting")

    # The contact: the emailed link, no account.
    assert mail.outbox and mail.outbox[-1].to == ["chief.nurse@example.nhs.uk"]
    found = re.search(r"https?://\S+/respond/\S+/", str(mail.outbox[-1].body))
    assert found
    anonymous = browser.new_context()
    visitor = anonymous.new_page()
    visitor.goto(found.group(0))
    expect(visitor.get_by_role("heading", name="Is this outcome right?")).to_be_visible()
    assert "/respond/open/" in visitor.url  # the token is not left in the address bar
    expect(visitor.get_by_role("definition").filter(
        has_text="Sees frail older people at home first.")).to_be_visible()
    shoot(visitor, "outcome-respond")
    visitor.get_by_label("Yes, this is right").check()
    visitor.get_by_label("Anything you would like to add?").fill("A fair account.")
    visitor.get_by_role("button", name="Send my answer").click()
    expect(visitor.get_by_role("heading",
                               name="Thank you, your answer is recorded")).to_be_visible()
    shoot(visitor, "outcome-thanks")
    visitor.goto(found.group(0))  # the same link again
    expect(visitor.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(visitor.get_by_text("used already")).to_be_visible()
    shoot(visitor, "outcome-link-used")
    anonymous.close()

    # The lead.
    lead_context = browser.new_context()
    lead = lead_context.new_page()
    sign_in(lead, live_server, "lee-lead")
    lead.wait_for_url(f"{live_server.url}/programmes/")
    lead.goto(f"{live_server.url}/programmes/{engagement.programme.slug}/places/"
              f"{engagement.place.slug}/#outcomes")
    outcomes = lead.locator("#outcomes + p + ul")
    expect(outcomes.get_by_text("Over-65s team avoids nights in hospital")).to_be_visible()
    # The place's only acute trust has one Chief Nurse: the role is generalised, as published
    # attributions are (engagements.attribution), so it does not single her out.
    expect(outcomes.get_by_text(re.compile(
        r"Confirmed by a senior leader in an acute trust on \d+ \w+ \d{4}"))).to_be_visible()
    assert "Demelza" not in outcomes.inner_text()
    shoot(lead, "place-outcomes")
    lead_context.close()
    assert console_errors == []
