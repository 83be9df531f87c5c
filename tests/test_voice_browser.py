"""Issue 17's walk, the place's voice, in a real browser: a lead opens a self-assessment and a
relationship pulse for a place's board; board members answer through their emailed links with
no account (one tries a rating the page does not offer first); the lead closes the rounds and
sees the aggregates and the network drawing; a later round that two answered shows nothing but
"fewer than 3 responses".

Set FIELDBOOK_SHOTS to a folder to keep screenshots of each page at 1280 and 375 px wide.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from engagements.voice.models import Statement
from fieldbook.roles import Role
from places.models import Organisation

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    EngagementFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
)
from .test_browser import sign_in
from .test_outcomes_browser import shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def links_sent() -> list[str]:
    found = [re.search(r"https?://\S+/respond/\S+/", str(m.body)) for m in mail.outbox]
    mail.outbox.clear()
    return [f.group(0) for f in found if f]


def open_round(lead: Page, place_url: str, button: str) -> list[str]:
    lead.goto(place_url)
    lead.get_by_role("button", name=button).click()
    lead.get_by_role("button", name="Open the round and send the links").click()
    expect(lead.get_by_text("are sent a link")).to_be_visible()
    return links_sent()


def close_round(lead: Page, place_url: str, name: str) -> None:
    lead.goto(place_url)
    lead.get_by_role("link", name=re.compile(f"Close {name}")).click()
    lead.get_by_role("button", name="Close the round").click()
    expect(lead.get_by_text("closed.")).to_be_visible()


def answer_self_assessment(browser: Browser, url: str, score: str, *, shots: bool = False
                           ) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    expect(page.get_by_role("heading", name="How is your board working together?")
           ).to_be_visible()
    assert "/respond/open/" in page.url
    for s in Statement:
        page.get_by_role("group", name=s.label).get_by_label(score, exact=False).first.check()
    if shots:
        shoot(page, "voice-self-assessment")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you, your answers are recorded")
           ).to_be_visible()
    context.close()


def test_board_members_answer_and_the_lead_sees_aggregates_and_the_network(
    page: Page, browser: Browser, live_server: Any, console_errors: list[str],
) -> None:
    engagement = EngagementFactory.create()
    board = DeliveryBoardFactory.create(place=engagement.place)
    acute = OrganisationFactory.create(name="Penrose Hospitals NHS Trust",
                                       kind=Organisation.Kind.ACUTE_TRUST)
    council = OrganisationFactory.create(name="Penrose Council",
                                         kind=Organisation.Kind.LOCAL_AUTHORITY)
    for i, org in enumerate((acute, council, acute, council)):
        BoardMembershipFactory.create(board=board, person=PersonFactory.create(
            full_name=f"Member Pascoe{'abcd'[i]}", organisation=org,
            email=f"member{i}@example.org"))
    UserFactory.create(username="lee-lead", roles=[Role.LEAD])
    place_url = (f"{live_server.url}/programmes/{engagement.programme.slug}/places/"
                 f"{engagement.place.slug}/")

    sign_in(page, live_server, "lee-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    sa_links = open_round(page, place_url, "Open a self-assessment round")
    pulse_links = open_round(page, place_url, "Open a relationship pulse round")
    assert len(sa_links) == len(pulse_links) == 4

    # Three board members answer the self-assessment through their own links.
    for i, url in enumerate(sa_links[:3]):
        answer_self_assessment(browser, url, "4" if i else "2", shots=i == 0)

    # Three answer the pulse; the first sends it half-filled first.
    for i, url in enumerate(pulse_links[:3]):
        context = browser.new_context()
        member = context.new_page()
        member.goto(url)
        expect(member.get_by_role("heading", name="Your working relationships")).to_be_visible()
        other = "Penrose Council" if i % 2 == 0 else "Penrose Hospitals NHS Trust"
        trust = member.get_by_role("group", name=f"How much do you trust {other}?")
        trust.get_by_label("4").check()
        if i == 0:
            member.get_by_role("button", name="Send my ratings").click()
            expect(member.get_by_role("alert")).to_contain_text(
                f"Choose a rating from 1 to 5 for value with {other}")
            expect(member.get_by_role("group", name=f"How much do you trust {other}?")
                   .get_by_label("4")).to_be_checked()
            shoot(member, "voice-pulse-error")
        member.get_by_role("group", name=f"How much value does working with {other} bring?"
                           ).get_by_label("5 Very high").check()
        member.get_by_role("button", name="Send my ratings").click()
        expect(member.get_by_role("heading", name="Thank you, your answers are recorded")
               ).to_be_visible()
        member.goto(url)  # the same link again
        expect(member.get_by_role("heading", name="This link does not work")).to_be_visible()
        context.close()

    # Open rounds show nothing but how many answered; closed, they show their aggregates.
    page.goto(place_url + "#voice")
    expect(page.get_by_text("No self-assessment round has closed yet.")).to_be_visible()
    close_round(page, place_url, "self-assessment round 1")
    close_round(page, place_url, "relationship pulse round 1")
    page.goto(place_url + "#voice")
    table = page.get_by_role("table", name=re.compile("Self-assessment: mean agreement"))
    expect(table.get_by_role("row", name=re.compile("Shared purpose"))).to_contain_text(
        "3.3")  # (2 + 4 + 4) / 3
    drawing = page.get_by_role("img", name=re.compile("Working relationships at"))
    expect(drawing).to_be_visible()
    assert page.locator("svg.app-net line").count() == 1
    expect(page.get_by_text("100%: 1 working tie")).to_be_visible()
    voice = page.content().split('id="voice"')[1].split('id="learning"')[0]
    assert "Pascoe" not in voice  # no board member's name near their answers
    shoot(page, "voice-place")

    # A second self-assessment that only two answer: nothing but "fewer than 3 responses".
    again = open_round(page, place_url, "Open a self-assessment round")
    for url in again[:2]:
        answer_self_assessment(browser, url, "5")
    close_round(page, place_url, "self-assessment round 2")
    page.goto(place_url + "#voice")
    expect(page.get_by_text(re.compile(r"Round 2 \(closed .*\): fewer than 3 responses"))
           ).to_be_visible()
    expect(table.get_by_role("columnheader", name=re.compile("Round 2"))).to_have_count(0)
    expect(table).not_to_contain_text("5.0")
    assert console_errors == []
