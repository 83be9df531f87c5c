"""Accessibility (issue 7, point 6): a browser crawl of every page each demo role can reach, with
and without an htmx swap, checked with axe-core for WCAG 2.2 AA; and the log-a-visit and
onboarding forms used with the keyboard alone.

The crawl signs in as each role through the real sign-in and two-factor pages (two-factor on, as
in production), then follows every link from the role's start page, breadth first, opening at
most ``PER_PAGE_KIND`` URLs of each URL name (one place page looks like the next; tests/crawl.py,
shared with the HTML check). One browser
context per role. It fails on any serious or critical axe violation, on any page that does not
answer 200, on console or CSP errors, and if a page the role may open (by the URL x role matrix)
was never reached.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from demo.seed import DEMO_ENABLER, DEMO_PASSWORD, demo_seed
from enablers.models import Assignment
from engagements.models import Session

from .crawl import NOT_LINKED, NOT_PAGES, Crawl
from .crawl import demo_world as crawl_demo_world
from .factories import UserFactory, notes_of
from .security_support import current_code
from .test_access import EXPECTED, IN, OK

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(settings.BASE_DIR, "node_modules", "axe-core", "axe.min.js")
WCAG = "{runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']}}"


def axe_serious(page: Page) -> list[str]:
    """Serious and critical violations on the page as it is now. axe is evaluated, not injected
    as a <script> element: our CSP rightly refuses inline scripts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + ";0")
    result = page.evaluate(f"axe.run(document, {WCAG})")
    return [f"{v['impact']} {v['id']}: {v['nodes'][0]['target']} {v['help']}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


class AxeCrawl(Crawl):
    """The shared crawl (tests/crawl.py) in a browser page, checking each page with axe."""

    def __init__(self, live_server: Any) -> None:
        super().__init__(live_server.url)
        self.pages = 0

    def check(self, page: Page, role: str, what: str) -> None:
        self.pages += 1
        for violation in axe_serious(page):
            self.problems.append(f"{role} {what}: {violation}")

    def crawl(self, page: Page, role: str, start: list[str]) -> None:
        def visit(url: str, name: str) -> list[str] | None:
            response = page.goto(url)
            assert response is not None
            if response.status != 200:
                self.problems.append(f"{role} {url}: HTTP {response.status}")
                return None
            self.check(page, role, url)
            return page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")

        self.walk(role, start, visit)


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def demo_world(role_groups: None) -> dict[str, Any]:
    return crawl_demo_world()


def test_every_page_of_every_role_passes_axe(
    browser: Browser, live_server: Any, demo_world: dict[str, Any], settings: Any
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    started = time.monotonic()
    crawl = AxeCrawl(live_server)
    base = live_server.url
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def new_page() -> Page:
        page = browser.new_context().new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    # Signed out: sign-in, its error state, password reset, a dead invitation link.
    page = new_page()
    crawl.crawl(page, "anonymous", ["/accounts/login/", "/accounts/password-reset/",
                                    "/accounts/password-reset/sent/",
                                    "/accounts/password-reset/MA/x/",
                                    "/accounts/password-reset/complete/",
                                    "/accounts/invitation/not-a-token/"])
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    crawl.check(page, "anonymous", "sign-in with errors")
    page.context.close()

    # The enabler: the code page with their passkey first (checked), then My week, its weeks
    # (an htmx swap), the inline log form (another), and their passkeys and codes.
    page = new_page()
    sign_in(page, base, DEMO_ENABLER, DEMO_PASSWORD)
    page.wait_for_url(re.compile(r"/two-factor/\?"))
    expect(page.get_by_role("button", name="Use your passkey")).to_be_visible()
    crawl.check(page, "enabler", "two-factor with a passkey")
    device = TOTPDevice.objects.get(user=demo_world["enabler"])
    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/week/$"))
    page.get_by_role("link", name=re.compile("^Previous week")).click()
    expect(page).to_have_url(re.compile(r"/week/\?week="))
    crawl.check(page, "enabler", "my week after an htmx week change")
    page.get_by_role("link", name="Log a visit", exact=True).click()
    expect(page.locator("#log-panel").get_by_role("heading", name="Log a visit")).to_be_visible()
    crawl.check(page, "enabler", "my week with the log form swapped in")
    session = Session.objects.filter(enabler__user__username=DEMO_ENABLER,
                                     deleted_at__isnull=True).first()
    assert session is not None
    crawl.crawl(page, "enabler", ["/week/", f"/week/sessions/{session.pk}/delete/",
                                  "/accounts/two-factor/manage/"])
    page.context.close()

    # The lead: sets up an authenticator (the set-up page is checked), then the dashboards;
    # a dashboard filter swaps the table with htmx.
    page = new_page()
    sign_in(page, base, "lead", DEMO_PASSWORD)
    page.wait_for_url(re.compile(r"/two-factor/set-up/"))
    crawl.check(page, "lead", "two-factor set-up: the choice")
    page.get_by_role("link", name="Use a passkey").click()
    expect(page.get_by_role("button", name="Create a passkey")).to_be_visible()
    crawl.check(page, "lead", "two-factor set-up: a passkey")
    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Use an authenticator app").click()
    page.wait_for_url(re.compile(r"/two-factor/set-up/app/"))
    crawl.check(page, "lead", "two-factor set-up: an authenticator app")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    crawl.check(page, "lead", "two-factor set-up with an error")
    device = TOTPDevice.objects.get(user=demo_world["lead"])
    device.throttle_reset()
    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    crawl.check(page, "lead", "recovery codes")
    page.get_by_role("link", name="I have saved my recovery codes").click()
    page.wait_for_url(re.compile(r"/programmes/$"))
    programme_link = page.locator("main a[href^='/programmes/']").first
    programme_link.click()
    page.locator("select[name=status]").select_option("active")
    page.wait_for_url(re.compile(r"status=active"))
    page.wait_for_load_state("networkidle")
    crawl.check(page, "lead", "programme dashboard after an htmx filter")
    crawl.crawl(page, "lead", ["/programmes/", "/summaries/", "/summaries/new/"])
    page.context.close()

    # The admin: enters the code from their authenticator (the code page is checked).
    page = new_page()
    sign_in(page, base, "admin", DEMO_PASSWORD)
    page.wait_for_url(re.compile(r"/two-factor/\?"))
    crawl.check(page, "admin", "two-factor code")
    device = TOTPDevice.objects.get(user=demo_world["admin"])
    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/manage/$"))
    # Also the demo enabler's engagement in Manage (linked from its place's page): the first
    # places the crawl opens may have no current assignment, so no "End" link to follow.
    assigned = Assignment.objects.filter(enabler__user__username=DEMO_ENABLER,
                                         ended_on__isnull=True).order_by("pk").first()
    assert assigned is not None
    crawl.crawl(page, "admin", ["/manage/", "/programmes/", "/summaries/",
                                f"/manage/engagements/{assigned.engagement_id}/"])
    page.context.close()

    # The data-protection officer (issue 18): a code, then subject access.
    page = new_page()
    sign_in(page, base, "dpo", DEMO_PASSWORD)
    page.wait_for_url(re.compile(r"/two-factor/\?"))
    device = TOTPDevice.objects.get(user=demo_world["dpo"])
    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/subject-access/$"))
    crawl.crawl(page, "dpo", ["/subject-access/"])
    page.context.close()

    elapsed = time.monotonic() - started
    print(f"\naccessibility crawl: {crawl.pages} pages in {elapsed:.0f} s")
    assert crawl.problems == [], "\n".join(crawl.problems)
    assert errors == [], errors
    for role, persona in (("enabler", "enabler"), ("lead", "lead"), ("admin", "admin"),
                          ("dpo", "dpo")):
        may_open = {name for name, (_, _, access, get_ok, _) in EXPECTED.items()
                    if access[persona] == IN and get_ok == OK}
        missing = may_open - crawl.names.get(role, set()) - NOT_PAGES - NOT_LINKED
        assert missing == set(), (role, missing)
    assert crawl.pages >= 60


# ---- keyboard only ------------------------------------------------------------------------------

def tab_to(page: Page, target: Any, *, limit: int = 80) -> None:
    """Press Tab until ``target`` (a selector or a locator) has focus; fail after ``limit``."""
    locator = page.locator(target) if isinstance(target, str) else target
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def test_a_visit_is_logged_with_the_keyboard_alone(
    page: Page, live_server: Any, role_groups: None, console_errors: list[str]
) -> None:
    demo_seed(today=timezone.localdate())
    before = Session.objects.count()
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(DEMO_ENABLER)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/week/$"))
    tab_to(page, page.get_by_role("link", name="Log a visit", exact=True))
    page.keyboard.press("Enter")
    heading = page.locator("#log-panel").get_by_role("heading", name="Log a visit")
    expect(heading).to_be_focused()
    tab_to(page, "#id_kind")
    page.keyboard.press("ArrowDown")  # the next kind of work
    tab_to(page, page.locator("#log-panel input[name=attendees]").first)
    page.keyboard.press("Space")
    tab_to(page, "#log-panel textarea[name=private_notes]")
    page.keyboard.type("Typed without a mouse")
    tab_to(page, page.locator("#log-panel").get_by_role("button", name="Log visit"))
    page.keyboard.press("Enter")
    expect(page.locator(".app-session--new")).to_be_visible()
    assert Session.objects.count() == before + 1
    logged = Session.objects.order_by("-pk").first()
    assert logged is not None and notes_of(logged) == "Typed without a mouse"
    assert logged.attendees.count() == 1


def test_a_locality_is_onboarded_with_the_keyboard_alone(
    page: Page, live_server: Any, role_groups: None, console_errors: list[str]
) -> None:
    from fieldbook.roles import Role

    from .factories import TEST_PASSWORD, RegionFactory

    RegionFactory.create(name="North", code="north")
    UserFactory.create(username="kay-admin", roles=[Role.ADMIN])
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type("kay-admin")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/manage/$"))
    tab_to(page, page.get_by_role("link", name="Onboard a locality"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/manage/onboard/$"))
    tab_to(page, page.get_by_role("button", name="Start onboarding a place"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/place/$"))
    # An empty answer: the error summary takes focus, and its link leads to the field.
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    tab_to(page, page.locator(".nhsuk-error-summary a").first)
    page.keyboard.press("Enter")
    expect(page.get_by_label("What is the place called?")).to_be_focused()
    page.keyboard.type("Keyboardshire")
    tab_to(page, "select[name$=region]")
    page.keyboard.press("ArrowDown")
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("place called"))
    from places.models import OnboardingDraft

    draft = OnboardingDraft.objects.get()
    assert draft.payload["place"]["name"] == "Keyboardshire"
