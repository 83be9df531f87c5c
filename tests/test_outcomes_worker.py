"""The respondent link's mail on the real broker: an enabler sends an outcome, and a real
``celery worker`` process takes the message from Redis and sends the link (``sent_at`` and the
audit row are written by the worker, in the database this test reads)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.urls import reverse

from engagements.models import Outcome
from engagements.respondents.models import RespondentLink
from fieldbook.models import AuditEvent

from .factories import BoardMembershipFactory, DeliveryBoardFactory, OutcomeFactory, PersonFactory
from .test_celery_worker import READY_WITHIN, worker  # noqa: F401 (the fixture)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def test_a_real_worker_mails_the_respondent_link(
    worker: dict[str, Any], enabler_client: Any, enabler_user: Any,  # noqa: F811
) -> None:
    engagement = enabler_user.enabler.assignments.get().engagement
    board = DeliveryBoardFactory.create(place=engagement.place)
    contact = PersonFactory.create(email="contact@example.org")
    BoardMembershipFactory.create(board=board, person=contact)
    outcome = OutcomeFactory.create(engagement=engagement, status=Outcome.Status.DRAFT)
    response = enabler_client.post(reverse("engagements:outcome-send", args=[outcome.pk]),
                                   {"seen": outcome.version, "person": contact.pk})
    assert response.status_code == 302
    link = RespondentLink.objects.get()
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline and link.sent_at is None:
        assert worker["process"].poll() is None, worker["log"].read_text()[-4000:]
        time.sleep(0.2)
        link.refresh_from_db()
    assert link.sent_at is not None, worker["log"].read_text()[-4000:]
    assert AuditEvent.objects.filter(action="engagements.respondent.sent",
                                     object_id=str(link.pk)).exists()
