"""A local protocol whose review falls due: the person who recorded it hears once for each
review date, ``REVIEW_NOTICE_DAYS`` (28) days ahead (or as soon as the job runs, if later).
Daily by celery beat (``engagements.remind_protocol_reviews``). Idempotent through state: a
protocol is claimed by ``UPDATE ... SET reminded_for = review_on WHERE reminded_for IS
DISTINCT FROM review_on`` before its mail goes, so a re-run or a second worker sends nothing
twice; changing the review date (``services.protocol_change``) clears the claim."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from engagements.context.models import LocalProtocol
from engagements.context.reads import REVIEW_NOTICE_DAYS
from engagements.models import Engagement
from fieldbook.audit import audit_record

logger = logging.getLogger(__name__)


def due_protocols(today: dt.date) -> list[LocalProtocol]:
    """Protocols whose review is within the notice, not yet reminded for that date, recorded by
    an active user with an address. One query."""
    return list(
        LocalProtocol.objects.filter(review_on__lte=today + dt.timedelta(days=REVIEW_NOTICE_DAYS),
                                     created_by__is_active=True)
        .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("review_on")))
        .exclude(created_by__email="")
        .annotate(programme_slug=Subquery(
            Engagement.objects.filter(place_id=OuterRef("board__place_id"))
            .order_by("-pk").values("programme__slug")[:1]))
        .select_related("board__place", "created_by").order_by("review_on", "pk"))


def protocol_reviews_remind(*, today: dt.date | None = None) -> int:
    """Send each due protocol's reminder once. Returns how many were sent."""
    today = today or timezone.localdate()
    sent = 0
    for protocol in due_protocols(today):
        claimed = LocalProtocol.objects.filter(pk=protocol.pk).filter(
            Q(reminded_for__isnull=True) | ~Q(reminded_for=protocol.review_on)).update(
            reminded_for=protocol.review_on, updated_at=timezone.now())
        if not claimed:
            continue
        place = protocol.board.place
        slug = getattr(protocol, "programme_slug", None)
        url = (settings.FIELDBOOK_BASE_URL.rstrip("/")
               + reverse("engagements:place", args=[slug, place.slug]) + "#uec") if slug else ""
        context = {"protocol": protocol, "place": place, "overdue": protocol.review_on < today,
                   "url": url}
        subject = render_to_string("emails/protocol-review-subject.txt", context).strip()
        body = render_to_string("emails/protocol-review.txt", context)
        assert protocol.created_by is not None
        send_mail(subject, body, None, [protocol.created_by.email])
        audit_record(actor=None, action="engagements.protocol.review_reminded", obj=protocol,
                     place_id=place.pk, changes={"review_on": protocol.review_on.isoformat()})
        sent += 1
    return sent
