"""The respondent link's mail: a thin task (an id and the link's URL), retried on transient
errors with a bound."""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from engagements.respondents import services

RETRIED = (OperationalError, InterfaceError, smtplib.SMTPException, ConnectionError)
MAX_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_RETRIES, name="engagements.send_respondent_link")
def send_respondent_link(self: Task, link_id: int, url: str) -> str:
    """Mail one respondent link. Idempotent: ``link_mail`` skips a link already sent."""
    try:
        return services.link_mail(link_id=link_id, url=url)
    except RETRIED as exc:
        if self.request.retries >= MAX_RETRIES:
            services.link_send_failed(link_id=link_id, error=type(exc).__name__)
            raise
        raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries) from exc
