"""Celery tasks: thin. They take ids, call a service, and retry database errors with a bound.

Queued after commit by the services: ``compile_learning_summary`` (a summary asked for, or due),
then, once its content is saved, ``render_summary_pdf`` (the PDF, seconds of WeasyPrint that
nobody waits on).

Scheduled by celery beat (``CELERY_BEAT_SCHEDULE`` in settings):
- ``schedule_due_summaries("month")`` on the 1st at 06:00 and ``("quarter")`` on the 1st of
  January, April, July and October at 06:00 (Europe/London); ``("week")`` on Mondays;
- ``requeue_stale_summaries`` every ``FIELDBOOK_JOBS_SWEEP_SECONDS`` (30): rows queued while
  the broker was down, compiles whose worker died, and ready summaries (and published messages)
  whose PDF was never made;
- ``send_enabler_digests`` on Mondays at 07:00;
- ``slide_quarters`` nightly at 00:05 (engagements.rollups: the last quarter moved on a day);
- ``check_rollups`` nightly at 02:30 (engagements.rollups: repairs and reports drift);
- ``voice_rounds_due`` daily at 06:15 (engagements.voice: closes expired rounds of the place's
  self-assessment and pulse, opens those due by the programme's ``voice_every_months``).
- ``remind_protocol_reviews`` daily at 07:15 (engagements.context.reminders).
"""

from __future__ import annotations

import contextlib
import logging

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError

from engagements import reminders, rollups
from engagements.lifecycle.tasks import mail_support_request_declined  # noqa: F401 (registers)
from engagements.messages import services as messages
from engagements.messages.tasks import render_messages_pdf  # noqa: F401 (registers the task)
from engagements.respondents.tasks import send_respondent_link  # noqa: F401 (registers it)
from engagements.retention.tasks import fill_retention_queue, run_disposal  # noqa: F401
from engagements.subjects.tasks import compile_subject_access_pack  # noqa: F401 (registers)
from engagements.summaries import services as summaries
from engagements.voice.tasks import voice_rounds_due  # noqa: F401 (registers)

logger = logging.getLogger(__name__)

# Database errors worth trying again: the server restarting, a failover, a dropped connection.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
MAX_RETRIES = 5


def retry_countdown(retries: int) -> int:
    """5 s, 10 s, 20 s, 40 s, 80 s (capped at five minutes), with full jitter."""
    return int(get_exponential_backoff_interval(
        factor=5, retries=retries, maximum=300, full_jitter=True
    )) or 1


# A compile or a PDF stops itself (SoftTimeLimitExceeded: recorded as failed) well before the
# sweep would take it back as abandoned (FIELDBOOK_JOBS_RUNNING_STALE_SECONDS).
JOB_LIMITS = {"soft_time_limit": settings.FIELDBOOK_JOBS_TIME_LIMIT,
              "time_limit": settings.FIELDBOOK_JOBS_TIME_LIMIT + 15}


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES,
             name="engagements.compile_learning_summary", **JOB_LIMITS)
def compile_learning_summary(self: Task, summary_id: int, reclaim: bool = False) -> str:
    """Compile one learning summary. Idempotent: the claim makes a second run a no-op.

    ``acks_late``: a worker killed mid-compile leaves the message to be delivered again; the
    row it left "compiling" becomes claimable after ``COMPILING_STALE_AFTER``.
    """
    try:
        return summaries.summary_compile(summary_id=summary_id, reclaim=reclaim)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            _fail_quietly(summary_id, exc)
            raise
        logger.warning("Summary %s: database error (%s); retrying", summary_id,
                       type(exc).__name__)
        _release_quietly(summary_id)
        # The retry may take its own claim back (reclaim) if the release failed because the
        # database is still away.
        raise self.retry(
            exc=exc, countdown=retry_countdown(self.request.retries),
            args=[summary_id], kwargs={"reclaim": True},
        ) from exc


