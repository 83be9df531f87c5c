"""Subject access's one task: compile a request's pack. Thin: it takes ids and calls the
service; database errors are retried with a bound, and a final failure is recorded on the row.
Registered with the worker by ``engagements.tasks``, which imports it."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from engagements.subjects import services

logger = logging.getLogger(__name__)
MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES,
             name="engagements.compile_subject_access_pack",
             soft_time_limit=settings.FIELDBOOK_JOBS_TIME_LIMIT,
             time_limit=settings.FIELDBOOK_JOBS_TIME_LIMIT + 15)
def compile_subject_access_pack(self: Task, request_id: int, actor_id: int | None = None) -> str:
    try:
        return services.sar_pack_build(request_id=request_id, actor_id=actor_id)
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries >= self.max_retries:
            services.sar_pack_failed(request_id=request_id, error="database unreachable")
            raise
        raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries,
                         args=[request_id, actor_id]) from exc
    except Exception as exc:
        # Never the exception's text on the row or in the log: it could quote a note.
        logger.error("Subject-access request %s: pack not made (%s)", request_id,
                     type(exc).__name__)
        services.sar_pack_failed(request_id=request_id, error=type(exc).__name__)
        raise
