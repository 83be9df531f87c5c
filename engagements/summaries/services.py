"""Learning summaries: periods, scopes, and the writes that move a summary through its states.

    queued ──claim──▶ compiling ──▶ ready ──▶ PDF: preparing ──render──▶ stored
       ▲                  │                                  └────────▶ failed (pdf_error)
       └──── retry ◀── failed (error text only; never private data)

One row per (scope, period): ``LearningSummary`` has a unique constraint on (scope_key,
period_start, period_end). Asking again for a ready or failed summary queues the same row
again, and compiling replaces its content. The Celery task (``engagements.tasks``) claims a row
with one conditional UPDATE and checks the count, so two runs of the same summary — a message
delivered twice, a retry racing the scheduler — compile it once.

The PDF is not part of compiling. WeasyPrint takes seconds for a long quarter (~6 s for 675
items of learning), and readers should not wait for it: ``summary_compile`` saves the content,
marks the summary ready (the page and the Markdown work at once) and queues
``render_summary_pdf``, whose service ``summary_render_pdf`` renders the PDF of the content as
it is then and stores it only if the content has not been compiled again meanwhile.

Writes never depend on Redis: tasks are queued with ``transaction.on_commit(..., robust=True)``,
so a dead broker leaves the row "queued" (or its PDF "preparing") and the request still
succeeds; ``summaries_requeue_stale`` and ``summary_pdfs_requeue_stale`` (run by beat) queue such
rows again once the broker is back.

What goes into a summary is decided in ``engagements.summaries.content``; how it reads, in
``engagements.summaries.document``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from engagements.models import Engagement, LearningSummary, Programme
from engagements.summaries.periods import Period
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from places.models import Place, Region

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

Status = LearningSummary.Status
Kind = LearningSummary.Period
Scope = LearningSummary.Scope

# A queued row nobody picked up for this long is queued again (the broker was down, or the
# message was lost); a row "compiling" for this long lost its worker (killed mid-compile).
# Work nobody is doing, taken back by the sweep (settings FIELDBOOK_JOBS_*: production 20 s
# queued, 90 s running): a row queued this long (the broker was down when it was asked for, or
# its message was lost), or compiling this long (its worker died; jobs stop themselves sooner,
# FIELDBOOK_JOBS_TIME_LIMIT), or ready without its PDF (or a reason why not) this long after its
# last write (the render task was never published, or its worker died mid-render).
QUEUED_STALE_AFTER = dt.timedelta(seconds=settings.FIELDBOOK_JOBS_QUEUED_STALE_SECONDS)
COMPILING_STALE_AFTER = dt.timedelta(seconds=settings.FIELDBOOK_JOBS_RUNNING_STALE_SECONDS)
PDF_STALE_AFTER = COMPILING_STALE_AFTER
# A summary whose compile keeps dying with its worker is failed, not taken back for ever.
MAX_ATTEMPTS = 5
# Custom periods up to a year and a bit: longer ones read badly and compare with nothing.
MAX_CUSTOM_DAYS = 400


SCHEDULED_ACTION = "engagements.summary.scheduled"


class SummaryError(DomainError):
    """A summary request that breaks a rule (scope outside the programme, dates out of order)."""


# ---- requests and state changes -----------------------------------------------------------------

def summary_enqueue(summary_id: int) -> None:
    """Queue compiling after the surrounding transaction commits.

    ``robust=True``: if the broker is down, publishing raises after about half a second; Django
    logs it and the write that asked for the summary still succeeds. The row stays queued and
    ``summaries_requeue_stale`` picks it up later. The task takes the id, never the instance.
    """
    from engagements.tasks import compile_learning_summary

    transaction.on_commit(lambda: compile_learning_summary.delay(summary_id), robust=True)


def summary_pdf_enqueue(summary_id: int) -> None:
    """Queue rendering the PDF after the surrounding transaction commits; like
    ``summary_enqueue``, a dead broker costs the PDF a wait (``summary_pdfs_requeue_stale``),
    never the write. With no broker configured the task runs inline at the commit."""
    from engagements.tasks import render_summary_pdf

    transaction.on_commit(lambda: render_summary_pdf.delay(summary_id), robust=True)


def _validate_scope(*, scope: str, programme: Programme, region: Region | None,
                    place: Place | None) -> None:
    errors: dict[str | None, list[str]] = {}
    if scope == Scope.REGION:
        if region is None:
            errors["region"] = ["Select a region"]
        elif not Engagement.objects.filter(programme=programme, place__region=region).exists():
            errors["region"] = [f"{programme} has no places in {region}"]
    elif scope == Scope.PLACE:
        if place is None:
            errors["place"] = ["Select a place"]
        elif not Engagement.objects.filter(programme=programme, place=place).exists():
            errors["place"] = [f"{place} is not part of {programme}"]
    elif scope != Scope.PROGRAMME:
        errors["scope"] = ["Select what the summary covers"]
    if errors:
        raise SummaryError(field_errors=errors)


def _validate_period(period: Period, *, today: dt.date) -> None:
    if period.end < period.start:
        raise SummaryError(
            field_errors={"end": ["The end date must be on or after the start date"]}
        )
    if period.start > today:
        raise SummaryError(field_errors={"start": ["The period must start today or earlier"]})
    if period.kind == Kind.CUSTOM and period.days > MAX_CUSTOM_DAYS:
        raise SummaryError(field_errors={
            "end": [f"Custom dates can cover up to {MAX_CUSTOM_DAYS} days; use a quarter or less"]
        })


@transaction.atomic
def summary_request(
    *,
    requested_by: Any,
    scope: str,
    programme: Programme,
    period: Period,
    region: Region | None = None,
    place: Place | None = None,
    today: dt.date | None = None,
) -> tuple[LearningSummary, bool]:
    """Ask for a summary. Returns (summary, created).

    The same scope and period always give the same row: a ready or failed one is queued again
    (the new compile replaces its content); a queued or compiling one is left to finish.
    """
    today = today or timezone.localdate()
    region = region if scope == Scope.REGION else None
    place = place if scope == Scope.PLACE else None
    _validate_scope(scope=scope, programme=programme, region=region, place=place)
    _validate_period(period, today=today)
    key = LearningSummary.make_scope_key(
        scope=scope, programme_id=programme.pk, region_id=region.pk if region else None,
        place_id=place.pk if place else None,
    )
    summary, created = LearningSummary.objects.get_or_create(
        scope_key=key, period_start=period.start, period_end=period.end,
        defaults={
            "scope": scope, "programme": programme, "region": region, "place": place,
            "period": period.kind, "requested_by": requested_by if requested_by else None,
        },
    )
    queued = created or _requeue(summary.pk, from_statuses=(Status.READY, Status.FAILED))
    if queued:
        summary.refresh_from_db(fields=["status", "error", "updated_at"])
        audit_record(
            actor=requested_by, action="engagements.summary.requested", obj=summary,
            changes={"status": Status.QUEUED, "period": period.kind,
                     "period_start": period.start.isoformat(),
                     "period_end": period.end.isoformat(), "created": created},
        )
        summary_enqueue(summary.pk)
    return summary, created


def _requeue(summary_id: int, *, from_statuses: tuple[str, ...]) -> bool:
    # A locked summary is never compiled again (engagements.summaries.review).
    return LearningSummary.objects.filter(
        pk=summary_id, status__in=from_statuses, locked_at__isnull=True).update(
        status=Status.QUEUED, error="", updated_at=timezone.now()
    ) == 1


@transaction.atomic
def summary_recompile(*, requested_by: Any, summary: LearningSummary) -> bool:
    """Queue a failed summary again (the retry button), or a ready one with fresh data."""
    if not _requeue(summary.pk, from_statuses=(Status.READY, Status.FAILED)):
        return False
    summary.refresh_from_db(fields=["status", "error", "updated_at"])
    audit_record(actor=requested_by, action="engagements.summary.requeued", obj=summary,
                 changes={"status": Status.QUEUED})
    summary_enqueue(summary.pk)
    return True


def summaries_quoting(item_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each learning item, the summaries whose current content includes it (recorded at
    compile time, ``LearningSummary.learning_items``). One indexed query; none for no items."""
    item_ids = list(item_ids)
    quoting: dict[int, set[int]] = {}
    if not item_ids:
        return quoting
    links = LearningSummary.learning_items.through.objects.filter(
        learningitem_id__in=item_ids).values_list("learningitem_id", "learningsummary_id")
    for item_id, summary_id in links.order_by():
        quoting.setdefault(item_id, set()).add(summary_id)
    return quoting


