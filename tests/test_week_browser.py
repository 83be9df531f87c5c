"""My week in a real browser (Playwright driving Debian's Chromium against a live server).

The demo enabler logs a visit through the inline htmx form and sees it appear without a page
load, edits it, and meets a validation error that keeps what they typed; a draft survives a
reload; and with JavaScript off the plain form still logs a visit.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from demo.seed import DEMO_ENABLER, DEMO_PASSWORD, demo_seed
from engagements.models import Session

from .factories import notes_of

# A date in the future that Fieldbook covers (the service refuses it: "cannot be in the future").
FUTURE = (timezone.localdate() + dt.timedelta(days=60)).isoformat()

# The live server runs in another thread, so data must be committed: transactional tests.
# serialized_rollback restores the role groups (a data migration's) that the flush removes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOTE = "Board agreed a joint discharge huddle"


def logged_with_notes(text: str) -> Session:
    """The one session whose (sealed) private notes are ``text``."""
    found = [s for s in Session.objects.all() if notes_of(s) == text]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def demo() -> None:
    demo_seed(today=timezone.localdate())


def sign_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(DEMO_ENABLER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/week/$"))


def open_log_panel(page: Page) -> Any:
    page.get_by_role("link", name="Log a visit", exact=True).click()
    panel = page.locator("#log-panel")
    expect(panel.get_by_role("heading", name="Log a visit")).to_be_focused()
    return panel


def test_log_a_visit_inline_then_edit_it(
    page: Page, live_server: Any, demo: None, console_errors: list[str]
) -> None:
    sign_in(page, live_server)
    before = Session.objects.count()
    page.evaluate("window.__marker = 'still the same page'")

    panel = open_log_panel(page)
    panel.get_by_label("Kind of work").select_option(label="Workshop")
    panel.get_by_label("How long").select_option(label="1 hour 30 minutes")
    panel.locator("input[name=attendees]").first.check()
    panel.get_by_label("Private notes (optional)").fill(NOTE)
    panel.get_by_role("button", name="Log visit").click()

    new = page.locator(".app-session--new")
    expect(new).to_contain_text("Workshop with")
    expect(new).to_contain_text("1 hour 30 minutes")
    expect(page.locator("#week-content .nhsuk-notification-banner")).to_contain_text(
        "Logged your workshop")
    expect(page.locator("#log-panel")).to_be_empty()
    assert page.evaluate("window.__marker") == "still the same page"  # no page load
    assert Session.objects.count() == before + 1
    session = logged_with_notes(NOTE)

    # Edit it: a future date is refused, and everything typed stays.
    new.get_by_role("link", name=re.compile(r"^Edit")).click()
    expect(page.get_by_role("heading", name="Edit session", level=1)).to_be_visible()
    page.locator("#id_date").fill(FUTURE)
    page.get_by_label("Next steps (optional)").fill("Send the huddle notes round")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#id_date-error")).to_contain_text("cannot be in the future")
    expect(page.locator("#id_date")).to_have_value(FUTURE)
    expect(page.get_by_label("Next steps (optional)")).to_have_value("Send the huddle notes round")
    expect(page.get_by_label("Private notes (optional)")).to_have_value(NOTE)
    session.refresh_from_db()
    assert session.version == 1 and session.next_steps == ""

    page.locator("#id_date").fill(session.date.isoformat())
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes were saved.")).to_be_visible()
    session.refresh_from_db()
    assert (session.version, session.next_steps) == (2, "Send the huddle notes round")


def test_an_inline_error_is_shown_in_place(
    page: Page, live_server: Any, demo: None, console_errors: list[str]
) -> None:
    sign_in(page, live_server)
    before = Session.objects.count()
    page.evaluate("window.__marker = 1")
    panel = open_log_panel(page)
    panel.locator("#id_date").fill(FUTURE)
    panel.get_by_label("Private notes (optional)").fill(NOTE)
    panel.get_by_role("button", name="Log visit").click()

    summary = panel.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("The date cannot be in the future")
    expect(summary).to_be_focused()
    expect(panel.get_by_label("Private notes (optional)")).to_have_value(NOTE)
    expect(panel.locator("#id_date")).to_have_value(FUTURE)
    assert page.evaluate("window.__marker") == 1
    assert Session.objects.count() == before

    # Weeks change in place too; the back button brings the whole page back.
    page.get_by_role("link", name=re.compile("^Previous week")).click()
    expect(page).to_have_url(re.compile(r"/week/\?week="))
    assert page.evaluate("window.__marker") == 1
    page.go_back()
    expect(page).to_have_url(re.compile(r"/week/$"))
    expect(page.get_by_role("heading", name="My week", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()


def test_a_draft_survives_a_reload_and_is_forgotten_once_saved(
    page: Page, live_server: Any, demo: None, console_errors: list[str]
) -> None:
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/week/log/")
    page.get_by_label("Private notes (optional)").fill(NOTE)
    page.get_by_label("Next steps (optional)").fill("Ring the chair")

    page.reload()  # or a crash, or a lost connection
    expect(page.get_by_label("Private notes (optional)")).to_have_value("")
    expect(page.get_by_text("You have an unsaved draft of this form")).to_be_visible()
    page.get_by_role("button", name="Restore my draft").click()
    expect(page.get_by_label("Private notes (optional)")).to_have_value(NOTE)
    expect(page.get_by_label("Next steps (optional)")).to_have_value("Ring the chair")

    page.get_by_role("button", name="Log visit").click()
    page.wait_for_url(re.compile(r"/week/\?week="))
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('fieldbook:draft:'))"
                         ) == []
    assert sum(notes_of(s) == NOTE for s in Session.objects.all()) == 1
    page.goto(f"{live_server.url}/week/log/")
    expect(page.get_by_text("You have an unsaved draft of this form")).to_be_hidden()


def test_without_javascript_the_plain_form_logs_a_visit(
    browser: Browser, live_server: Any, demo: None
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.get_by_role("link", name="Log a visit", exact=True).click()
        page.wait_for_url(re.compile(r"/week/log/$"))

        # Another engagement: a button lists its board members (htmx would do it on change).
        engagement = page.get_by_label("Place and programme")
        options = engagement.locator("option")
        engagement.select_option(index=options.count() - 1)
        chosen = engagement.input_value()
        page.get_by_role("button", name="Show this place’s board members").click()
        expect(page.get_by_label("Place and programme")).to_have_value(chosen)

        page.get_by_role("button", name="Add a learning item").click()
        page.get_by_label("What was learnt").fill("Start with the discharge data")
        page.get_by_label("Private notes (optional)").fill(NOTE)
        page.get_by_role("button", name="Log visit").click()

        page.wait_for_url(re.compile(r"/week/\?week=.*logged="))
        expect(page.locator(".app-session--new")).to_be_visible()
        session = logged_with_notes(NOTE)
        assert str(session.engagement_id) == chosen
        assert session.learning_items.get().text == "Start with the discharge data"
    finally:
        context.close()
