"""A lead in a real browser reviews a compiled summary — an introduction, an item left out with
a reason, Places with no contact moved first — and locks it; the locked summary shows who, when
and its hash, and offers no "compile again". Screenshots at desktop and phone widths go to
``FIELDBOOK_SCREENSHOTS`` when it is set (for looking at, not for asserting)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from engagements.models import LearningItem, LearningSummary
from engagements.summaries.periods import Period
from engagements.summaries.services import summary_request
from fieldbook.roles import Role

from .factories import (
    EngagementFactory,
    LearningItemFactory,
    ProgrammeFactory,
    SessionFactory,
    ThemeFactory,
    UserFactory,
)
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def _shoot(page: Page, name: str) -> None:
    folder = os.environ.get("FIELDBOOK_SCREENSHOTS")
    if not folder:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_lead_reviews_and_locks_a_summary(page: Page, live_server: Any,
                                            console_errors: list[str]) -> None:
    UserFactory.create(username="lee-lead", first_name="Lee", last_name="Lead",
                       roles=[Role.LEAD])
    programme = ProgrammeFactory.create(name="Review Programme", starts_on=dt.date(2023, 1, 1))
    quarter = Period.last_completed("quarter", timezone.localdate())
    theme = ThemeFactory.create(name="Relationships and trust")
    engagements = [EngagementFactory.create(programme=programme) for _ in range(3)]
    for n, engagement in enumerate(engagements):
        for day in range(4):
            session = SessionFactory.create(
                engagement=engagement, date=quarter.start + dt.timedelta(days=day * 20 + n))
            session.themes.add(theme)
    first = engagements[0].sessions.first()
    LearningItemFactory.create(session=first, kind=LearningItem.Kind.MESSAGE,
                               text="Plan support collaboratively with local leaders.")
    LearningItemFactory.create(session=first, text="Leave out: a duplicate lesson.")
    LearningItemFactory.create(session=first, kind=LearningItem.Kind.QUOTE, consent=True,
                               attributed_role="NHS Chief Operating Officer",
                               text="We stopped blaming each other.")
    summary, _ = summary_request(requested_by=None, scope="programme", programme=programme,
                                 period=quarter)
    summary.refresh_from_db()
    assert summary.status == LearningSummary.Status.READY

    sign_in(page, live_server, "lee-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    page.goto(f"{live_server.url}/summaries/")
    expect(page.get_by_role("heading", name="Compiled on a schedule")).to_be_visible()
    _shoot(page, "summaries-list")
    page.goto(f"{live_server.url}/summaries/{summary.pk}/")
    page.get_by_role("link", name="Review and lock").click()
    page.wait_for_url(f"{live_server.url}/summaries/{summary.pk}/review/")

    # Leaving an item out without a reason: an error beside the field, nothing lost.
    lesson = page.locator(
        f"#item-{LearningItem.objects.get(text__startswith='Leave out').pk}")
    lesson.get_by_role("button", name="Leave it out").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Say why this item is left out of the summary")
    _shoot(page, "summary-review-error")
    lesson.get_by_label("Why leave it out?").fill("Repeats message 1")
    lesson.get_by_role("button", name="Leave it out").click()
    expect(page.get_by_text("Left out because: Repeats message 1")).to_be_visible()

    page.get_by_label("Introduction").fill("Three messages stood out this quarter.")
    page.get_by_label("Places with no contact").select_option("1")
    page.get_by_label("Activity").select_option("2")
    page.get_by_label("Themes").select_option("3")
    page.get_by_label("Learning", exact=True).select_option("4")
    page.get_by_label("Outcomes").select_option("5")
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("Your review is saved.")).to_be_visible()
    _shoot(page, "summary-review")

    page.get_by_label("I have reviewed this summary").check()
    page.get_by_role("button", name="Lock the summary").click()
    page.wait_for_url(f"{live_server.url}/summaries/{summary.pk}/")
    summary.refresh_from_db()
    lock = page.locator(".app-summary-lock")
    expect(lock).to_contain_text("Locked by Lee Lead")
    expect(lock).to_contain_text(summary.content_hash)
    expect(page.get_by_text("Three messages stood out this quarter.")).to_be_visible()
    expect(page.get_by_text("Leave out: a duplicate lesson.")).to_have_count(0)
    expect(page.get_by_role("button", name="Compile again with the latest data")).to_have_count(0)
    expect(page.locator(".app-summary-theme__evidence").first).to_contain_text(
        "12 held sessions in 3 places")
    _shoot(page, "summary-locked")
    assert console_errors == []