@transaction.atomic
def summaries_recompile_without(*, summary_ids: Iterable[int], actor: User | None,
                                item_ids: Iterable[int] | None = None) -> list[int]:
    """Compile again the summaries that included learning no longer shared (withdrawn, or
    un-ticked in an edit), and mark them so their page says why.

    Whatever their state: a ready or failed one is queued; a queued one stays queued; one
    compiling now is queued again, so the worker's write (which needs "compiling") is dropped
    and a fresh compile follows. Tasks are queued after the commit (``summary_enqueue``).
    """
    from engagements.summaries.review import summaries_mark_withdrawn

    ids = sorted(set(summary_ids))
    if not ids:
        return []
    if item_ids is not None:
        # Locked summaries keep their content and hash; the withdrawn items are blanked and
        # the summary marked "changed after locking" instead (review.py says why).
        locked = list(LearningSummary.objects.filter(pk__in=ids, locked_at__isnull=False)
                      .values_list("id", flat=True))
        if locked:
            summaries_mark_withdrawn(summary_ids=locked, item_ids=set(item_ids), actor=actor)
            ids = [i for i in ids if i not in locked]
            if not ids:
                return []
    now = timezone.now()
    LearningSummary.objects.filter(pk__in=ids, locked_at__isnull=True).update(
        status=Status.QUEUED, error="", withdrawal_recompiled_at=now, updated_at=now,
    )
    for summary in LearningSummary.objects.filter(pk__in=ids).only("id", "scope_key"):
        audit_record(actor=actor, action="engagements.summary.requeued", obj=summary,
                     changes={"status": Status.QUEUED, "reason": "learning withdrawn"})
        summary_enqueue(summary.pk)
    return ids


