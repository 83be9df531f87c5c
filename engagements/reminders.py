"""The weekly digest: on Monday, each enabler hears which of their places had no session logged
in the week before. It is a nudge for the enabler alone — never copied to programme leads (seed
004: no reporting of progress back to the centre) and never quoting what was logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from enablers.models import Assignment
from engagements.querysets import EngagementQuerySet
from fieldbook.audit import audit_append
from fieldbook.models import AuditEvent
from fieldbook.units import monday_of

logger = logging.getLogger(__name__)

DIGEST_ACTION = "engagements.digest.sent"


def last_week(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = monday_of(today) - dt.timedelta(days=7)
    return monday, monday + dt.timedelta(days=6)


def quiet_assignments(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Current assignments to engagements expecting contact (diagnostic or active: a paused
    place is no gap) with no live session logged by anyone between ``start`` and ``end`` — a
    visit postponed or cancelled is logged contact, not a gap — with the enabler's address.
    One query."""
    live = Q(engagement__sessions__deleted_at__isnull=True)
    return list(
        Assignment.objects.filter(
            ended_on__isnull=True, started_on__lte=end,
            enabler__is_active=True, enabler__user__is_active=True,
            engagement__status__in=EngagementQuerySet.EXPECTING_CONTACT,
        )
        .exclude(enabler__user__email="")
        .values("enabler_id", "enabler__user__email", "enabler__user__first_name",
                "enabler__user__username", "engagement_id", "engagement__place__name",
                "engagement__programme__name")
        .annotate(
            logged=Count("engagement__sessions", filter=live & Q(
                engagement__sessions__date__gte=start, engagement__sessions__date__lte=end)),
            last_logged=Max("engagement__sessions__date",
                            filter=live & Q(engagement__sessions__date__lte=end)),
        )
        .filter(logged=0)
        .order_by("enabler_id", "engagement__place__name")
    )


def enabler_digests_send(*, today: dt.date | None = None) -> int:
    """Email each enabler who has quiet places. Returns how many emails were sent.

    Idempotent per week: an audit row marks each enabler's digest as sent, and a second run
    in the same week (a retry, a redelivered message) skips them. Three queries plus one audit
    row per email.
    """
    today = today or timezone.localdate()
    start, end = last_week(today)
    week = start.isoformat()
    by_enabler: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in quiet_assignments(start, end):
        by_enabler[row["enabler_id"]].append(row)
    if not by_enabler:
        return 0
    already = set(
        AuditEvent.objects.filter(
            action=DIGEST_ACTION, object_type="enablers.enabler",
            object_id__in=[str(pk) for pk in by_enabler], changes__week=week,
        ).values_list("object_id", flat=True)
    )
    base_url = settings.FIELDBOOK_BASE_URL.rstrip("/")
    sent = 0
    with get_connection() as connection:
        for enabler_id, rows in by_enabler.items():
            if str(enabler_id) in already:
                continue
            first = rows[0]
            context = {
                "name": first["enabler__user__first_name"] or first["enabler__user__username"],
                "start": start, "end": end, "rows": rows,
                "week_url": f"{base_url}{reverse('engagements:my-week')}",
            }
            message = EmailMultiAlternatives(
                subject=render_to_string("emails/enabler-digest-subject.txt", context).strip(),
                body=render_to_string("emails/enabler-digest.txt", context),
                to=[first["enabler__user__email"]],
                connection=connection,
            )
            message.attach_alternative(
                render_to_string("emails/enabler-digest.html", context), "text/html"
            )
            message.send()
            _mark_sent(enabler_id, week=week, places=len(rows))
            sent += 1
    return sent


def _mark_sent(enabler_id: int, *, week: str, places: int) -> None:
    # Written directly rather than through audit_record(): that needs the Enabler instance,
    # and loading one per email would cost a query for nothing but its name.
    audit_append(
        actor_id=None, action=DIGEST_ACTION, object_type="enablers.enabler",
        object_id=str(enabler_id),
        object_repr=f"Enabler {enabler_id}", changes={"week": week, "places": places},
    )
