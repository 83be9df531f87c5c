"""Single sign-on with OpenID Connect: any number of identity providers, switched on by settings
(``FIELDBOOK_OIDC_PROVIDERS``; README "Single sign-on"), through Authlib's Django client.

The rules, whichever provider:

- a provider only says who someone is: the user is the EXISTING, active Fieldbook account whose
  email address is the one the provider vouches for (its ``email_verified`` claim, or the claim
  the provider is configured to use, must be true). Nobody is signed up at sign-in, and roles
  still come from Fieldbook;
- the provider's multi-factor claim (``amr`` holding ``mfa``, ``otp`` or ``hwk``, or an ``acr``
  value named for that provider) proves Fieldbook's second factor only when the provider is
  configured to be trusted for it; otherwise the user proves one in Fieldbook as after a password;
- state, nonce (and PKCE) are checked by Authlib; the ID token's signature, issuer, audience and
  expiry too. Anything amiss is refused with a page that says why, and an audit row.

``sso_match`` decides; the views (``fieldbook.oidc_views``) do the redirects and the signing in.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

if TYPE_CHECKING:
    from authlib.integrations.django_client import DjangoOAuth2App
    from django.contrib.auth.models import User

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MFA_AMR = frozenset({"mfa", "otp", "hwk"})
# The session key that says the provider proved the second factor (for this user only):
# fieldbook.middleware.OTPMiddleware reads it.
SSO_MFA_SESSION_KEY = "fieldbook_sso_mfa"
NEXT_SESSION_KEY = "fieldbook_sso_next"
HTTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class OIDCProvider:
    slug: str
    name: str
    discovery_url: str
    client_id: str
    client_secret: str
    trust_mfa: bool = False
    mfa_acr: tuple[str, ...] = ()
    verified_claim: str = "email_verified"
    scope: str = "openid email profile"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.discovery_url)
        return f"{parts.scheme}://{parts.netloc}"


def _provider(raw: dict[str, Any]) -> OIDCProvider:
    slug = str(raw.get("slug", "")).strip().lower()
    if not SLUG.match(slug):
        raise ImproperlyConfigured(
            f"FIELDBOOK_OIDC_PROVIDERS: {slug!r} is not a usable name (letters, digits, -).")
    discovery = str(raw.get("discovery_url") or "").strip()
    issuer = str(raw.get("issuer") or "").strip()
    if not discovery and issuer:
        discovery = issuer.rstrip("/") + "/.well-known/openid-configuration"
    missing = [label for label, value in (("DISCOVERY_URL or ISSUER", discovery),
                                          ("CLIENT_ID", raw.get("client_id")),
                                          ("CLIENT_SECRET", raw.get("client_secret")))
               if not value]
    if missing:
        prefix = f"FIELDBOOK_OIDC_{slug.upper().replace('-', '_')}_"
        raise ImproperlyConfigured(
            "Single sign-on provider " + slug + " needs " + ", ".join(prefix + m for m in missing))
    return OIDCProvider(
        slug=slug, name=str(raw.get("name") or slug), discovery_url=discovery,
        client_id=str(raw["client_id"]), client_secret=str(raw["client_secret"]),
        trust_mfa=bool(raw.get("trust_mfa", False)),
        mfa_acr=tuple(str(v) for v in raw.get("mfa_acr") or ()),
        verified_claim=str(raw.get("verified_claim") or "email_verified"),
        scope=str(raw.get("scope") or "openid email profile"),
    )


@functools.cache
def providers() -> tuple[OIDCProvider, ...]:
    """The configured providers, in the order of the setting. No query."""
    found = tuple(_provider(raw) for raw in getattr(settings, "FIELDBOOK_OIDC_PROVIDERS", []))
    slugs = [p.slug for p in found]
    if len(set(slugs)) != len(slugs):
        raise ImproperlyConfigured("FIELDBOOK_OIDC_PROVIDERS names a provider twice.")
    return found


def provider_for(slug: str) -> OIDCProvider | None:
    return next((p for p in providers() if p.slug == slug), None)


@functools.cache
def client_for(provider: OIDCProvider) -> DjangoOAuth2App:
    """Authlib's client for one provider: it reads the discovery document and the signing keys
    once (then keeps them), and does the state, nonce and PKCE bookkeeping in the session."""
    from authlib.integrations.django_client import OAuth

    oauth = OAuth()
    client: DjangoOAuth2App = oauth.register(
        name=provider.slug,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.discovery_url,
        client_kwargs={"scope": provider.scope, "code_challenge_method": "S256",
                       "default_timeout": HTTP_TIMEOUT_SECONDS},
    )
    return client


def form_action_origins() -> list[str]:
    """Where the sign-in page's "Sign in with …" forms may end up (CSP form-action follows the
    redirect): each provider's own origin and, once its discovery document has been read, the
    origin of its authorisation endpoint. No request to the provider."""
    origins: list[str] = []
    for provider in providers():
        found = [provider.origin]
        metadata = getattr(client_for(provider), "server_metadata", None) or {}
        endpoint = metadata.get("authorization_endpoint")
        if endpoint:
            parts = urlsplit(str(endpoint))
            found.append(f"{parts.scheme}://{parts.netloc}")
        origins.extend(o for o in found if o not in origins)
    return origins


@receiver(setting_changed, dispatch_uid="fieldbook.oidc.setting_changed")
def _forget_providers(setting: str, **kwargs: Any) -> None:
    if setting == "FIELDBOOK_OIDC_PROVIDERS":
        providers.cache_clear()


def mfa_proved(provider: OIDCProvider, claims: dict[str, Any]) -> bool:
    """Whether the provider says it checked a second factor, and is trusted to."""
    if not provider.trust_mfa:
        return False
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if MFA_AMR.intersection(str(v).lower() for v in amr if isinstance(v, str)):
        return True
    acr = claims.get("acr")
    return bool(acr and provider.mfa_acr and str(acr) in provider.mfa_acr)


@dataclass(frozen=True)
class Match:
    """What the provider's claims come to: a user to sign in, or a refusal (``reason``)."""

    user: User | None
    reason: str  # "" when signed in; else unverified, unknown, ambiguous, deactivated
    email: str


def sso_match(provider: OIDCProvider, claims: dict[str, Any]) -> Match:
    """The one active account with the verified email address the provider gave. One query."""
    email = claims.get("email")
    email = email.strip() if isinstance(email, str) else ""
    verified = claims.get(provider.verified_claim)
    if not email or "@" not in email or len(email) > 254:
        return Match(None, "no_email", "")
    if verified is not True and str(verified).lower() != "true":
        return Match(None, "unverified", email)
    users = list(get_user_model()._default_manager.filter(email__iexact=email)
                 .order_by("-is_active", "pk")[:3])
    active = [user for user in users if user.is_active]
    if not users:
        return Match(None, "unknown", email)
    if not active:
        return Match(users[0], "deactivated", email)
    if len(active) > 1:
        return Match(None, "ambiguous", email)
    return Match(active[0], "", email)
