"""Done means (issue 18, the API): an admin issues a token in the back office in a real
browser, and the token works for an API call in its scope and not outside it; revoked, it stops.
The API's interactive docs load under the CSP (a violation is a console error)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fieldbook.roles import Role

from .browser_support import shoot
from .factories import EngagementFactory, ProgrammeFactory, SessionFactory, UserFactory
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]



def api_get(url: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_admin_issues_a_token_that_works_in_its_scope_only(
        page: Page, live_server: Any, console_errors: list[str]) -> None:
    UserFactory.create(username="ada-admin", first_name="Ada", roles=[Role.ADMIN])
    mine = ProgrammeFactory.create(name="Urgent care pioneers", slug="pioneers")
    ProgrammeFactory.create(name="Other programme", slug="other")
    SessionFactory.create(engagement=EngagementFactory.create(programme=mine))

    sign_in(page, live_server, "ada-admin")
    page.wait_for_url(f"{live_server.url}/manage/")
    page.get_by_role("link", name="API clients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API clients")
    page.get_by_role("link", name="Issue a token").click()
    shoot(page, "api-client-add-empty")
    page.get_by_role("button", name="Issue the token").click()  # nothing filled in
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    shoot(page, "api-client-add-errors")
    page.get_by_label("Client name").fill("NHS England BI")
    page.get_by_label("Urgent care pioneers").check()
    page.get_by_label("Expires on").fill("2099-01-01")
    page.get_by_role("button", name="Issue the token").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter a date between")
    page.get_by_label("Expires on").fill(_in_days(30))
    page.get_by_role("button", name="Issue the token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Token issued for NHS England BI")
    token = page.get_by_label("Token").input_value()
    assert token.startswith("fbk_")
    shoot(page, "api-client-issued")

    status, body = api_get(f"{live_server.url}/api/v1/programmes/pioneers/", token)
    assert status == 200 and body["programme"]["slug"] == "pioneers"
    assert body["activity"]["held_sessions"]["text"] == "fewer than 3"
    status, body = api_get(f"{live_server.url}/api/v1/programmes/other/", token)
    assert status == 404 and body["detail"].startswith("No programme")
    status, body = api_get(f"{live_server.url}/api/v1/programmes/", token)
    assert [p["slug"] for p in body["items"]] == ["pioneers"]

    page.get_by_role("link", name="Done").click()
    expect(page.locator("table")).to_contain_text("/api/v1/programmes/other/")
    shoot(page, "api-client-detail")
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.locator("body")).to_contain_text("its token no longer works")
    status, body = api_get(f"{live_server.url}/api/v1/programmes/pioneers/", token)
    assert status == 401 and "revoked" in body["detail"]
    page.get_by_role("link", name="Back").click()
    expect(page.locator("table")).to_contain_text("Revoked")
    shoot(page, "api-clients")


def test_the_interactive_docs_load_under_the_csp(
        page: Page, live_server: Any, console_errors: list[str]) -> None:
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response is not None and response.ok
    expect(page.locator(".swagger-ui .title")).to_contain_text("Fieldbook API")
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/programmes/{slug}/")
    shoot(page, "api-docs")


def _in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()
