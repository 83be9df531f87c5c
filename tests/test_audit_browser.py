"""The audit log and the documents in a real browser: an admin filters the log to one person
and reads what happened in words, at desktop and phone widths without sideways scrolling; the
footer leads to the accessibility statement."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from engagements.models import Session
from engagements.week import services
from engagements.week.services import SessionData
from fieldbook.roles import Role

from .factories import AssignmentFactory, UserFactory
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


@pytest.mark.parametrize("width", [1280, 375])
def test_an_admin_filters_the_audit_log_and_reads_it_in_words(
    page: Page, live_server: Any, console_errors: list[str], width: int
) -> None:
    UserFactory.create(username="ada-admin", first_name="Ada", last_name="Admin",
                       is_staff=True, roles=[Role.ADMIN])
    assignment = AssignmentFactory.create(
        enabler__user__first_name="Jo", enabler__user__last_name="Pennington",
        engagement__place__name="Central Lancashire")
    today = timezone.localdate()
    services.session_log(
        enabler=assignment.enabler, idempotency_key=uuid.uuid4(), today=today,
        data=SessionData(engagement_id=assignment.engagement_id,
                         date=today - dt.timedelta(days=1), kind=Session.Kind.SITE_VISIT,
                         duration_minutes=60, private_notes="Never on the audit page"))
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "ada-admin")
    page.goto(f"{live_server.url}/manage/audit/")
    page.get_by_label("Who").fill("Pennington")
    page.get_by_label("Place").select_option(label="Central Lancashire")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Jo Pennington logged a site visit to Central Lancashire"))\
        .to_be_visible()
    expect(page.get_by_text("Ada Admin")).to_have_count(0)  # the filter left only Jo's row
    assert "Never on the audit page" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_text("Details").first.click()
    expect(page.get_by_text("engagements.session.logged")).to_be_visible()
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", name="Accessibility statement for Fieldbook"))\
        .to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert console_errors == []