def _release_quietly(summary_id: int) -> None:
    """Show the row as queued again while the retry waits, if the database lets us."""
    with contextlib.suppress(*TRANSIENT_ERRORS):
        summaries.summary_release(summary_id)


def _fail_quietly(summary_id: int, exc: BaseException) -> None:
    """Record the final failure if the database lets us; if not, the stale sweep will find the
    row still "compiling" and queue it again."""
    try:
        summaries.summary_fail(
            summary_id=summary_id,
            error=(f"The database could not be reached after {MAX_RETRIES + 1} attempts "
                   f"({type(exc).__name__}). Try again later."),
        )
    except TRANSIENT_ERRORS:
        logger.error("Summary %s: could not record the failure", summary_id)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES,
             name="engagements.render_summary_pdf", **JOB_LIMITS)
def render_summary_pdf(self: Task, summary_id: int) -> str:
    """Render and store the PDF of a ready summary's current content. Idempotent: a PDF
    already stored (or failed) for that content makes a second run a no-op, and a PDF is
    stored only over the content it was rendered from.

    ``acks_late``: a worker killed mid-render leaves the message to be delivered again. After
    the last retry the row is left as it is ("preparing"): the database is what failed, and
    ``requeue_stale_summaries`` queues the PDF again once ``PDF_STALE_AFTER`` has passed.
    """
    try:
        return summaries.summary_render_pdf(summary_id=summary_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.error("Summary %s: PDF not stored, database unreachable (%s)", summary_id,
                         type(exc).__name__)
            raise
        logger.warning("Summary %s PDF: database error (%s); retrying", summary_id,
                       type(exc).__name__)
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries),
                         args=[summary_id]) from exc


@shared_task(bind=True, acks_late=True, max_retries=3, name="engagements.schedule_due_summaries")
def schedule_due_summaries(self: Task, kind: str) -> dict[str, object]:
    """Create (or queue again) the summaries due for the last whole week, month or quarter."""
    try:
        report = summaries.summaries_schedule_due(kind=kind)
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
    return {"period": report.period.label, "created": report.created,
            "requeued": report.requeued}


@shared_task(name="engagements.requeue_stale_summaries")
def requeue_stale_summaries() -> int:
    """Queue again the summaries nobody picked up, then the PDFs nobody made (summaries' and
    the messages' published versions'). Returns how many
    tasks it queued. Not retried: beat runs it again soon."""
    compiles = summaries.summaries_requeue_stale()
    return (len(compiles) + len(summaries.summary_pdfs_requeue_stale())
            + len(messages.publication_pdfs_requeue_stale()))


@shared_task(bind=True, acks_late=True, max_retries=3, name="engagements.send_enabler_digests")
def send_enabler_digests(self: Task) -> int:
    """Monday's email to each enabler: their places with no session logged last week.
    Each enabler's email is sent at most once a week (a retry skips those already sent)."""
    try:
        return reminders.enabler_digests_send()
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task(bind=True, acks_late=True, max_retries=3,
             name="engagements.remind_protocol_reviews")
def remind_protocol_reviews(self: Task) -> int:
    """Daily: a local protocol whose review falls due, to the person who recorded it (once
    per review date: a retry skips those already claimed)."""
    from engagements.context.reminders import protocol_reviews_remind

    try:
        return protocol_reviews_remind()
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task(name="engagements.check_rollups")
def check_rollups() -> int:
    """Nightly: recompute every engagement's rollups and report the rows that had drifted
    (a write that went around the services). Returns that number; logs a warning if not 0.
    Not retried: it runs again tomorrow, and the services keep the rows right meanwhile."""
    changed = rollups.rebuild()
    if changed:
        logger.warning("Rollups: %s rows had drifted from the sessions and were corrected",
                       changed)
    return changed


@shared_task(name="engagements.slide_quarters")
def slide_quarters() -> int:
    """Nightly, just after midnight: rewrite every engagement's stored quarter for the new day
    (the pages compute an engagement live until its row is for today, so a late or missed run
    costs time, never a wrong figure). Returns how many rows it rewrote."""
    return rollups.slide_quarters()
