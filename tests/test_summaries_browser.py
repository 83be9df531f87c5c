"""A lead in a real browser: asks for a summary, watches the status panel follow the summary from
queued to ready without a reload (htmx polling under our CSP), reads it before its PDF exists,
and sees the PDF's download appear once it is made, again without a reload.

The "worker" here is the test itself moving the row on: the browser must notice by polling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from engagements import tasks
from engagements.models import LearningSummary
from engagements.summaries.periods import Period
from fieldbook.celery import app as celery_app
from fieldbook.roles import Role

from .factories import (
    EngagementFactory,
    LearningItemFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


@pytest.fixture
def no_worker() -> Iterator[None]:
    """Nothing compiles or renders by itself: publishing is stubbed out, so rows stay queued
    and PDFs stay "being prepared"."""
    conf = celery_app.conf
    saved = conf.task_always_eager
    conf.task_always_eager = False
    stubbed = (tasks.compile_learning_summary, tasks.render_summary_pdf)
    originals = [task.delay for task in stubbed]
    for task in stubbed:
        task.delay = lambda *args, **kwargs: None
    try:
        yield
    finally:
        for task, original in zip(stubbed, originals, strict=True):
            task.delay = original
        conf.task_always_eager = saved


def test_a_lead_asks_watches_and_reads(
    page: Page, live_server: Any, console_errors: list[str], no_worker: None
) -> None:
    UserFactory.create(username="lee-lead", roles=[Role.LEAD])
    programme = ProgrammeFactory.create(name="Browser Programme", starts_on=dt.date(2023, 1, 1))
    engagement = EngagementFactory.create(programme=programme)
    month = Period.last_completed("month", timezone.localdate())
    session = SessionFactory.create(engagement=engagement, date=month.start)
    LearningItemFactory.create(session=session, text="Meet where the pressure is.")

    sign_in(page, live_server, "lee-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    page.goto(f"{live_server.url}/summaries/new/?programme={programme.pk}")
    page.get_by_label("What should the summary cover?").select_option("programme")
    page.get_by_label("Which period?").select_option(f"month:{month.start.isoformat()}")
    page.get_by_role("button", name="Ask for the summary").click()

    summary = LearningSummary.objects.get()
    page.wait_for_url(f"{live_server.url}/summaries/{summary.pk}/")
    expect(page.locator("#summary-status")).to_contain_text("Waiting to be compiled")
    page.evaluate("window.notReloaded = true")

    # The worker takes it...
    LearningSummary.objects.filter(pk=summary.pk).update(status=LearningSummary.Status.COMPILING)
    expect(page.locator("#summary-status")).to_contain_text("Gathering the figures", timeout=8000)
    # ...and finishes.
    LearningSummary.objects.filter(pk=summary.pk).update(status=LearningSummary.Status.QUEUED)
    assert tasks.compile_learning_summary(summary.pk) == "ready"
    expect(page.locator("#summary-status")).to_contain_text("The summary is ready", timeout=8000)
    assert page.evaluate("window.notReloaded") is True  # swapped in place, never reloaded
    expect(page.locator("#summary-status")).not_to_have_attribute("data-hx-trigger", "every 2s")

    page.get_by_role("link", name="Read the summary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Browser Programme")
    expect(page.get_by_text("Meet where the pressure is.")).to_be_visible()
    # Readable before its PDF exists; the PDF's button appears once the task has stored it.
    expect(page.locator("#summary-actions")).to_contain_text("The PDF is being prepared")
    expect(page.get_by_role("link", name="Download PDF")).to_have_count(0)
    expect(page.get_by_role("link", name="Download Markdown")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    assert tasks.render_summary_pdf(summary.pk) == "stored"
    expect(page.get_by_role("link", name="Download PDF")).to_have_attribute(
        "href", f"/summaries/{summary.pk}/pdf/", timeout=12000)
    expect(page.locator("#summary-actions")).not_to_contain_text("being prepared")
    assert page.evaluate("window.notReloaded") is True
    page.get_by_role("navigation", name="Sections of this summary").get_by_role(
        "link", name="Themes").click()
    assert page.evaluate("location.hash") == "#themes"
