"""The lifecycle walked in a real browser (issue 17, "done means"): a place asks for support
through the programme's public page and a lead accepts it from the triage list; an engagement
is paused and resumed from the place page, and the weekly reminder sends nothing for it while
it is paused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from engagements.lifecycle.models import StatusChange, SupportRequest
from engagements.models import Engagement
from engagements.reminders import enabler_digests_send
from fieldbook.roles import Role

from .factories import (
    AssignmentFactory,
    ProgrammeFactory,
    RegionFactory,
    SessionFactory,
    UserFactory,
)
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def test_a_place_asks_a_lead_accepts_then_pauses_and_resumes(
    page: Page, live_server: Any, console_errors: list[str]
) -> None:
    today = timezone.localdate()
    programme = ProgrammeFactory.create(slug="pioneers", name="Integrated Care Pioneers")
    RegionFactory.create(name="North West")
    UserFactory.create(username="lena-lead", first_name="Lena", last_name="Lead",
                       roles=[Role.LEAD])
    # An engagement whose enabler logged nothing last week: the digest would nudge them.
    assigned = AssignmentFactory.create(engagement__programme=programme,
                                        engagement__place__name="Eastmoor",
                                        engagement__started_on=dt.date(2024, 1, 8))
    SessionFactory.create(engagement=assigned.engagement, enabler=assigned.enabler,
                          date=today - dt.timedelta(days=40))

    # A place asks for support: no account.
    page.goto(f"{live_server.url}/request/pioneers/")
    expect(page.get_by_role("heading", name="Ask for support for your place")).to_be_visible()
    page.get_by_label("If your place is not in the list, its name").fill("Northvale")
    page.get_by_label("Its NHS England region").select_option(label="North West")
    page.get_by_label("Your name").fill("Ada Fell")
    page.get_by_label("Your role").fill("Director of Operations")
    page.get_by_label("Your organisation").fill("Northvale Hospital Trust")
    page.get_by_label("Your email address").fill("ada.fell@example.nhs.uk")
    page.get_by_label("What would you like help with?").fill("Relationships on the board.")
    page.get_by_label("Why are you asking now?").fill("A new chair, and winter ahead.")
    asked = today - dt.timedelta(days=5)
    page.get_by_label("When did your place decide to ask?").fill(asked.isoformat())
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", name="Your request was sent")).to_be_visible()

    # A lead accepts it from the triage list.
    sign_in(page, live_server, "lena-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    page.goto(f"{live_server.url}/programmes/pioneers/requests/")
    expect(page.get_by_role("row", name="North West 1 0 0")).to_be_visible()
    page.get_by_role("link", name="Northvale").click()
    page.get_by_label("Accept", exact=True).check()
    page.get_by_label("A diagnostic").check()
    page.get_by_label("If you accept, days allocated").fill("5")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_role("heading", name="Northvale", level=1)).to_be_visible()
    expect(page.locator("#lifecycle ~ p").first).to_contain_text("diagnostic")
    accepted = Engagement.objects.get(place__name="Northvale")
    assert (accepted.status, accepted.requested_on) == ("diagnostic", asked)
    assert SupportRequest.objects.get().state == "accepted"

    # Pause Eastmoor from its place page, with a reason and an expected resume date.
    page.goto(f"{live_server.url}/programmes/pioneers/places/{assigned.engagement.place.slug}/")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Pause").click()  # sent empty: the errors, nothing saved
    expect(page.get_by_text("There is a problem")).to_be_visible()
    page.get_by_label("Why is support paused?").fill("Winter pressures")
    page.get_by_label("When is support expected to resume?").fill(
        (today + dt.timedelta(days=40)).isoformat())
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#lifecycle ~ p").first).to_contain_text("paused")
    expect(page.get_by_role("cell", name="Winter pressures").first).to_be_visible()

    # While it is paused, Monday's reminder sends nothing for it.
    assert enabler_digests_send(today=today) == 0
    assert mail.outbox == []

    page.get_by_role("button", name="Resume").click()
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#lifecycle ~ p").first).to_contain_text("active")
    assert list(StatusChange.objects.filter(engagement=assigned.engagement)
                .order_by("pk").values_list("step", flat=True)) == ["paused", "resumed"]
    # Active again, and quiet: the reminder comes back.
    assert enabler_digests_send(today=today) == 1
