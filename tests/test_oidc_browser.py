"""Done means (issue 18, single sign-on): in a real browser, a lead signs in through a real
OpenID Connect provider's sign-in page (``oidc-provider``, tests/oidc_support.py): the
"Sign in with …" button on Fieldbook's page, the provider's page, and back, signed in. The CSP
holds throughout (a blocked form-action redirect would be a console error), and a provider
trusted for multi-factor spares the lead Fieldbook's second factor; one that is not sends them
to it. A stranger is refused with the page that says why.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from fieldbook.models import AuditEvent
from fieldbook.roles import Role

from .browser_support import shoot
from .factories import UserFactory
from .oidc_support import PROVIDER_PASSWORD, oidc_provider
from .test_a11y_crawl import axe_serious, tab_to

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]



def at_provider(page: Page, login: str) -> None:
    expect(page.get_by_role("heading", name="Test identity provider: sign in")).to_be_visible()
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_a_lead_signs_in_through_the_providers_page(
        page: Page, live_server: Any, console_errors: list[str], settings: Any) -> None:
    UserFactory.create(username="jo", email="jo.pennington@nhs.net", roles=[Role.LEAD])
    back = f"{live_server.url}/accounts/sso/"
    with (oidc_provider([f"{back}nhsmail/callback/"]) as provider,
          oidc_provider([f"{back}cis2/callback/"], client_id="fieldbook-cis2") as cis2):
        settings.FIELDBOOK_REQUIRE_2FA = True
        settings.FIELDBOOK_OIDC_PROVIDERS = [
            provider.setting("nhsmail", "NHSmail", trust_mfa=True),
            cis2.setting("cis2", "NHS Care Identity"),
        ]
        page.goto(f"{live_server.url}/programmes/")  # sent to sign in, and back here after
        expect(page.get_by_role("heading", name="Sign in to Fieldbook")).to_be_visible()
        expect(page.get_by_role("button", name="Sign in with NHS Care Identity")).to_be_visible()
        shoot(page, "sso-login")
        assert axe_serious(page) == []
        # By keyboard alone: Tab to the button, Enter.
        tab_to(page, page.get_by_role("button", name="Sign in with NHSmail"))
        page.keyboard.press("Enter")
        page.wait_for_url(f"{provider.issuer}/interaction/**")
        at_provider(page, "jo-mfa")
        # Back, signed in, on the page first asked for: the provider's multi-factor counted.
        page.wait_for_url(f"{live_server.url}/programmes/")
        expect(page.get_by_text("Signed in as jo")).to_be_visible()
        assert AuditEvent.objects.get(action="accounts.signin.succeeded").changes[
            "second_factor"] == "proved by the provider"
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{live_server.url}/accounts/login/")

        # The other provider is not trusted for multi-factor: Fieldbook asks for its own.
        page.get_by_role("button", name="Sign in with NHS Care Identity").click()
        page.wait_for_url(f"{cis2.issuer}/interaction/**")
        at_provider(page, "jo-mfa")
        page.wait_for_url(f"{live_server.url}/accounts/two-factor/set-up/**")

        # A stranger (no Fieldbook account has the address) is refused, and told why.
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_role("button", name="Sign in with NHSmail").click()
        at_provider(page, "stranger")
        expect(page.get_by_role("heading", name="You could not be signed in with NHSmail")
               ).to_be_visible()
        expect(page.get_by_text("No Fieldbook account has the email address")).to_be_visible()
        shoot(page, "sso-refused")
        assert axe_serious(page) == []
        # The refusal page is a 403, which Chromium reports as a failed load: that one only.
        refused = "console: Failed to load resource: the server responded with a status of 403"
        assert [e for e in console_errors if e.startswith(refused)] == [refused + " (Forbidden)"]
        console_errors[:] = [e for e in console_errors if not e.startswith(refused)]