def summary_claim(summary_id: int, *, reclaim: bool = False) -> bool:
    """Take a queued summary for compiling: one UPDATE, and only one caller wins.

    A row left "compiling" by a worker that died is claimable again after
    ``COMPILING_STALE_AFTER``; ``reclaim`` (a task retrying its own claim after a database
    error) may take it back at once.
    """
    now = timezone.now()
    claimable = Q(status=Status.QUEUED) | Q(
        status=Status.COMPILING, updated_at__lt=now - COMPILING_STALE_AFTER
    )
    if reclaim:
        claimable |= Q(status=Status.COMPILING)
    return LearningSummary.objects.filter(claimable, pk=summary_id).update(
        status=Status.COMPILING, attempts=F("attempts") + 1, error="", updated_at=now,
    ) == 1


def summary_compile(*, summary_id: int, reclaim: bool = False) -> str:
    """Claim and compile one summary. Returns "ready", "failed" or "skipped" (not claimed).

    Ready means readable: the content is saved and the row is ready in one UPDATE, which also
    clears the PDF of the previous content; the PDF of this content is queued after the commit
    (``summary_pdf_enqueue``) and made by a task of its own.

    Database errors (OperationalError, InterfaceError) propagate for the task to retry; any
    other error is recorded on the row as failed, by its type only (an error message might
    quote data), and logged with its traceback.
    """
    from engagements.summaries.content import summary_content

    if not summary_claim(summary_id, reclaim=reclaim):
        return "skipped"
    summary = LearningSummary.objects.select_related("programme", "region", "place").defer(
        "content", "pdf"
    ).get(pk=summary_id)
    if summary.attempts > MAX_ATTEMPTS:
        summary_fail(summary_id=summary_id, error=(
            f"Compiling stopped {MAX_ATTEMPTS} times before it finished. Try again later, or "
            "ask for a shorter period."))
        return "failed"
    _drill_pause("compile")
    try:
        content = summary_content(summary)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        logger.exception("Compiling learning summary %s failed", summary_id)
        summary_fail(summary_id=summary_id, error=failure_text(exc))
        return "failed"
    now = timezone.now()
    item_ids = content["learning"].get("item_ids", [])
    with transaction.atomic():
        # Only the holder of the claim writes: a row taken back as stale meanwhile is not ours.
        written = LearningSummary.objects.filter(pk=summary_id, status=Status.COMPILING).update(
            status=Status.READY, content=content, error="", compiled_at=now, updated_at=now,
            # New content: a lock (engagements.summaries.review) must see it before sealing it.
            review_version=F("review_version") + 1,
            # The previous content's PDF no longer matches; the new one is queued below.
            pdf=None, pdf_compiled_at=None, pdf_error="",
        )
        if written:
            # Which items this content quotes, for a withdrawal to find it (three statements).
            summary.learning_items.set(item_ids)
            audit_record(actor=None, action="engagements.summary.compiled", obj=summary,
                         changes={"status": Status.READY})
            if _withdrawn_meanwhile(item_ids):
                # Withdrawn after we read it, before its withdrawal could see these links:
                # compile again rather than publish it (one query).
                summaries_recompile_without(summary_ids=[summary_id], actor=None)
            else:
                summary_pdf_enqueue(summary_id)
    return "ready" if written else "skipped"


