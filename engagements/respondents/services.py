"""Respondent links: make, send, find, open, use, revoke; and the throttle on bad links.

A token is ``secrets.token_urlsafe(32)`` signed with ``django.core.signing`` (salt
``SALT``): a link whose signature does not match was tampered with, and is refused before any
row is read. Only the SHA-256 of the whole token is stored. The purpose's own service
(e.g. engagements.outcomes.services.outcome_respond) calls ``link_claim`` inside its
transaction, so the answer and the link's single use commit together, or neither does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.mail import send_mail
from django.db import models, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from engagements.respondents.models import RespondentAttempt, RespondentLink
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from fieldbook.security import client_ip
from places.models import Person

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SALT = "fieldbook.respondents"
LINK_DAYS = 14
ATTEMPT_WINDOW = dt.timedelta(hours=1)
ATTEMPTS_KEPT = dt.timedelta(days=1)
# A link's states, as ``link_find`` names them; each but "valid" has its own page.
STATES = ("valid", "tampered", "unknown", "used", "expired", "revoked")


class LinkUnusable(DomainError):
    """The link cannot be used; ``state`` says why (one of ``STATES`` but "valid")."""

    def __init__(self, state: str) -> None:
        self.state = state
        super().__init__("This link cannot be used.")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def _target_filter(purpose: str, target: models.Model) -> dict[str, object]:
    return {"purpose": purpose, "content_type": ContentType.objects.get_for_model(target),
            "object_id": target.pk}


def open_link_for(purpose: str, target: models.Model) -> RespondentLink | None:
    return RespondentLink.objects.filter(
        **_target_filter(purpose, target), used_at__isnull=True, revoked_at__isnull=True,
    ).select_related("person").first()


@transaction.atomic
def link_revoke(*, actor: User | None, link: RespondentLink, reason: str = "revoked") -> bool:
    """Revoke an open link (it then gets the "revoked" page). False if it was no longer open
    (used or revoked meanwhile: one conditional UPDATE, so a race cannot revoke a used link)."""
    now = timezone.now()
    done = RespondentLink.objects.filter(
        pk=link.pk, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now)
    if done:
        link.revoked_at = now
        audit_record(actor=actor, action="engagements.respondent.revoked", obj=link,
                     changes={"purpose": link.purpose, "reason": reason})
    return bool(done)


@transaction.atomic
def link_create(
    *, actor: User | None, purpose: str, target: models.Model, person: Person,
    now: dt.datetime | None = None,
) -> tuple[RespondentLink, str]:
    """A new link for ``person`` to answer ``purpose`` about ``target``; any open link for the
    same object and purpose is revoked first. Returns the link and its token (the only time the
    token exists outside the mail). The caller checks that ``person`` may answer."""
    if purpose not in RespondentLink.Purpose.values:
        raise DomainError("Unknown purpose for a respondent link.")
    if not person.email:
        raise DomainError(field_errors={"person": [
            "This person has no email address. Choose someone with one, or ask an admin to "
            "add theirs."]})
    now = now or timezone.now()
    previous = open_link_for(purpose, target)
    if previous is not None:
        link_revoke(actor=actor, link=previous, reason="replaced by a new link")
    token = _signer().sign(secrets.token_urlsafe(32))
    link = RespondentLink.objects.create(
        **_target_filter(purpose, target), person=person, email=person.email,
        created_by=actor, token_hash=token_hash(token),
        expires_at=now + dt.timedelta(days=LINK_DAYS))
    audit_record(actor=actor, action="engagements.respondent.created", obj=link, changes={
        "purpose": purpose, "object": f"{target._meta.label_lower}:{target.pk}",
        "person_id": person.pk, "expires_at": link.expires_at.isoformat()})
    return link, token


def link_send_after_commit(link: RespondentLink, token: str,
                           link_for: Callable[[str], str]) -> None:
    """Queue the mail once the link is saved. The task gets the link's id and its URL: the URL
    holds the token, which exists nowhere else (the database has its hash only); it passes
    through the broker once, as a password-reset mail's link would."""
    from engagements.respondents.tasks import send_respondent_link

    url = link_for(token)
    transaction.on_commit(lambda: send_respondent_link.delay(link.pk, url), robust=True)


