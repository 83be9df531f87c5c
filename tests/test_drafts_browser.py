"""Drafts on a shared browser (issue 12, point 5), in a real Chromium.

The finding: unsaved log-a-visit drafts sat in localStorage under one key for everyone
("fieldbook:draft:log"), in plain text, cleared only by signing out. Close the browser or let the
session expire, sign in as another enabler on the same browser: "You have an unsaved draft", and
Restore put the first enabler's notes into the second one's form.

Now a draft is encrypted in the browser with a key only its author is given, filed under the
author's opaque name, deleted when someone else signs in, and dropped after 14 days.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.seed import DEMO_ENABLER, DEMO_PASSWORD, demo_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOTES = "CANARY-draft-notes-3c9a: the chair is about to resign"
OTHER_ENABLER = "e.helen.ashworth"


@pytest.fixture
def demo() -> None:
    demo_seed(today=timezone.localdate())


def sign_in(page: Page, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/week/$"))


def drafts(page: Page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries(Object.keys(localStorage)
        .filter(k => k.startsWith('fieldbook:draft:')).map(k => [k, localStorage.getItem(k)]))""")


def type_a_draft(page: Page, live_server: Any) -> dict[str, str]:
    page.goto(f"{live_server.url}/week/log/")
    page.get_by_label("Private notes (optional)").fill(NOTES)
    page.get_by_label("Next steps (optional)").fill("Ring the chair")
    # Encryption is asynchronous: wait until a draft is written and stops changing.
    stored: dict[str, str] = {}
    for _ in range(50):
        time.sleep(0.1)
        now = drafts(page)
        if now and now == stored:
            break
        stored = now
    assert len(stored) == 1, stored
    return stored


def test_a_draft_left_on_a_shared_browser_is_never_offered_to_the_next_enabler(
    page: Page, live_server: Any, demo: None, console_errors: list[str]
) -> None:
    sign_in(page, live_server, DEMO_ENABLER)
    stored = type_a_draft(page, live_server)
    (key, value), = stored.items()
    # Encrypted, and filed under an opaque name: neither the notes nor the username show.
    assert NOTES not in value and "chair" not in value and DEMO_ENABLER not in key
    assert json.loads(value)["v"] == 2 and "ct" in json.loads(value)
    assert key != "fieldbook:draft:log"
    # The author's own reload offers it back (the draft works for its author).
    page.reload()
    expect(page.get_by_text("You have an unsaved draft of this form")).to_be_visible()

    # The session ends without "Sign out" (the browser closed, or the session expired).
    page.context.clear_cookies()
    sign_in(page, live_server, OTHER_ENABLER)
    assert drafts(page) == {}  # deleted the moment someone else signed in
    page.goto(f"{live_server.url}/week/log/")
    expect(page.get_by_text("You have an unsaved draft of this form")).to_be_hidden()
    expect(page.get_by_label("Private notes (optional)")).to_have_value("")
    assert NOTES not in page.content()


def test_another_users_draft_cannot_be_opened_even_if_it_were_still_there(
    page: Page, live_server: Any, demo: None, console_errors: list[str]
) -> None:
    """Copy the first enabler's sealed draft under the second enabler's own name (as someone
    tampering with storage might): it does not open with the second enabler's key."""
    sign_in(page, live_server, DEMO_ENABLER)
    (_, sealed), = type_a_draft(page, live_server).items()
    page.context.clear_cookies()
    sign_in(page, live_server, OTHER_ENABLER)
    page.goto(f"{live_server.url}/week/log/")
    mine = page.evaluate("document.body.dataset.draftOwner")
    page.evaluate("([k, v]) => localStorage.setItem(k, v)",
                  [f"fieldbook:draft:{mine}:log", sealed])
    page.reload()
    expect(page.get_by_label("Private notes (optional)")).to_be_visible()
    page.wait_for_timeout(500)
    expect(page.get_by_text("You have an unsaved draft of this form")).to_be_hidden()
    assert drafts(page) == {}  # it did not open, so it was removed


def test_drafts_expire_after_fourteen_days_and_old_plain_drafts_are_removed(
    page: Page, live_server: Any, demo: None, console_errors: list[str]
) -> None:
    sign_in(page, live_server, DEMO_ENABLER)
    (key, sealed), = type_a_draft(page, live_server).items()
    old = json.loads(sealed)
    old["savedAt"] -= 15 * 24 * 60 * 60 * 1000
    page.evaluate("([k, v]) => { localStorage.setItem(k, v);"
                  " localStorage.setItem('fieldbook:draft:log', '{\"data\": {}}'); }",
                  [key, json.dumps(old)])
    page.goto(f"{live_server.url}/week/")
    assert drafts(page) == {}