def _drill_pause(stage: str) -> None:
    """Fault injection for the recovery drills (tests/test_job_recovery.py): the test settings
    alone define ``FIELDBOOK_DRILL_PAUSES``, so that a worker can be killed inside a stage."""
    seconds = getattr(settings, "FIELDBOOK_DRILL_PAUSES", {}).get(stage)
    if seconds:
        time.sleep(seconds)


def _withdrawn_meanwhile(item_ids: list[int]) -> bool:
    from engagements.models import LearningItem

    if not item_ids:
        return False
    return LearningItem.objects.filter(pk__in=item_ids).exclude(
        pk__in=LearningItem.objects.shared().values("pk")).exists()


def summary_render_pdf(*, summary_id: int) -> str:
    """Render the PDF of a ready summary's current content and store it.

    Returns "stored", "failed" (recorded in ``pdf_error``) or "skipped": the row is gone or not
    ready (being compiled again: that compile queues its own PDF), or this content's PDF is
    already stored or has already failed — so a message delivered again is a no-op.

    The content may be compiled again while WeasyPrint runs. The result is written with one
    conditional UPDATE — still ready, still the ``compiled_at`` it was rendered from, no PDF
    yet — so a PDF of older content is never stored over newer content; two overlapping runs
    store one PDF. Database errors propagate for the task to retry. Any other error is
    recorded by its type only and logged with the stack but without the message, which could
    quote the content (a URL typed into learning, say); the summary stays ready.
    """
    from engagements.summaries.document import summary_pdf_bytes

    summary = (LearningSummary.objects.select_related("programme", "region", "place", "locked_by")
               .defer("pdf").filter(pk=summary_id).first())
    if (summary is None or summary.status != Status.READY or not summary.content
            or summary.compiled_at is None or summary.pdf_state != "preparing"):
        return "skipped"
    this_content = LearningSummary.objects.filter(
        pk=summary_id, status=Status.READY, compiled_at=summary.compiled_at,
        pdf_compiled_at__isnull=True, pdf_error="",
    )
    _drill_pause("pdf")
    try:
        pdf = summary_pdf_bytes(summary)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        logger.error("Rendering the PDF of learning summary %s failed (%s); stack:\n%s",
                     summary_id, type(exc).__name__,
                     "".join(traceback.format_tb(exc.__traceback__)))
        with transaction.atomic():
            failed = this_content.update(pdf_error=pdf_failure_text(exc),
                                         updated_at=timezone.now())
            if failed:
                audit_record(actor=None, action="engagements.summary.pdf_failed", obj=summary,
                             changes={"pdf": "failed"})
        return "failed" if failed else "skipped"
    with transaction.atomic():
        stored = this_content.update(pdf=pdf, pdf_compiled_at=summary.compiled_at,
                                     updated_at=timezone.now())
        if stored:
            audit_record(actor=None, action="engagements.summary.pdf_stored", obj=summary,
                         changes={"pdf": "stored", "pdf_kb": round(len(pdf) / 1000)})
    return "stored" if stored else "skipped"


