"""Fieldbook's own deployment checks, run by ``manage.py check --deploy`` next to Django's.

CI runs ``check --deploy --fail-level WARNING`` with the production settings, so each of these
stops a release that would weaken the controls the tests prove.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

_LOCAL_MAIL = ("django.core.mail.backends.console.EmailBackend",
               "django.core.mail.backends.locmem.EmailBackend",
               "django.core.mail.backends.filebased.EmailBackend")


@register(Tags.security, deploy=True)
def production_security(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    problems: list[Warning] = []
    if not settings.FIELDBOOK_REQUIRE_2FA:
        problems.append(Warning(
            "Two-factor authentication is switched off (FIELDBOOK_REQUIRE_2FA=false).",
            hint="Everyone must prove a second factor (a passkey or an authenticator app) in "
                 "production: unset FIELDBOOK_REQUIRE_2FA or set it to true.",
            id="fieldbook.W001",
        ))
    if settings.EMAIL_BACKEND in _LOCAL_MAIL:
        problems.append(Warning(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: password-reset and invitation links "
            "would be written to the log or kept in the process, not sent.",
            hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST.",
            id="fieldbook.W002",
        ))
    if not settings.AXES_ENABLED:
        problems.append(Warning(
            "Sign-in throttling (django-axes) is switched off.",
            hint="Unset AXES_ENABLED.", id="fieldbook.W003",
        ))
    policy = settings.CONTENT_SECURITY_POLICY.get("DIRECTIVES", {})
    script = " ".join(policy.get("script-src", policy.get("default-src", [])))
    if "'unsafe-inline'" in script or "'unsafe-eval'" in script:
        problems.append(Warning(
            "The Content Security Policy allows inline or eval'd script.",
            id="fieldbook.W004",
        ))
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(Warning(
            "The Content Security Policy lets other sites frame Fieldbook.",
            hint="frame-ancestors 'none'.", id="fieldbook.W005",
        ))
    if settings.FIELDBOOK_SESSION_IDLE_SECONDS > 60 * 60 or \
            settings.FIELDBOOK_SESSION_MAX_SECONDS > 24 * 60 * 60:
        problems.append(Warning(
            "Sessions outlive an hour of inactivity or a day in all.",
            hint="FIELDBOOK_SESSION_IDLE_MINUTES <= 60 and FIELDBOOK_SESSION_MAX_HOURS <= 24.",
            id="fieldbook.W006",
        ))
    rp_id = settings.OTP_WEBAUTHN_RP_ID
    origins = settings.OTP_WEBAUTHN_ALLOWED_ORIGINS
    if rp_id in ("", "localhost") or not origins or any(
            not origin.startswith(f"https://{rp_id}") for origin in origins):
        problems.append(Warning(
            f"Passkeys are set up for {rp_id or 'no site'} and {origins or 'no origin'}: they "
            "would not work on the real site, or would bind to the wrong name.",
            hint="Set OTP_WEBAUTHN_RP_ID to the site's host name (fieldbook.example.nhs.uk) "
                 "and OTP_WEBAUTHN_ALLOWED_ORIGINS to its https:// address.",
            id="fieldbook.W007",
        ))
    return problems


@register(Tags.security)
def single_sign_on(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Each provider named in FIELDBOOK_OIDC_PROVIDERS has what it needs (fieldbook.oidc)."""
    from django.core.exceptions import ImproperlyConfigured

    from fieldbook.oidc import providers

    providers.cache_clear()
    try:
        providers()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="See README \"Single sign-on\".", id="fieldbook.E010")]
    return []


@register(Tags.security, deploy=True)
def single_sign_on_deploy(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """A provider reached over plain HTTP could be impersonated on the network: its ID tokens'
    keys and the code exchange would travel unprotected."""
    from django.core.exceptions import ImproperlyConfigured

    from fieldbook.oidc import providers

    try:
        found = providers()
    except ImproperlyConfigured:
        return []  # fieldbook.E010 says so
    return [Warning(
        f"Single sign-on provider {provider.slug} is reached over plain HTTP "
        f"({provider.discovery_url}).",
        hint="Use the provider's https:// issuer or discovery URL.", id="fieldbook.W020",
    ) for provider in found if not provider.discovery_url.startswith("https://")]
