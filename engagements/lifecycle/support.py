"""Requests for support from places (issue 17, point 2: pull, not push).

Someone in a place fills in the programme's public request page (no account). A honeypot field
and a rate limit per client (``FIELDBOOK_SUPPORT_REQUESTS_PER_CLIENT`` an hour, counted on an
HMAC of the address, which itself is not kept) stand in for a CAPTCHA. The request waits in the
programme's triage list; a lead or admin accepts it (the engagement is created, or a requested
one moved on, with the date the place asked) or declines it with a reason, which is emailed
back by a Celery task queued after commit. Every step is audited; triage is a compare-and-set
on the request's ``version``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from engagements.lifecycle import services as lifecycle
from engagements.lifecycle.models import SupportRequest
from engagements.models import Engagement, Programme
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from fieldbook.throttling import address_digest
from fieldbook.units import EARLIEST_DATE
from places.models import Place, Region
from places.slugs import unique_slug

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RATE_WINDOW = dt.timedelta(hours=1)
S = Engagement.Status


class RateLimited(DomainError):
    """Too many requests from one client within the hour."""


class HoneypotFilled(DomainError):
    """The hidden field a person never sees was filled in: an automated submission."""


@dataclass
class RequestInput:
    place: Place | None
    new_place_name: str
    region: Region | None
    contact_name: str
    contact_role: str
    organisation: str
    email: str
    help_with: str
    why_now: str
    asked_on: dt.date | None
    honeypot: str = ""


def client_digest_for(ip: str | None) -> str:
    return address_digest(ip) if ip else ""


def _errors(data: RequestInput, today: dt.date) -> dict[str | None, list[str]]:
    errors: dict[str | None, list[str]] = {}

    def need(name: str, value: str, message: str) -> None:
        if not value.strip():
            errors[name] = [message]

    if data.place is None and not data.new_place_name.strip():
        errors["place"] = ["Choose your place, or name it if it is not in the list"]
    if data.place is not None and data.new_place_name.strip():
        errors["new_place_name"] = ["Choose your place from the list or name a new one, "
                                    "not both"]
    if data.place is None and data.new_place_name.strip() and data.region is None:
        errors["region"] = ["Choose the region your place is in"]
    need("contact_name", data.contact_name, "Enter your name")
    need("contact_role", data.contact_role, "Enter your role, for example Director of "
                                            "Operations")
    need("organisation", data.organisation, "Enter the organisation you work for")
    need("email", data.email, "Enter your email address, so the programme can reply")
    need("help_with", data.help_with, "Enter what you would like help with")
    need("why_now", data.why_now, "Enter why you are asking now")
    if data.asked_on is None:
        errors["asked_on"] = ["Enter the date your place decided to ask for support"]
    elif data.asked_on > today:
        errors["asked_on"] = ["The date you asked cannot be in the future"]
    elif data.asked_on < EARLIEST_DATE:
        errors["asked_on"] = [f"Enter a date after {EARLIEST_DATE:%-d %B %Y}"]
    return errors


@transaction.atomic
def support_request_submit(*, programme: Programme, data: RequestInput, client_ip: str | None,
                           today: dt.date | None = None) -> SupportRequest:
    """Record a request for support. Refused whole (nothing saved) if the honeypot is filled,
    the client is over its rate, or a field is missing. Three queries and the insert."""
    today = today or timezone.localdate()
    if data.honeypot.strip():
        raise HoneypotFilled("Your request could not be sent. Leave the last field, "
                             "“Leave this empty”, empty and send it again.")
    digest = client_digest_for(client_ip)
    if digest:
        recent = SupportRequest.objects.filter(
            client_digest=digest, created_at__gte=timezone.now() - RATE_WINDOW).count()
        if recent >= settings.FIELDBOOK_SUPPORT_REQUESTS_PER_CLIENT:
            raise RateLimited("Too many requests have been sent from your connection in the "
                              "last hour. Nothing was saved: please try again in an hour, or "
                              "email the programme team.")
    errors = _errors(data, today)
    if errors:
        raise DomainError(field_errors=errors)
    region = data.place.region if data.place is not None else data.region
    assert region is not None and data.asked_on is not None  # checked above
    request = SupportRequest.objects.create(
        programme=programme, place=data.place,
        new_place_name="" if data.place else data.new_place_name.strip(), region=region,
        contact_name=data.contact_name.strip(), contact_role=data.contact_role.strip(),
        organisation=data.organisation.strip(), email=data.email.strip(),
        help_with=data.help_with.strip(), why_now=data.why_now.strip(),
        asked_on=data.asked_on, client_digest=digest)
    # Who asked is personal data: the audit row keeps the role and organisation, not the name.
    audit_record(actor=None, action="engagements.support_request.received", obj=request,
                 changes={"programme": str(programme), "place": request.place_name,
                          "region": str(region), "role": request.contact_role,
                          "organisation": request.organisation,
                          "asked_on": request.asked_on.isoformat()})
    return request


def _claim(request: SupportRequest, seen: int, state: str, actor: User,
           decline_reason: str = "", engagement: Engagement | None = None) -> None:
    claimed = SupportRequest.objects.filter(
        pk=request.pk, version=seen, state=SupportRequest.State.PENDING,
    ).update(state=state, decided_by=actor, decided_at=timezone.now(),
             decline_reason=decline_reason, engagement=engagement,
             version=F("version") + 1, updated_at=timezone.now())
    if not claimed:
        current = SupportRequest.objects.filter(pk=request.pk).values("state").first()
        said = (SupportRequest.State(current["state"]).label.lower() if current
                else "removed")
        raise DomainError(f"This request was changed since you opened it: it is now {said}. "
                          "Nothing has been changed by you.")


@transaction.atomic
def support_request_accept(*, actor: User, request: SupportRequest, seen: int,
                           start_as: str, days_allocated: Decimal | None = None,
                           today: dt.date | None = None) -> Engagement:
    """Accept: the place (made, if it was new) gets an engagement in the programme, requested
    on the date the place gave, then in the diagnostic or active (``start_as``)."""
    today = today or timezone.localdate()
    errors: dict[str | None, list[str]] = {}
    if start_as not in (S.DIAGNOSTIC, S.ACTIVE):
        errors["start_as"] = ["Choose whether to start with a diagnostic or with support"]
    if days_allocated is not None and not Decimal(0) <= days_allocated <= lifecycle.MAX_DAYS:
        errors["days_allocated"] = ["Enter days allocated from 0 to 9999.9"]
    if errors:
        raise DomainError(field_errors=errors)
    place = request.place
    if place is None:
        name = request.new_place_name
        place = Place.objects.filter(region=request.region, name__iexact=name).first()
        if place is None:
            try:
                with transaction.atomic():
                    place = Place.objects.create(
                        name=name, slug=unique_slug(Place, name), region=request.region,
                        onboarding_status=Place.OnboardingStatus.DRAFT)
            except IntegrityError as exc:
                raise DomainError("The place could not be created: try again.") from exc
            audit_record(actor=actor, action="places.place.created", obj=place,
                         changes={"name": name, "region": str(request.region),
                                  "from": "request for support"})
    engagement = Engagement.objects.filter(programme=request.programme, place=place).first()
    if engagement is not None and engagement.status != S.REQUESTED:
        raise DomainError(f"{place} already has an engagement in this programme "
                          f"({engagement.get_status_display().lower()}). Decline this "
                          "request with a reason, or change that engagement from its page.")
    if engagement is None:
        engagement = Engagement.objects.create(
            programme=request.programme, place=place, requested_on=request.asked_on,
            status=S.REQUESTED, focus=request.help_with[:2000], days_allocated=days_allocated)
        lifecycle.engagement_request(actor=actor, engagement=engagement,
                                     requested_on=request.asked_on)
    _claim(request, seen, SupportRequest.State.ACCEPTED, actor, engagement=engagement)
    if start_as == S.DIAGNOSTIC:
        saved = lifecycle.engagement_start_diagnostic(
            actor=actor, engagement=engagement, seen=engagement.version, today=today)
    else:
        saved = lifecycle.engagement_activate(actor=actor, engagement=engagement,
                                              seen=engagement.version, today=today)
    audit_record(actor=actor, action="engagements.support_request.accepted", obj=request,
                 changes={"engagement": str(saved), "start_as": start_as})
    return saved


@transaction.atomic
def support_request_decline(*, actor: User, request: SupportRequest, seen: int,
                            reason: str) -> SupportRequest:
    """Decline with a reason, which is emailed to the person who asked (after commit)."""
    from engagements.lifecycle.tasks import mail_support_request_declined

    reason = (reason or "").strip()
    if not reason:
        raise DomainError(field_errors={"reason": [
            "Enter why the request is declined: the person who asked is sent this reason"]})
    if len(reason) > lifecycle.MAX_TEXT:
        raise DomainError(field_errors={"reason": [
            f"Write {lifecycle.MAX_TEXT:,} characters or fewer"]})
    _claim(request, seen, SupportRequest.State.DECLINED, actor, decline_reason=reason)
    audit_record(actor=actor, action="engagements.support_request.declined", obj=request,
                 changes={"reason": reason})
    pk = request.pk
    transaction.on_commit(lambda: mail_support_request_declined.delay(pk))
    request.refresh_from_db()
    return request


def support_request_mail_declined(*, request_id: int) -> str:
    """Send the decline email once: the row is claimed (``decline_mailed_at`` set) first, and
    released if sending fails so a retry sends it."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    now = timezone.now()
    claimed = SupportRequest.objects.filter(
        pk=request_id, state=SupportRequest.State.DECLINED, decline_mailed_at__isnull=True,
    ).update(decline_mailed_at=now)
    if not claimed:
        return "already sent or not declined"
    request = SupportRequest.objects.select_related("programme", "place").get(pk=request_id)
    context = {"request": request, "programme": request.programme}
    try:
        send_mail(
            subject=f"Your request for support from {request.programme}",
            message=render_to_string("emails/support-request-declined.txt", context),
            from_email=None, recipient_list=[request.email])
    except Exception:
        SupportRequest.objects.filter(pk=request_id, decline_mailed_at=now).update(
            decline_mailed_at=None)
        raise
    return "sent"