def pdf_failure_text(exc: BaseException) -> str:
    return (
        f"The PDF could not be made ({type(exc).__name__}). The summary on this page and its "
        "Markdown download are complete; compile it again to try the PDF once more."
    )


def failure_text(exc: BaseException) -> str:
    return (
        f"Compiling stopped with an error ({type(exc).__name__}). Try again; if it fails "
        "again, tell the Fieldbook team the summary's address."
    )


def summary_fail(*, summary_id: int, error: str) -> bool:
    """Record a final failure: status failed and the (non-private) error text."""
    with transaction.atomic():
        failed = LearningSummary.objects.filter(pk=summary_id).exclude(status=Status.READY).update(
            status=Status.FAILED, error=error[:2000], updated_at=timezone.now()
        )
        if failed:
            audit_record(actor=None, action="engagements.summary.failed",
                         obj=LearningSummary.objects.get(pk=summary_id),
                         changes={"status": Status.FAILED})
    return bool(failed)


def summary_release(summary_id: int) -> bool:
    """Give a claim back (compiling → queued) before a retry, so nothing else waits on it."""
    return LearningSummary.objects.filter(pk=summary_id, status=Status.COMPILING).update(
        status=Status.QUEUED, updated_at=timezone.now()
    ) == 1


# ---- the scheduler ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScheduleReport:
    period: Period
    created: int
    requeued: int


def _due_scopes(programmes: list[Programme], *, with_regions: bool) -> dict[str, dict[str, Any]]:
    scopes: dict[str, dict[str, Any]] = {}
    for programme in programmes:
        key = LearningSummary.make_scope_key(scope=Scope.PROGRAMME, programme_id=programme.pk,
                                             region_id=None, place_id=None)
        scopes[key] = {"scope": Scope.PROGRAMME, "programme_id": programme.pk}
    if with_regions:
        pairs = (
            Engagement.objects.filter(programme__in=programmes)
            .values_list("programme_id", "place__region_id").distinct().order_by()
        )
        for programme_id, region_id in pairs:
            key = LearningSummary.make_scope_key(scope=Scope.REGION, programme_id=programme_id,
                                                 region_id=region_id, place_id=None)
            scopes[key] = {"scope": Scope.REGION, "programme_id": programme_id,
                           "region_id": region_id}
    return scopes


