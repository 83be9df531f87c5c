"""Retention's tasks: the daily job that fills the review queue (celery beat), and the run of
an approved disposal. Thin: they call the services. Registered by ``engagements.tasks``."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from engagements.retention import services

logger = logging.getLogger(__name__)
MAX_RETRIES = 5


@shared_task(name="engagements.fill_retention_queue")
def fill_retention_queue() -> dict[str, int]:
    """Puts records past their period in the review queue. Never destroys anything."""
    return services.review_queue_fill()


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES,
             name="engagements.run_disposal")
def run_disposal(self: Task, disposal_id: int) -> str:
    """Destroys an approved disposal's records (claimed once: a redelivery does nothing). A
    database that is briefly away is retried with a bound; the claim is taken inside the
    service, so a retry after the claim finds the disposal failed and stops."""
    try:
        result = services.disposal_run(disposal_id=disposal_id)
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries >= self.max_retries:
            raise
        raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries,
                         args=[disposal_id]) from exc
    if result is None:
        return "not approved, or already run"
    return f"destroyed {sum(result.destroyed.values())}, {result.held} left on hold"
