"""The lifecycle's one task: email a declined request's reason to the person who asked. Thin:
it takes an id and calls the service (claimed once, so a redelivery sends nothing twice);
mail and database errors are retried with a bound. Registered by ``engagements.tasks``."""

from __future__ import annotations

import logging
import smtplib

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from engagements.lifecycle import support

logger = logging.getLogger(__name__)
MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES,
             name="engagements.mail_support_request_declined")
def mail_support_request_declined(self: Task, request_id: int) -> str:
    try:
        return support.support_request_mail_declined(request_id=request_id)
    except (OperationalError, InterfaceError, smtplib.SMTPException, OSError) as exc:
        if self.request.retries >= self.max_retries:
            logger.error("Support request %s: decline email not sent (%s)", request_id,
                         type(exc).__name__)
            raise
        raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries,
                         args=[request_id]) from exc
