"""A declined request for support, end to end on the real broker: the lead declines it in the
triage page, and a real ``celery worker`` (tests/test_celery_worker.py's fixture) takes the
mail task from Redis and sends the reason once (the row's claim says it was sent)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.lifecycle.models import SupportRequest

from .factories import ProgrammeFactory, RegionFactory
from .test_celery_worker import worker  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def test_a_real_worker_mails_a_declined_requests_reason(
    worker: dict[str, Any], lead_client: Any  # noqa: F811
) -> None:
    programme = ProgrammeFactory.create(slug="worker-pioneers")
    request = SupportRequest.objects.create(
        programme=programme, new_place_name="Northvale", region=RegionFactory.create(),
        contact_name="Ada Fell", contact_role="Director", organisation="Trust",
        email="ada@example.org", help_with="Help", why_now="Now",
        asked_on=timezone.localdate())
    response = lead_client.post(
        reverse("engagements:triage-decide", args=[programme.slug, request.pk]),
        {"seen": "1", "decision": "decline", "reason": "The programme is full this year."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == "declined"
    deadline = time.monotonic() + 60
    while request.decline_mailed_at is None and time.monotonic() < deadline:
        assert worker["process"].poll() is None, worker["log"].read_text()[-3000:]
        time.sleep(0.2)
        request.refresh_from_db()
    assert request.decline_mailed_at is not None, worker["log"].read_text()[-3000:]
    deadline = time.monotonic() + 10
    log = ""
    while "succeeded" not in log and time.monotonic() < deadline:
        log = "\n".join(line for line in worker["log"].read_text().splitlines()
                        if "mail_support_request_declined" in line)
        time.sleep(0.1)
    assert "succeeded" in log and "'sent'" in log, log
