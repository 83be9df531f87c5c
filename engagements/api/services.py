"""Issuing and revoking API clients (an Admin's writes, audited), and checking a token on each
call (who it is, whether it may still call, how often it has called).

A token is ``fbk_`` and 43 URL-safe characters (32 random bytes, ``secrets``). Only its SHA-256
is stored; a database, a backup or the audit log never holds the token itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from engagements.api.models import ApiCall, ApiClient
from engagements.models import Programme
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError

TOKEN_PREFIX = "fbk_"
MAX_DAYS = 366  # a token lives at most about a year: an expiry is a review
RATE_WINDOW = dt.timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class Issued:
    """A new client and its token: the only time the token exists outside the caller's hands."""

    client: ApiClient
    token: str


def _expiry(expires_on: dt.date) -> dt.datetime:
    """The end of ``expires_on`` (local time): the token works all of that day."""
    return timezone.make_aware(dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time()))


@transaction.atomic
def api_client_issue(*, actor: User, name: str, programmes: Iterable[Programme],
                     expires_on: dt.date) -> Issued:
    name, chosen = name.strip(), sorted(programmes, key=lambda p: p.name)
    today = timezone.localdate()
    errors: dict[str | None, list[str]] = {}
    if not name:
        errors["name"] = ["Enter the name of the client, e.g. the system that will call."]
    if not chosen:
        errors["programmes"] = ["Choose at least one programme this client may read."]
    if expires_on <= today:
        errors["expires_on"] = ["The expiry date must be after today."]
    elif expires_on > today + dt.timedelta(days=MAX_DAYS):
        errors["expires_on"] = [f"A token can last at most {MAX_DAYS} days: choose a date on or "
                                f"before {today + dt.timedelta(days=MAX_DAYS):%d %B %Y}."]
    if errors:
        raise DomainError(field_errors=errors)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(name=name, token_hash=token_hash(token), created_by=actor,
                       expires_at=_expiry(expires_on))
    client.full_clean(exclude=["programmes"])
    client.save()
    client.programmes.set(chosen)
    audit_record(actor=actor, action="engagements.api_client.issued", obj=client, changes={
        "name": name, "programmes": [p.name for p in chosen],
        "expires_on": expires_on.isoformat()})
    return Issued(client, token)


@transaction.atomic
def api_client_revoke(*, actor: User, client: ApiClient) -> ApiClient:
    """Revoke a client at once. Compare-and-set on ``revoked_at``: of two admins revoking at
    once, one does it and the other is told when it was revoked."""
    now = timezone.now()
    done = ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, updated_at=now)
    client.refresh_from_db()
    if not done:
        assert client.revoked_at is not None
        raise DomainError(f"{client} was already revoked on "
                          f"{date_format(timezone.localtime(client.revoked_at), 'j F Y, H:i')}.")
    audit_record(actor=actor, action="engagements.api_client.revoked", obj=client,
                 changes={"revoked_at": now.isoformat()})
    return client


class ApiRefused(Exception):
    """A call the API turns away: the status, and a message that tells the caller what to do."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None,
                 client: ApiClient | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after
        self.client = client  # the client refused, when the token was one (for the call log)


@dataclass(frozen=True)
class Caller:
    """A client that may call now (its programmes are read by the query that needs them)."""

    client: ApiClient


def _refuse(client: ApiClient, reason: str, message: str) -> ApiRefused:
    audit_record(actor=None, action="engagements.api_client.refused", obj=client,
                 changes={"reason": reason})
    return ApiRefused(401, message, client=client)


def caller_for_token(token: str) -> Caller:
    """The client a bearer token belongs to, if it may call now. Three queries: the client, its
    calls in the last minute (the rate limit: ``FIELDBOOK_API_CALLS_PER_MINUTE``) and
    ``last_used_at`` (kept to the minute). A revoked or expired token is
    refused with an audit row."""
    now = timezone.now()
    client = ApiClient.objects.filter(token_hash=token_hash(token.strip())).first()
    if client is None:
        raise ApiRefused(401, "This token is not recognised. Check that you sent all of it, or "
                              "ask a Fieldbook admin for a new one.")
    if client.revoked_at is not None:
        when = date_format(timezone.localtime(client.revoked_at), "j F Y")
        raise _refuse(client, "revoked", f"This token was revoked on {when}. Ask a Fieldbook "
                                         f"admin for a new one.")
    if client.expires_at <= now:
        when = date_format(timezone.localtime(client.expires_at - dt.timedelta(seconds=1)),
                           "j F Y")
        raise _refuse(client, "expired", f"This token expired at the end of {when}. Ask a "
                                         f"Fieldbook admin for a new one.")
    # Counted, not locked: calls arriving at the same instant may pass the limit by the number
    # of web threads, which a limit meant to stop a runaway script can live with.
    limit = settings.FIELDBOOK_API_CALLS_PER_MINUTE
    if ApiCall.objects.filter(client=client, called_at__gt=now - RATE_WINDOW).count() >= limit:
        raise ApiRefused(429, f"Too many calls: this client may make {limit} calls a minute. "
                              f"Wait a minute and try again.", retry_after=60,
                          client=client)
    # To the minute: a client calling often does not write its row (and flush the WAL) on
    # every call; the UPDATE then matches nothing.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - RATE_WINDOW)
    ApiClient.objects.filter(stale, pk=client.pk).update(last_used_at=now)
    return Caller(client)


def programme_for(caller: Caller, slug: str) -> Programme:
    """A programme the caller may read, or a 404 that does not say whether it exists. One query
    (the programme by slug, within the client's scope); on a miss, one more tells an unknown
    slug from a programme outside the scope, which is audited."""
    found = Programme.objects.filter(slug=slug[:200], api_clients=caller.client).first()
    if found is not None:
        return found
    programme = Programme.objects.filter(slug=slug[:200]).first()
    if programme is not None:
        audit_record(actor=None, action="engagements.api_client.refused", obj=caller.client,
                     changes={"reason": "out of scope", "programme": programme.slug})
    raise ApiRefused(404, "No programme with this slug is open to this client.")


def call_record(*, client: ApiClient | None, path: str, status: int, started: float,
                ended: float) -> None:
    """Log one call (one INSERT). The path without its query string, NUL-free and cut short."""
    ApiCall.objects.create(client=client, called_at=timezone.now(),
                           path=path.replace("\x00", "")[:300], status=status,
                           duration_ms=max(0, round((ended - started) * 1000)))