@transaction.atomic
def summaries_schedule_due(*, kind: str, today: dt.date | None = None) -> ScheduleReport:
    """Create the summaries due for the last whole ``kind`` period, and queue them.

    Monthly: per programme and per region within it; quarterly: per programme; weekly: per
    programme whose cadence is weekly. Programmes running in the period only. Idempotent: rows
    that exist are not duplicated; a failed one, or one compiled before its period had ended
    (asked for on demand mid-month), is queued again. Six queries whatever the size (the last
    is the audit row every run writes).
    """
    period = Period.last_completed(kind, today or timezone.localdate())
    programmes = Programme.objects.filter(starts_on__lte=period.end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=period.start)
    )
    if kind == Kind.WEEK:
        programmes = programmes.filter(summary_cadence=Programme.Cadence.WEEKLY)
    scopes = _due_scopes(list(programmes), with_regions=kind == Kind.MONTH)
    existing = LearningSummary.objects.filter(
        scope_key__in=scopes, period_start=period.start, period_end=period.end
    )
    have = {row.scope_key: row
            for row in existing.only("id", "scope_key", "status", "compiled_at", "locked_at")}
    LearningSummary.objects.bulk_create(
        [LearningSummary(scope_key=key, period=kind, period_start=period.start,
                         period_end=period.end, **fields)
         for key, fields in scopes.items() if key not in have],
        # Two schedulers at once (a beat restart): the unique constraint keeps one of each.
        ignore_conflicts=True,
    )
    period_over = timezone.make_aware(
        dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min)
    )
    # A locked summary is final: never queued again, whenever it was compiled.
    stale = [row.pk for row in have.values()
             if row.locked_at is None and (
                 row.status == Status.FAILED
                 or (row.status == Status.READY and (row.compiled_at is None
                                                     or row.compiled_at < period_over)))]
    requeued = LearningSummary.objects.filter(pk__in=stale).update(
        status=Status.QUEUED, error="", updated_at=timezone.now()
    ) if stale else 0
    to_queue = list(
        LearningSummary.objects.filter(
            scope_key__in=scopes, period_start=period.start, period_end=period.end,
            status=Status.QUEUED,
        ).values_list("id", flat=True)
    )
    created = len(scopes) - len(have)
    # Every run is recorded, even one with nothing to do: the summaries page shows when each
    # cadence last ran (``engagements.summaries.schedule``). One row a week, month or quarter.
    audit_record(actor=None, action=SCHEDULED_ACTION, changes={
        "period": kind, "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(), "created": created, "requeued": requeued,
    })
    for summary_id in to_queue:
        summary_enqueue(summary_id)
    return ScheduleReport(period=period, created=created, requeued=requeued)


@transaction.atomic
def summaries_requeue_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again what nobody is working on: rows queued for longer than
    ``QUEUED_STALE_AFTER`` (the broker was down when they were asked for) and rows compiling
    for longer than ``COMPILING_STALE_AFTER`` (their worker died). Touching ``updated_at``
    spaces the next attempt by the same interval if the broker is still down.
    """
    now = now or timezone.now()
    stale = Q(status=Status.QUEUED, updated_at__lt=now - QUEUED_STALE_AFTER) | Q(
        status=Status.COMPILING, updated_at__lt=now - COMPILING_STALE_AFTER
    )
    ids = list(
        LearningSummary.objects.select_for_update(skip_locked=True).filter(stale)
        .order_by("updated_at").values_list("id", flat=True)[:500]
    )
    if ids:
        LearningSummary.objects.filter(stale, pk__in=ids).update(
            status=Status.QUEUED, updated_at=now
        )
        for summary_id in ids:
            summary_enqueue(summary_id)
    return ids


@transaction.atomic
def summary_pdfs_requeue_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Queue the PDF again for ready summaries still without one, or a reason why not,
    ``PDF_STALE_AFTER`` after their last write: the render task was never published (the
    broker was down when the compile finished), or its worker died mid-render, or it gave up on
    an unreachable database. Touching ``updated_at`` spaces the next attempt; a render that is
    merely slow and runs twice stores one PDF (``summary_render_pdf``).
    """
    now = now or timezone.now()
    stale = Q(status=Status.READY, pdf_compiled_at__isnull=True, pdf_error="",
              updated_at__lt=now - PDF_STALE_AFTER)
    ids = list(
        LearningSummary.objects.select_for_update(skip_locked=True).filter(stale)
        .order_by("updated_at").values_list("id", flat=True)[:500]
    )
    if ids:
        LearningSummary.objects.filter(stale, pk__in=ids).update(updated_at=now)
        for summary_id in ids:
            summary_pdf_enqueue(summary_id)
    return ids

