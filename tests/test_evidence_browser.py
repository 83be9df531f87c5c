"""Issue 16's "done means", in one real-browser walk: an enabler drafts an outcome and sends it
to a board member, who confirms it through the emailed link (no account); the enabler imports a
measure's values from a file and asks the place for the next value, which the board member sends
through a second link; the board member also writes an outcome of their own through a third;
the programme lead then sees both confirmed outcomes, credited to a role, and the run chart
with its shift marked and explained. The new pages (the invitations, the place's two forms,
with their errors) are checked with axe for WCAG 2.2 AA on the way.

Set FIELDBOOK_SHOTS to a folder to keep screenshots of each new page at 1280 and 390 px wide.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from engagements.measures.models import MeasureValue
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
from .test_a11y_crawl import axe_serious
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

# Monthly referrals from January 2024: a year's baseline, then eight months below its median.
SERIES = [30, 32, 29, 31, 30, 33, 28, 31, 30, 32, 29, 31, 22, 21, 23, 20, 22, 21, 20, 22]


def emailed_link() -> str:
    found = re.search(r"https?://\S+/respond/\S+/", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(0)


def test_the_evidence_walk_from_draft_to_the_leads_run_chart(
    page: Page, browser: Browser, live_server: Any, enabler_user: Any,
    console_errors: list[str], tmp_path: Path,
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
    visitor_context = browser.new_context()
    visitor = visitor_context.new_page()

    # 1. The enabler drafts an outcome from My week and sends it to the board member.
    sign_in(page, live_server, enabler_user.username)
    page.wait_for_url(f"{live_server.url}/week/")
    page.get_by_role("link", name=f"Outcomes at {engagement.place}").click()
    page.get_by_role("link", name="Draft an outcome").click()
    page.get_by_label("A short title").fill("Over-65s team avoids nights in hospital")
    page.get_by_label("Who changed?").fill("The acute trust's team for people over 65")
    page.get_by_label("What changed?").fill("Sees frail older people at home first.")
    page.get_by_label("When was the change seen?").fill("2024-03-01")
    page.get_by_label("How did the support contribute?").fill(
        "Brought the acute and community teams together.")
    page.get_by_label("Pathway redesign").check()
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Saved the draft")).to_be_visible()
    page.get_by_role("link", name=re.compile("Send to the place to confirm")).click()
    page.get_by_label(re.compile("Demelza Rosewarne")).check()
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("Awaiting the place")).to_be_visible()

    # 2. The board member confirms it through the emailed link.
    assert mail.outbox[-1].to == ["chief.nurse@example.nhs.uk"]
    visitor.goto(emailed_link())
    expect(visitor.get_by_role("heading", name="Is this outcome right?")).to_be_visible()
    visitor.get_by_label("Yes, this is right").check()
    visitor.get_by_role("button", name="Send my answer").click()
    expect(visitor.get_by_role("heading",
                               name="Thank you, your answer is recorded")).to_be_visible()

    # 3. The enabler asks the place to write an outcome of its own; the board member does.
    page.get_by_role("link", name="Ask the place to write one").click()
    page.get_by_label(re.compile("Demelza Rosewarne")).check()
    shoot(page, "outcome-invite")
    assert axe_serious(page) == []
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("Asked the Chief Nurse to write an outcome")).to_be_visible()
    shoot(page, "outcome-list-invited")
    visitor.goto(emailed_link())
    expect(visitor.get_by_role("heading", name="Describe a change you have seen")
           ).to_be_visible()
    shoot(visitor, "outcome-write")
    assert axe_serious(visitor) == []
    visitor.get_by_label("A short title").fill("Shared discharge plan agreed")
    visitor.get_by_label("Who changed?").fill("Dr Pengelly")
    visitor.get_by_label("What changed?").fill("One plan, agreed every morning together.")
    visitor.get_by_label("When was the change seen?").fill("2024-05-01")
    visitor.get_by_label("How did the support contribute?").fill(
        "The enabler ran the workshops where the plan was drawn up.")
    visitor.get_by_label("New working methods").check()
    visitor.get_by_role("button", name="Send the outcome").click()
    # A name is refused beside the field; everything typed stays.
    expect(visitor.locator(".nhsuk-error-summary")).to_be_visible()
    expect(visitor.locator(".nhsuk-error-message").filter(
        has_text="looks like a person’s name")).to_be_visible()
    expect(visitor.get_by_label("What changed?")).to_have_value(
        "One plan, agreed every morning together.")
    shoot(visitor, "outcome-write-error")
    assert axe_serious(visitor) == []
    visitor.get_by_label("Who changed?").fill("The discharge teams of the acute trust and "
                                               "the council")
    visitor.get_by_role("button", name="Send the outcome").click()
    expect(visitor.get_by_role("heading",
                               name="Thank you, your answer is recorded")).to_be_visible()
    page.reload()
    expect(page.get_by_text("(written by the place)")).to_be_visible()

    # 4. The enabler adds a measure and imports its values from a file.
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/measures/new/")
    page.get_by_label("Name of the measure").fill("GP referrals to outpatients")
    page.get_by_label("Unit").select_option("count")
    page.get_by_label("Lower is better").check()
    page.get_by_label("Monthly").check()
    page.get_by_label("Baseline period starts").fill("2024-01-01")
    page.get_by_label("Baseline period ends").fill("2024-12-31")
    page.get_by_role("button", name="Add the measure").click()
    expect(page.get_by_text("Added the measure")).to_be_visible()
    measure_url = page.url
    page.get_by_role("link", name="Import values for").click()
    good = tmp_path / "referrals.csv"
    rows = [f"{dt.date(2024 + i // 12, i % 12 + 1, 1).isoformat()},{v}"
            for i, v in enumerate(SERIES)]
    good.write_text("date,value\n" + "\n".join(rows) + "\n")
    page.get_by_label("Upload a CSV or Excel file").set_input_files(str(good))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text(f"Imported {len(SERIES)} values")).to_be_visible()

    # 5. ... and asks the place for the next value, which the board member sends.
    page.goto(measure_url)
    page.get_by_role("link", name=re.compile("^Ask the place for the next value")).click()
    page.get_by_label(re.compile("Demelza Rosewarne")).check()
    shoot(page, "measure-send")
    assert axe_serious(page) == []
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("Asked the Chief Nurse for the value of September 2025")
           ).to_be_visible()
    visitor.goto(emailed_link())
    expect(visitor.get_by_role("heading", name="Send the latest figure")).to_be_visible()
    expect(visitor.get_by_label("Date")).to_have_value("2025-09-01")
    visitor.get_by_label("Value").fill("-3")
    visitor.get_by_role("button", name="Send the figure").click()
    expect(visitor.locator(".nhsuk-error-message").filter(
        has_text="not a plausible value")).to_be_visible()
    shoot(visitor, "measure-respond-error")
    assert axe_serious(visitor) == []
    visitor.get_by_label("Value").fill("21")
    visitor.get_by_role("button", name="Send the figure").click()
    expect(visitor.get_by_role("heading",
                               name="Thank you, your answer is recorded")).to_be_visible()
    assert MeasureValue.objects.get(period=dt.date(2025, 9, 1)).source == "place"
    visitor_context.close()

    # 6. The lead sees both confirmed outcomes, credited to a role, and the run chart's shift.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "lee-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    page.goto(f"{live_server.url}/programmes/{engagement.programme.slug}/places/"
              f"{engagement.place.slug}/")
    outcomes = page.locator("#outcomes + p + ul")
    for title in ("Over-65s team avoids nights in hospital", "Shared discharge plan agreed"):
        expect(outcomes.get_by_text(title)).to_be_visible()
    expect(outcomes.get_by_text(re.compile(r"Confirmed by .+ on \d+ \w+ \d{4}"))).to_have_count(2)
    assert "Demelza" not in outcomes.inner_text()
    chart = page.get_by_role("img", name="Run chart: GP referrals to outpatients")
    expect(chart).to_be_visible()
    assert chart.locator("rect.app-runchart__shift").count() == 9  # with the place's value
    expect(page.locator(".app-runchart-signals li").filter(
        has_text="Shift: 9 points below the median from January 2025 — a sign of real change "
                 "in the better direction.")).to_be_visible()
    shoot(page, "lead-place-evidence")
    assert console_errors == []
