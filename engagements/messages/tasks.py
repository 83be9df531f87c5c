"""The messages pipeline's one task: render a published version's tagged PDF. Thin: it takes
an id and calls the service; database errors are retried with a bound (as the summaries' PDF
task). Registered with the worker by ``engagements.tasks``, which imports it."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from engagements.messages import services

logger = logging.getLogger(__name__)
MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES,
             name="engagements.render_messages_pdf",
             soft_time_limit=settings.FIELDBOOK_JOBS_TIME_LIMIT,
             time_limit=settings.FIELDBOOK_JOBS_TIME_LIMIT + 15)
def render_messages_pdf(self: Task, publication_id: int) -> str:
    try:
        return services.publication_render_pdf(publication_id=publication_id)
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries >= self.max_retries:
            logger.error("Messages version %s: PDF not stored, database unreachable (%s)",
                         publication_id, type(exc).__name__)
            raise
        raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries,
                         args=[publication_id]) from exc
