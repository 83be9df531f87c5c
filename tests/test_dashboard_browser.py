"""A programme lead in a real browser: filters the dashboard (htmx swaps only the table and
updates the URL; the back button restores it), opens a place, pages its timeline, and every
page passes axe-core's WCAG 2.2 AA checks with no console or CSP errors.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from fieldbook.roles import Role

from . import factories as f

# The live server runs in another thread, so data must be committed: transactional tests.
# serialized_rollback restores the role groups (made by a data migration) after the flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(settings.BASE_DIR, "node_modules", "axe-core", "axe.min.js")
WCAG = "{runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']}}"


def axe_violations(page: Page) -> list[str]:
    # Evaluated, not injected as a <script>: our CSP rightly refuses inline scripts.
    page.evaluate(AXE.read_text() + ";0")
    result = page.evaluate(f"axe.run(document, {WCAG})")
    return [f"{v['id']}: {v['nodes'][0]['html'][:120]}" for v in result["violations"]]


@pytest.fixture
def programme(db: None) -> Any:
    today = timezone.localdate()
    programme = f.ProgrammeFactory.create(name="Urgent care leadership", slug="urgent-care")
    north = f.RegionFactory.create(name="North", code="north")
    south = f.RegionFactory.create(name="South", code="south")
    theme = f.ThemeFactory.create(name="Discharge", slug="discharge")
    for name, region in [("Ashby", north), ("Brockley", south), ("Carrow", north)]:
        e = f.EngagementFactory.create(programme=programme, status="active",
                                       place=f.PlaceFactory.create(name=name, slug=name.lower(),
                                                     region=region),
                                       started_on=today - dt.timedelta(days=400),
                                       requested_on=today - dt.timedelta(days=410))
        enabler = f.AssignmentFactory.create(engagement=e, started_on=e.started_on).enabler
        for week in range(60 if name == "Ashby" else 3):
            s = f.SessionFactory.create(engagement=e, enabler=enabler,
                                        date=today - dt.timedelta(days=7 * week))
            s.themes.add(theme)
    f.UserFactory.create(username="lee-lead", roles=[Role.LEAD])
    return programme


def sign_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lee-lead")
    page.get_by_label("Password").fill(f.TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/programmes/")


def place_links(page: Page) -> list[str]:
    return page.locator("#dashboard-table tbody th a").all_inner_texts()


def test_lead_filters_the_dashboard_and_opens_a_place(
    page: Page, live_server: Any, programme: Any, console_errors: list[str]
) -> None:
    sign_in(page, live_server)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Urgent care leadership").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Urgent care leadership")
    assert place_links(page) == ["Ashby", "Brockley", "Carrow"]
    assert axe_violations(page) == []

    # Choosing a region swaps only the table (the headline figures stay the same nodes) and
    # puts the filter in the URL.
    page.locator(".app-headlines").evaluate("el => el.dataset.marker = 'kept'")
    page.get_by_label("Region").select_option("north")
    page.wait_for_url(re.compile(r"region=north"))
    expect(page.locator("#dashboard-table tbody th a")).to_have_count(2)
    assert place_links(page) == ["Ashby", "Carrow"]
    assert page.locator(".app-headlines").get_attribute("data-marker") == "kept"
    expect(page.locator("#dashboard-announce")).to_have_text(re.compile("of 2 places"))

    # Typing in the search box narrows it further, after a short pause.
    page.get_by_label("Place name").fill("carr")
    page.wait_for_url(re.compile(r"q=carr"))
    expect(page.locator("#dashboard-table tbody th a")).to_have_count(1)

    # Back restores the previous filter; the URL is shareable as it stands.
    page.go_back()
    page.wait_for_url(re.compile(r"region=north(?!.*q=carr)"))
    expect(page.locator("#dashboard-table tbody th a")).to_have_count(2)
    page.goto(page.url)
    assert place_links(page) == ["Ashby", "Carrow"]
    assert page.get_by_label("Region").input_value() == "north"

    page.get_by_role("link", name="Ashby").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ashby")
    expect(page.get_by_text("Showing 1 to 50 of 60 sessions")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Page 2").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.get_by_text("Showing 51 to 60 of 60 sessions")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ashby")


def test_the_dashboard_works_without_javascript(
    browser: Any, live_server: Any, programme: Any
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/programmes/urgent-care/")
    page.get_by_label("Region").select_option("south")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"region=south"))
    assert place_links(page) == ["Brockley"]
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_lead_pages_pass_axe_at_each_width(
    page: Page, live_server: Any, programme: Any, console_errors: list[str], width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server)
    for path in ("/programmes/urgent-care/", "/programmes/urgent-care/places/ashby/",
                 "/programmes/urgent-care/themes/", "/programmes/urgent-care/enablers/"):
        page.goto(f"{live_server.url}{path}")
        assert axe_violations(page) == [], path
        # Nothing wider than the screen: wide tables scroll inside themselves.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