def link_mail(*, link_id: int, url: str) -> str:
    """Send the link to its person (the task's work). Idempotent: a link already sent, used or
    revoked is not mailed again. Returns what happened."""
    link = (RespondentLink.objects.select_related("person__organisation", "created_by")
            .filter(pk=link_id).first())
    if link is None or link.sent_at is not None or not link.is_open:
        return "skipped"
    context = {"link": link, "url": url, "person": link.person,
               "purpose": link.get_purpose_display(), "expires_at": link.expires_at}
    subject = render_to_string("emails/respondent-link-subject.txt", context).strip()
    body = render_to_string("emails/respondent-link.txt", context)
    send_mail(subject, body, None, [link.email])
    now = timezone.now()
    RespondentLink.objects.filter(pk=link.pk, sent_at__isnull=True).update(
        sent_at=now, updated_at=now)
    audit_record(actor=None, action="engagements.respondent.sent", obj=link,
                 changes={"purpose": link.purpose})
    return "sent"


def link_find(token: str, *, now: dt.datetime | None = None
              ) -> tuple[RespondentLink | None, str]:
    """The link a token points at, and its state (one of ``STATES``). No query for a token
    whose signature is wrong; one otherwise."""
    if not token or len(token) > 200:
        return None, "unknown"
    try:
        _signer().unsign(token)
    except signing.BadSignature:
        return None, "tampered"
    link = (RespondentLink.objects.select_related("person__organisation")
            .filter(token_hash=token_hash(token)).first())
    if link is None:
        return None, "unknown"
    if link.used_at:
        return link, "used"
    if link.revoked_at:
        return link, "revoked"
    if link.expires_at <= (now or timezone.now()):
        return link, "expired"
    return link, "valid"


def link_open(link: RespondentLink) -> None:
    """Note the first time the link's page was opened (audited once)."""
    if link.opened_at is not None:
        return
    now = timezone.now()
    if RespondentLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(
            opened_at=now, updated_at=now):
        link.opened_at = now
        audit_record(actor=None, action="engagements.respondent.opened", obj=link,
                     changes={"purpose": link.purpose})


def link_claim(*, token: str, purpose: str, now: dt.datetime | None = None) -> RespondentLink:
    """Use the link, once: inside the caller's transaction, the row is locked and marked used,
    so the same link posted twice at once answers once. Raises ``DomainError`` for a link that
    is not valid: ``LinkUnusable`` (the caller shows that state's page)."""
    now = now or timezone.now()
    link, state = link_find(token, now=now)
    if link is None or state != "valid" or link.purpose != purpose:
        raise LinkUnusable("unknown" if state == "valid" else state)
    locked = (RespondentLink.objects.select_for_update()
              .filter(pk=link.pk, used_at__isnull=True, revoked_at__isnull=True).first())
    if locked is None:
        raise LinkUnusable("used")
    RespondentLink.objects.filter(pk=link.pk).update(used_at=now, updated_at=now)
    link.used_at = now
    return link


# -- the throttle ---------------------------------------------------------------------------

def throttled(request: HttpRequest) -> bool:
    """Whether this client has had more than ``FIELDBOOK_RESPONDENT_MISSES_PER_CLIENT`` bad
    links within the hour (like sign-in's spraying limit: guessing tokens is turned away, a
    contact with one good link never is). One query, and one that forgets old attempts."""
    now = timezone.now()
    RespondentAttempt.objects.filter(created_at__lt=now - ATTEMPTS_KEPT).delete()
    ip = client_ip(request) or None
    misses = RespondentAttempt.objects.filter(client_ip=ip,
                                              created_at__gte=now - ATTEMPT_WINDOW).count()
    return misses >= settings.FIELDBOOK_RESPONDENT_MISSES_PER_CLIENT


def attempt_record(request: HttpRequest) -> None:
    RespondentAttempt.objects.create(client_ip=client_ip(request) or None)


def link_send_failed(*, link_id: int, error: str) -> None:
    """Record on the link that its mail could not be sent (the enabler sees it and can send
    again). ``error`` is our words or an exception's class, never data."""
    RespondentLink.objects.filter(pk=link_id).update(send_error=error[:300],
                                                     updated_at=timezone.now())
