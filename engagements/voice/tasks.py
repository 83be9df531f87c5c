"""The place's voice on celery beat: once a day, close the rounds whose links have expired and
open the rounds that are due (engagements.voice.services). Idempotent through state: a round
closed or opened already is not again (the open round's partial unique constraint holds even
if two beats overlap)."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from engagements.voice import services

MAX_RETRIES = 3


def _link_for(token: str) -> str:
    return settings.FIELDBOOK_BASE_URL.rstrip("/") + reverse(
        "engagements:respond", kwargs={"token": token})


@shared_task(bind=True, max_retries=MAX_RETRIES, name="engagements.voice_rounds_due")
def voice_rounds_due(self: Task) -> dict[str, int]:
    try:
        closed = services.voice_rounds_close_expired()
        opened = services.voice_rounds_open_due(link_for=_link_for)
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(exc=exc, countdown=60 * 2 ** self.request.retries) from exc
    return {"closed": closed, "opened": opened}
