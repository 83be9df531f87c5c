"""Single sign-on with OpenID Connect (fieldbook.oidc), against a REAL provider: the
``oidc-provider`` npm package in a node process (tests/oidc_support.py), not a mock.

Each test walks the whole exchange: Fieldbook's "Sign in with …" form, the provider's sign-in
page (typed into over HTTP, as a browser would), the code back to Fieldbook, which swaps it for
signed tokens at the provider and decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fieldbook.middleware import SIGNED_IN_AT
from fieldbook.models import AuditEvent, UserSession
from fieldbook.oidc import SSO_MFA_SESSION_KEY
from fieldbook.roles import Role

from .factories import UserFactory
from .oidc_support import RunningProvider, oidc_provider, sign_in_at_provider
from .test_hostile_input import KILLERS

pytestmark = pytest.mark.django_db

BACK = "http://testserver/accounts/sso/"


@pytest.fixture(scope="module")
def provider() -> Iterator[RunningProvider]:
    with oidc_provider([f"{BACK}nhsmail/callback/", f"{BACK}other/callback/"]) as running:
        yield running


@pytest.fixture
def nhsmail(provider: RunningProvider, settings: Any) -> RunningProvider:
    settings.FIELDBOOK_OIDC_PROVIDERS = [provider.setting("nhsmail", "NHSmail")]
    return provider


@pytest.fixture
def jo(db: None) -> User:
    return UserFactory.create(username="jo", email="jo.pennington@nhs.net", roles=[Role.LEAD])


def begin(client: Client, slug: str = "nhsmail", **data: str) -> str:
    response = client.post(reverse("sso-begin", args=[slug]), data)
    assert response.status_code == 302, response.content
    return str(response["Location"])


def sso(client: Client, login: str, slug: str = "nhsmail", **data: str) -> Any:
    """The whole walk: Fieldbook → the provider's page → back to Fieldbook's callback."""
    back = sign_in_at_provider(begin(client, slug, **data), login, back_to=f"{BACK}{slug}/")
    return client.get(back.removeprefix("http://testserver"))


def refusals(reason: str) -> list[dict[str, Any]]:
    return [e.changes for e in AuditEvent.objects.filter(action="accounts.signin.sso_refused")
            if e.changes.get("reason") == reason]


def signed_in_as(client: Client) -> str | None:
    response = client.get(reverse("home"))
    user = response.wsgi_request.user
    return user.get_username() if user.is_authenticated else None


def test_a_verified_email_signs_in_to_the_existing_account(
        client: Client, nhsmail: RunningProvider, jo: User) -> None:
    client.get(reverse("login"))
    before = client.session.session_key
    response = sso(client, "jo", next="/programmes/")
    assert response.status_code == 302 and response["Location"] == "/programmes/"
    # The address matched whatever its case; a new session key; recorded with its user.
    assert signed_in_as(client) == "jo"
    assert client.session.session_key != before
    assert SIGNED_IN_AT in client.session  # the session clocks started (fieldbook.signals)
    assert UserSession.objects.filter(session_key=client.session.session_key,
                                      user_id=jo.pk).exists()
    event = AuditEvent.objects.get(action="accounts.signin.succeeded")
    assert event.actor == jo
    assert event.changes == {"username": "jo", "method": "single sign-on",
                             "provider": "NHSmail", "second_factor": "not required"}
    # Nobody was made: roles are Fieldbook's.
    assert User.objects.count() == 1


@pytest.mark.parametrize(("login", "reason", "says"), [
    ("stranger", "unknown", "No Fieldbook account has the email address"),
    ("jo-unverified", "unverified", "has not confirmed that the email address"),
    ("no-email", "no_email", "did not tell Fieldbook your email address"),
])
def test_an_unknown_or_unverified_email_is_refused(
        client: Client, nhsmail: RunningProvider, jo: User, login: str, reason: str,
        says: str) -> None:
    response = sso(client, login)
    assert response.status_code == 403
    assert says in response.content.decode()
    assert signed_in_as(client) is None
    assert User.objects.count() == 1  # no account made for the stranger
    (audited,) = refusals(reason)
    assert audited["provider"] == "NHSmail"
    assert audited.get("email_domain") == ("nhs.net" if reason != "no_email" else None)
    assert "stranger@nhs.net" not in str(audited)


def test_a_deactivated_account_is_refused(client: Client, nhsmail: RunningProvider) -> None:
    gone = UserFactory.create(username="gone", email="gone@nhs.net", is_active=False,
                              roles=[Role.ENABLER])
    response = sso(client, "gone")
    assert response.status_code == 403
    assert "Your Fieldbook account is switched off" in response.content.decode()
    assert signed_in_as(client) is None
    event = AuditEvent.objects.get(action="accounts.signin.sso_refused")
    assert event.object_id == str(gone.pk) and event.changes["reason"] == "deactivated"


def test_two_accounts_with_the_address_are_refused_not_guessed(
        client: Client, nhsmail: RunningProvider, jo: User) -> None:
    UserFactory.create(username="jo-again", email="JO.PENNINGTON@nhs.net")
    assert sso(client, "jo").status_code == 403
    assert signed_in_as(client) is None
    assert refusals("ambiguous")


@pytest.mark.parametrize(("login", "trust", "acr", "proved"), [
    ("jo-mfa", True, [], True),          # amr holds "mfa", and the provider is trusted
    ("jo-mfa", False, [], False),        # not trusted: Fieldbook asks for its own
    ("jo", True, [], False),             # trusted, but the provider checked a password only
    ("jo-aal3", True, ["AAL3_ANY"], True),   # an acr value configured as multi-factor
    ("jo-aal3", True, [], False),        # the same acr, not configured
])
def test_the_providers_second_factor_counts_only_when_configured(
        client: Client, provider: RunningProvider, settings: Any, jo: User, login: str,
        trust: bool, acr: list[str], proved: bool) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    settings.FIELDBOOK_OIDC_PROVIDERS = [
        provider.setting("nhsmail", "NHSmail", trust_mfa=trust, mfa_acr=acr)]
    response = sso(client, login, next="/programmes/")
    assert response.status_code == 302
    page = client.get("/programmes/")
    if proved:
        assert page.status_code == 200
        assert client.session[SSO_MFA_SESSION_KEY] == {"user": jo.pk, "provider": "nhsmail"}
    else:
        assert page.status_code == 302
        assert page["Location"].startswith(reverse("two-factor"))
    changes = AuditEvent.objects.get(action="accounts.signin.succeeded").changes
    assert changes["second_factor"] == ("proved by the provider" if proved else
                                        "asked by Fieldbook")


def test_a_provider_second_factor_is_for_its_own_user_only(
        client: Client, provider: RunningProvider, settings: Any, jo: User) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    settings.FIELDBOOK_OIDC_PROVIDERS = [provider.setting("nhsmail", "NHSmail", trust_mfa=True)]
    sso(client, "jo-mfa")
    other = UserFactory.create(username="other", roles=[Role.LEAD])
    session = client.session
    session[SESSION_KEY] = str(other.pk)  # the same session, another user: the marker names jo
    session[HASH_SESSION_KEY] = other.get_session_auth_hash()
    session.save()
    page = client.get("/programmes/")
    assert page.wsgi_request.user == other
    assert page.status_code == 302 and page["Location"].startswith(reverse("two-factor"))


def test_a_mismatched_state_is_refused(client: Client, nhsmail: RunningProvider,
                                       jo: User) -> None:
    back = sign_in_at_provider(begin(client), "jo", back_to=f"{BACK}nhsmail/")
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    response = client.get(parts.path, {"code": query["code"][0], "state": "forged-state"})
    assert response.status_code == 403
    assert "could not be checked" in response.content.decode()
    assert signed_in_as(client) is None
    assert refusals("state")


def test_a_callback_from_another_browser_is_refused(
        client: Client, nhsmail: RunningProvider, jo: User) -> None:
    """A code and state sent to someone else's browser (login CSRF): that browser's session
    never started this sign-in."""
    back = sign_in_at_provider(begin(client), "jo", back_to=f"{BACK}nhsmail/")
    victim = Client()
    assert victim.get(back.removeprefix("http://testserver")).status_code == 403
    assert signed_in_as(victim) is None
    assert refusals("state")


def test_a_mismatched_nonce_is_refused(client: Client, nhsmail: RunningProvider,
                                       jo: User) -> None:
    """The ID token's nonce must be the one this session asked for (a token replayed from
    another sign-in). The provider signs the nonce it was sent; the session expects another."""
    back = sign_in_at_provider(begin(client), "jo", back_to=f"{BACK}nhsmail/")
    session = client.session
    (key,) = [k for k, _ in session.items() if k.startswith("_state_nhsmail_")]
    stored = session[key]
    stored["data"]["nonce"] = "a-different-nonce"
    session[key] = stored
    session.save()
    response = client.get(back.removeprefix("http://testserver"))
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert refusals("failed")


def test_a_wrong_password_at_the_provider_never_reaches_fieldbook(
        client: Client, nhsmail: RunningProvider, jo: User) -> None:
    with pytest.raises(AssertionError):
        sign_in_at_provider(begin(client), "jo", back_to=f"{BACK}nhsmail/", password="wrong")
    assert signed_in_as(client) is None


def test_two_providers_at_once(client: Client, provider: RunningProvider, settings: Any,
                               jo: User) -> None:
    with oidc_provider([f"{BACK}cis2/callback/"], client_id="fieldbook-cis2") as cis2:
        settings.FIELDBOOK_OIDC_PROVIDERS = [provider.setting("nhsmail", "NHSmail"),
                                             cis2.setting("cis2", "NHS Care Identity")]
        page = client.get(reverse("login")).content.decode()
        assert "Sign in with NHSmail" in page and "Sign in with NHS Care Identity" in page
        # Each button goes to its own provider.
        assert begin(client, "nhsmail").startswith(provider.issuer)
        assert begin(client, "cis2").startswith(cis2.issuer)
        # One provider's answer sent to the other's callback is refused.
        back = sign_in_at_provider(begin(client, "nhsmail"), "jo", back_to=f"{BACK}nhsmail/")
        crossed = back.removeprefix("http://testserver").replace("/nhsmail/", "/cis2/")
        assert client.get(crossed).status_code == 403
        assert signed_in_as(client) is None
        # The second provider signs in.
        assert sso(client, "jo", slug="cis2").status_code == 302
        assert signed_in_as(client) == "jo"
        event = AuditEvent.objects.get(action="accounts.signin.succeeded")
        assert event.changes["provider"] == "NHS Care Identity"


def test_the_login_page_shows_a_button_per_provider_and_none_without(
        client: Client, provider: RunningProvider, settings: Any) -> None:
    settings.FIELDBOOK_OIDC_PROVIDERS = []
    page = client.get(reverse("login"))
    assert "Sign in with" not in page.content.decode()
    assert "form-action 'self';" in page["Content-Security-Policy"] + ";"
    settings.FIELDBOOK_OIDC_PROVIDERS = [provider.setting("nhsmail", "NHSmail")]
    page = client.get(reverse("login") + "?next=/programmes/")
    html = page.content.decode()
    assert "Sign in with NHSmail" in html
    assert f'action="{reverse("sso-begin", args=["nhsmail"])}"' in html
    assert 'name="next" value="/programmes/"' in html
    # The form posts here, then the browser is sent to the provider: CSP form-action allows it.
    policy = {d.split()[0]: d.split()[1:] for d in page["Content-Security-Policy"].split("; ")}
    assert policy["form-action"] == ["'self'", provider.issuer]


def test_an_unknown_provider_is_not_found(client: Client, nhsmail: RunningProvider) -> None:
    assert client.post(reverse("sso-begin", args=["nope"])).status_code == 404
    assert client.get(reverse("sso-callback", args=["nope"])).status_code == 404


def test_an_external_next_is_ignored(client: Client, nhsmail: RunningProvider,
                                     jo: User) -> None:
    response = sso(client, "jo", next="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_a_provider_that_does_not_answer_is_a_clear_page(
        client: Client, settings: Any) -> None:
    settings.FIELDBOOK_OIDC_PROVIDERS = [{
        "slug": "down", "name": "Down", "issuer": "http://127.0.0.1:9", "client_id": "x",
        "client_secret": "y"}]
    response = client.post(reverse("sso-begin", args=["down"]))
    assert response.status_code == 503
    assert "Down is not answering" in response.content.decode()
    assert refusals("unavailable")


def test_a_spraying_address_is_throttled_for_single_sign_on_too(
        client: Client, nhsmail: RunningProvider, jo: User, settings: Any) -> None:
    for n in range(settings.FIELDBOOK_SPRAY_USERNAMES + 1):
        AccessAttempt.objects.create(username=f"guess{n}", ip_address="127.0.0.1",
                                     user_agent="", attempt_time=timezone.now(),
                                     failures_since_start=1)
    response = sso(client, "jo")
    assert response.status_code == 429
    assert signed_in_as(client) is None
    assert AuditEvent.objects.filter(action="accounts.signin.throttled").exists()


def test_a_username_locked_after_wrong_passwords_is_throttled_too(
        client: Client, nhsmail: RunningProvider, jo: User, settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "jo", "password": "wrong-password"})
    response = sso(client, "jo")
    assert response.status_code == 429
    assert signed_in_as(client) is None


def test_a_provider_missing_its_settings_is_a_configuration_error(settings: Any) -> None:
    from fieldbook.checks import single_sign_on

    settings.FIELDBOOK_OIDC_PROVIDERS = [{"slug": "half", "issuer": "https://id.example"}]
    (error,) = single_sign_on()
    assert "FIELDBOOK_OIDC_HALF_CLIENT_ID" in error.msg
    settings.FIELDBOOK_OIDC_PROVIDERS = []
    assert single_sign_on() == []


def test_hostile_values_in_the_callback_and_the_button_are_refused_not_500(
        client: Client, nhsmail: RunningProvider, jo: User) -> None:
    """The known killers of tests/test_hostile_input.py in every parameter the two views read
    (the matrix there cannot reach them: the suite configures no provider). A real state with a
    hostile code goes to the provider's token endpoint, which refuses it."""
    callback = reverse("sso-callback", args=["nhsmail"])
    for value in KILLERS:
        state = parse_qs(urlsplit(begin(client)).query)["state"][0]
        for query in ({"state": state, "code": value}, {"state": value, "code": "x"},
                      {"error": value, "error_description": value, "state": state}):
            response = client.get(callback, query)
            assert response.status_code in (400, 403), (query, response.status_code)
        response = client.post(reverse("sso-begin", args=["nhsmail"]), {"next": value})
        assert response.status_code == 302
    assert signed_in_as(client) is None


