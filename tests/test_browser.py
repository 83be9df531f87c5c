"""Real-browser checks (Playwright driving Debian's Chromium against a live server).

What only a browser shows: the stylesheet and scripts load under our Content-Security-Policy
(a CSP violation is a console error), keyboard order starts at the skip link, and signing in
lands each role on its page.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from fieldbook.roles import Role

from .factories import TEST_PASSWORD, UserFactory

# The live server runs in another thread, so data must be committed: transactional tests,
# which empty the database when they end; ``role_groups`` (conftest) puts the roles back.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

NHS_BLUE = "rgb(0, 94, 184)"


def test_login_page_is_styled_and_error_free(
    page: Page, live_server: Any, console_errors: list[str]
) -> None:
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response is not None and response.status == 200
    assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
    expect(page.get_by_role("heading", name="Sign in to Fieldbook")).to_be_visible()
    page.wait_for_load_state("networkidle")

    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "arial" in font.lower()
    header_bg = page.evaluate(
        "getComputedStyle(document.querySelector('header')).backgroundColor"
    )
    assert header_bg == NHS_BLUE


def sign_in(page: Page, live_server: Any, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_lead_signs_in_and_lands_on_programmes(
    page: Page, live_server: Any, console_errors: list[str]
) -> None:
    UserFactory.create(username="lee-lead", roles=[Role.LEAD])
    sign_in(page, live_server, "lee-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    expect(page.get_by_text("lee-lead")).to_be_visible()


def test_tab_reaches_the_skip_link_first(
    page: Page, live_server: Any, console_errors: list[str]
) -> None:
    # Checked on a signed-in page: the login page autofocuses its username field (Django's
    # AuthenticationForm), so there the first Tab rightly moves on to the password.
    UserFactory.create(username="lee-lead", roles=[Role.LEAD])
    sign_in(page, live_server, "lee-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    page.goto(f"{live_server.url}/programmes/")  # a fresh load: focus starts at the top
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "({text: document.activeElement.textContent.trim(),"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"text": "Skip to main content", "href": "#maincontent"}
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#maincontent"


def test_a_wrong_password_shows_an_error(
    page: Page, live_server: Any, console_errors: list[str]
) -> None:
    UserFactory.create(username="lee-lead", roles=[Role.LEAD])
    sign_in(page, live_server, "lee-lead", password="not the password")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("lee-lead")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