@pytest.mark.parametrize("others", [0, 40])
def test_the_query_budget_does_not_grow_with_users_or_providers(
        client: Client, provider: RunningProvider, settings: Any, jo: User,
        django_assert_max_num_queries: Any, others: int) -> None:
    for n in range(others):
        UserFactory.create(username=f"other{n}", email=f"jo.pennington{n}@nhs.net",
                           roles=[Role.ENABLER])
    settings.FIELDBOOK_OIDC_PROVIDERS = [provider.setting("nhsmail", "NHSmail")] + [
        provider.setting(f"extra{n}", f"Extra {n}") for n in range(others // 10)]
    with django_assert_max_num_queries(4):
        assert client.get(reverse("login")).status_code == 200
    back = sign_in_at_provider(begin(client), "jo", back_to=f"{BACK}nhsmail/")
    with django_assert_max_num_queries(20):  # 19: django-axes reads its attempts thrice
        response = client.get(back.removeprefix("http://testserver"))
    assert response.status_code == 302 and signed_in_as(client) == "jo"


def test_a_provider_over_plain_http_fails_the_deploy_check(settings: Any) -> None:
    from fieldbook.checks import single_sign_on_deploy

    settings.FIELDBOOK_OIDC_PROVIDERS = [
        {"slug": "plain", "issuer": "http://id.example", "client_id": "a", "client_secret": "b"},
        {"slug": "tls", "issuer": "https://id.example", "client_id": "a", "client_secret": "b"}]
    (warning,) = single_sign_on_deploy()
    assert warning.id == "fieldbook.W020" and "plain" in warning.msg


def test_an_email_in_the_id_token_itself_signs_in_without_asking_userinfo(
        client: Client, settings: Any, jo: User) -> None:
    """Providers differ: most send the email at the userinfo endpoint (as ``oidc-provider`` does
    by default, and every test above), some in the ID token itself."""
    with oidc_provider([f"{BACK}entra/callback/"], email_in_id_token=True) as entra:
        settings.FIELDBOOK_OIDC_PROVIDERS = [entra.setting("entra", "Entra ID")]
        assert sso(client, "jo", slug="entra").status_code == 302
        assert signed_in_as(client) == "jo"
        assert sso(Client(), "jo-unverified", slug="entra").status_code == 403
