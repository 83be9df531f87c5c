"""Celery tasks, called as functions (STYLE.md §6): idempotency, concurrency, retries, failure,
the scheduler, the weekly digest, and writes that never depend on Redis.

The real worker on real Redis is tests/test_celery_worker.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements import tasks
from engagements.models import Engagement, LearningSummary, Session
from engagements.summaries import services as summaries
from engagements.summaries.periods import Period
from engagements.week.services import SessionData, session_log
from fieldbook.celery import app as celery_app
from fieldbook.models import AuditEvent

from .factories import (
    AssignmentFactory,
    EnablerFactory,
    EngagementFactory,
    LearningSummaryFactory,
    PlaceFactory,
    ProgrammeFactory,
    RegionFactory,
    SessionFactory,
    stored_pdf,
)

Status = LearningSummary.Status


# ---- compiling: claim, idempotency, concurrency -------------------------------------------------

@pytest.mark.django_db
def test_compile_claims_compiles_and_records() -> None:
    summary = LearningSummaryFactory.create()
    assert tasks.compile_learning_summary(summary.pk) == "ready"
    summary.refresh_from_db()
    assert summary.status == Status.READY
    assert summary.attempts == 1 and summary.error == "" and summary.compiled_at
    assert summary.content["period"]["label"] == "January 2024"
    assert AuditEvent.objects.filter(action="engagements.summary.compiled",
                                     object_id=str(summary.pk)).count() == 1


@pytest.mark.django_db
def test_compiling_twice_is_a_no_op_the_second_time() -> None:
    summary = LearningSummaryFactory.create()
    assert tasks.compile_learning_summary(summary.pk) == "ready"
    assert tasks.compile_learning_summary(summary.pk) == "skipped"  # a message delivered twice
    summary.refresh_from_db()
    assert summary.attempts == 1


@pytest.mark.django_db
def test_a_second_run_during_the_first_does_nothing() -> None:
    """Deterministic overlap: while the first run compiles, a second one starts."""
    summary = LearningSummaryFactory.create()
    from engagements.summaries.content import summary_content as real_content

    inner: list[str] = []

    def content_with_a_second_run(s: LearningSummary) -> dict[str, Any]:
        inner.append(tasks.compile_learning_summary(s.pk))
        return real_content(s)

    with mock.patch("engagements.summaries.content.summary_content", content_with_a_second_run):
        assert tasks.compile_learning_summary(summary.pk) == "ready"
    assert inner == ["skipped"]
    assert LearningSummary.objects.get(pk=summary.pk).attempts == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_two_concurrent_runs_compile_once() -> None:
    """Two threads, two database connections, released together: one claim wins."""
    summary = LearningSummaryFactory.create()
    from engagements.summaries.content import summary_content as real_content

    barrier = threading.Barrier(2, timeout=10)
    results: list[str] = []
    errors: list[BaseException] = []

    def slow_content(s: LearningSummary) -> dict[str, Any]:
        threading.Event().wait(0.3)  # hold the claim while the other thread tries
        return real_content(s)

    def run() -> None:
        try:
            barrier.wait()
            results.append(tasks.compile_learning_summary(summary.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with mock.patch("engagements.summaries.content.summary_content", slow_content):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors
    assert sorted(results) == ["ready", "skipped"]
    summary.refresh_from_db()
    assert summary.status == Status.READY and summary.attempts == 1
    assert AuditEvent.objects.filter(action="engagements.summary.compiled").count() == 1


@pytest.mark.django_db
def test_recompiling_replaces_the_content(django_capture_on_commit_callbacks: Any) -> None:
    programme = ProgrammeFactory.create()
    engagement = EngagementFactory.create(programme=programme)
    assert engagement.started_on is not None
    period = Period.containing("month", engagement.started_on)
    with django_capture_on_commit_callbacks(execute=True):
        summary, created = summaries.summary_request(
            requested_by=None, scope="programme", programme=programme, period=period)
    assert created
    summary.refresh_from_db()
    assert summary.content["activity"]["sessions"]["now"] == 0
    SessionFactory.create(engagement=engagement, date=period.start)
    with django_capture_on_commit_callbacks(execute=True):
        again, created = summaries.summary_request(
            requested_by=None, scope="programme", programme=programme, period=period)
    assert not created and again.pk == summary.pk
    summary.refresh_from_db()
    assert summary.content["activity"]["sessions"]["now"] == 1
    assert LearningSummary.objects.count() == 1


@pytest.mark.django_db
def test_a_stale_compiling_row_can_be_claimed_again() -> None:
    summary = LearningSummaryFactory.create(status=Status.COMPILING)
    assert tasks.compile_learning_summary(summary.pk) == "skipped"  # someone is on it
    LearningSummary.objects.filter(pk=summary.pk).update(
        updated_at=timezone.now() - summaries.COMPILING_STALE_AFTER - dt.timedelta(minutes=1))
    assert tasks.compile_learning_summary(summary.pk) == "ready"  # its worker died


def test_the_task_is_declared_for_redelivery_and_bounded_retries() -> None:
    task = tasks.compile_learning_summary
    assert task.acks_late is True
    assert task.max_retries == tasks.MAX_RETRIES == 5
    assert task.name == "engagements.compile_learning_summary"
    delays = [tasks.retry_countdown(n) for n in range(8) for _ in range(20)]
    assert all(1 <= d <= 300 for d in delays)


# ---- retries and failure ------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_database_error_is_retried_with_backoff() -> None:
    summary = LearningSummaryFactory.create()
    with (
        mock.patch("engagements.summaries.content.summary_content",
                   side_effect=OperationalError("server closed the connection")),
        mock.patch.object(tasks.compile_learning_summary, "retry",
                          side_effect=RuntimeError("retry called")) as retry,
        pytest.raises(RuntimeError, match="retry called"),
    ):
        tasks.compile_learning_summary(summary.pk)
    kwargs = retry.call_args.kwargs
    assert kwargs["args"] == [summary.pk] and kwargs["kwargs"] == {"reclaim": True}
    assert 1 <= kwargs["countdown"] <= 300
    assert isinstance(kwargs["exc"], OperationalError)
    summary.refresh_from_db()
    assert summary.status == Status.QUEUED  # released while the retry waits


@pytest.mark.django_db
def test_a_retry_takes_back_its_own_claim() -> None:
    summary = LearningSummaryFactory.create(status=Status.COMPILING)
    assert tasks.compile_learning_summary(summary.pk) == "skipped"
    assert tasks.compile_learning_summary(summary.pk, reclaim=True) == "ready"


@pytest.mark.django_db
def test_the_last_retry_records_the_failure() -> None:
    """On its last allowed attempt (retries == max_retries) the task gives up: the row says
    failed, in our words, and the error propagates to Celery."""
    summary = LearningSummaryFactory.create()
    with mock.patch("engagements.summaries.content.summary_content",
                    side_effect=OperationalError("could not connect to server")):
        result = tasks.compile_learning_summary.apply(
            args=[summary.pk], kwargs={"reclaim": True}, retries=tasks.MAX_RETRIES, throw=False)
    assert result.state == "FAILURE" and isinstance(result.result, OperationalError)
    summary.refresh_from_db()
    assert summary.status == Status.FAILED
    assert "could not be reached after 6 attempts" in summary.error
    assert "could not connect" not in summary.error  # the text is ours, not the driver's


# ---- the PDF: a task of its own, after the content --------------------------------------------

@pytest.mark.django_db
def test_the_content_is_ready_before_the_pdf_which_is_queued_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    summary = LearningSummaryFactory.create()
    with (
        mock.patch("engagements.summaries.document.summary_pdf_bytes") as render,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        assert tasks.compile_learning_summary(summary.pk) == "ready"
    assert not render.called  # compiling renders no PDF
    summary.refresh_from_db()
    assert summary.status == Status.READY and summary.content and summary.compiled_at
    assert summary.pdf is None and summary.pdf_state == "preparing"
    assert len(callbacks) == 1
    with mock.patch.object(tasks.render_summary_pdf, "delay") as delay:
        callbacks[0]()
    delay.assert_called_once_with(summary.pk)  # the id, never the instance


def _compiled() -> LearningSummary:
    summary = LearningSummaryFactory.create()
    assert tasks.compile_learning_summary(summary.pk) == "ready"
    return LearningSummary.objects.get(pk=summary.pk)


@pytest.mark.django_db
def test_the_pdf_task_stores_the_pdf_of_the_current_content_once() -> None:
    summary = _compiled()
    assert tasks.render_summary_pdf(summary.pk) == "stored"
    summary.refresh_from_db()
    assert stored_pdf(summary).startswith(b"%PDF")
    assert summary.pdf_compiled_at == summary.compiled_at and summary.pdf_state == "stored"
    assert AuditEvent.objects.filter(action="engagements.summary.pdf_stored",
                                     object_id=str(summary.pk)).count() == 1
    # A message delivered twice: nothing rendered, nothing written.
    with mock.patch("engagements.summaries.document.summary_pdf_bytes") as render:
        assert tasks.render_summary_pdf(summary.pk) == "skipped"
    assert not render.called
    assert AuditEvent.objects.filter(action="engagements.summary.pdf_stored").count() == 1


@pytest.mark.django_db
def test_the_pdf_task_skips_what_is_not_ready() -> None:
    queued = LearningSummaryFactory.create()
    with mock.patch("engagements.summaries.document.summary_pdf_bytes") as render:
        assert tasks.render_summary_pdf(queued.pk) == "skipped"
        assert tasks.render_summary_pdf(999999) == "skipped"
    assert not render.called


@pytest.mark.django_db
def test_a_recompile_while_the_pdf_renders_never_gets_the_old_pdf() -> None:
    """Deterministic overlap: while the PDF of the first content renders, the summary is
    compiled again. The old PDF is not stored; the next run renders the new content's."""
    summary = _compiled()
    first_compiled_at = summary.compiled_at

    def render_while_recompiled(s: LearningSummary) -> bytes:
        assert summaries.summary_recompile(requested_by=None, summary=s)
        assert summaries.summary_compile(summary_id=s.pk) == "ready"
        return b"%PDF-1.7 the old content"

    with mock.patch("engagements.summaries.document.summary_pdf_bytes", render_while_recompiled):
        assert tasks.render_summary_pdf(summary.pk) == "skipped"
    summary.refresh_from_db()
    assert summary.compiled_at != first_compiled_at
    assert summary.pdf is None and summary.pdf_state == "preparing"
    assert tasks.render_summary_pdf(summary.pk) == "stored"  # the new compile's own task
    summary.refresh_from_db()
    assert summary.pdf_compiled_at == summary.compiled_at
    assert b"the old content" not in stored_pdf(summary)


@pytest.mark.django_db
def test_a_recompile_clears_the_stored_pdf() -> None:
    summary = _compiled()
    assert tasks.render_summary_pdf(summary.pk) == "stored"
    summary.refresh_from_db()
    assert summaries.summary_recompile(requested_by=None, summary=summary)
    assert summaries.summary_compile(summary_id=summary.pk) == "ready"
    summary.refresh_from_db()
    assert summary.pdf is None and summary.pdf_compiled_at is None
    assert summary.pdf_state == "preparing"


@pytest.mark.django_db
def test_a_pdf_that_will_not_render_does_not_fail_the_summary(caplog: Any) -> None:
    summary = _compiled()
    with (
        caplog.at_level(logging.DEBUG),
        mock.patch("engagements.summaries.document.summary_pdf_bytes",
                   side_effect=RuntimeError("pango choked on CONTENT-SECRET")),
    ):
        assert tasks.render_summary_pdf(summary.pk) == "failed"
    summary.refresh_from_db()
    assert summary.status == Status.READY and summary.content
    assert summary.pdf is None and summary.pdf_state == "failed"
    assert "RuntimeError" in summary.pdf_error and "CONTENT-SECRET" not in summary.pdf_error
    # Logged, with the stack, but never the message (it could quote the content).
    assert f"PDF of learning summary {summary.pk} failed (RuntimeError)" in caplog.text
    assert "CONTENT-SECRET" not in caplog.text
    assert AuditEvent.objects.filter(action="engagements.summary.pdf_failed").count() == 1
    # A second delivery does not try again; compiling again does.
    with mock.patch("engagements.summaries.document.summary_pdf_bytes") as render:
        assert tasks.render_summary_pdf(summary.pk) == "skipped"
    assert not render.called
    assert summaries.summary_recompile(requested_by=None, summary=summary)
    assert summaries.summary_compile(summary_id=summary.pk) == "ready"
    assert tasks.render_summary_pdf(summary.pk) == "stored"


@pytest.mark.django_db
def test_the_pdf_task_retries_database_errors() -> None:
    summary = _compiled()
    with (
        mock.patch("engagements.summaries.document.summary_pdf_bytes",
                   side_effect=OperationalError("server closed the connection")),
        mock.patch.object(tasks.render_summary_pdf, "retry",
                          side_effect=RuntimeError("retry called")) as retry,
        pytest.raises(RuntimeError, match="retry called"),
    ):
        tasks.render_summary_pdf(summary.pk)
    kwargs = retry.call_args.kwargs
    assert kwargs["args"] == [summary.pk] and 1 <= kwargs["countdown"] <= 300
    summary.refresh_from_db()
    assert summary.pdf_state == "preparing" and summary.pdf_error == ""


@pytest.mark.django_db
def test_the_pdf_tasks_last_retry_leaves_it_to_the_sweep() -> None:
    """The database is what failed, so nothing is recorded: the row stays "preparing" and the
    sweep queues the PDF again later."""
    summary = _compiled()
    with mock.patch("engagements.summaries.document.summary_pdf_bytes",
                    side_effect=OperationalError("could not connect to server")):
        result = tasks.render_summary_pdf.apply(args=[summary.pk], retries=tasks.MAX_RETRIES,
                                                throw=False)
    assert result.state == "FAILURE" and isinstance(result.result, OperationalError)
    summary.refresh_from_db()
    assert summary.status == Status.READY and summary.pdf_state == "preparing"
    later = timezone.now() + summaries.PDF_STALE_AFTER + dt.timedelta(minutes=1)
    assert summaries.summary_pdfs_requeue_stale(now=later) == [summary.pk]


def test_the_pdf_task_is_declared_for_redelivery_and_bounded_retries() -> None:
    task = tasks.render_summary_pdf
    assert task.acks_late is True
    assert task.max_retries == tasks.MAX_RETRIES
    assert task.name == "engagements.render_summary_pdf"


@pytest.mark.django_db
def test_the_sweep_queues_a_pdf_that_was_never_made(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The broker was down when the compile finished: the PDF task was never published."""
    waiting = _compiled()
    stored, failed = _compiled(), _compiled()
    assert tasks.render_summary_pdf(stored.pk) == "stored"
    with mock.patch("engagements.summaries.document.summary_pdf_bytes", side_effect=ValueError):
        assert tasks.render_summary_pdf(failed.pk) == "failed"
    later = timezone.now() + summaries.PDF_STALE_AFTER + dt.timedelta(minutes=1)
    assert summaries.summary_pdfs_requeue_stale() == []  # too soon: it may be rendering
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert summaries.summary_pdfs_requeue_stale(now=later) == [waiting.pk]
    assert len(callbacks) == 1
    waiting.refresh_from_db()
    assert waiting.pdf_state == "stored"
    # Touched: the next sweep leaves the others alone, and this one is done.
    assert summaries.summary_pdfs_requeue_stale(now=later) == []


@pytest.mark.django_db
def test_any_other_error_fails_at_once_without_private_detail(caplog: Any) -> None:
    summary = LearningSummaryFactory.create()
    with mock.patch("engagements.summaries.content.summary_content",
                    side_effect=ValueError("detail with SECRET-DATA")):
        assert tasks.compile_learning_summary(summary.pk) == "failed"
    summary.refresh_from_db()
    assert summary.status == Status.FAILED
    assert "ValueError" in summary.error and "SECRET-DATA" not in summary.error
    assert AuditEvent.objects.filter(action="engagements.summary.failed").count() == 1


# ---- queueing after commit; writes never depend on Redis ----------------------------------------

@pytest.mark.django_db
def test_requests_queue_the_task_after_commit_with_the_id(
    django_capture_on_commit_callbacks: Any,
) -> None:
    programme = ProgrammeFactory.create()
    with (
        mock.patch.object(tasks.compile_learning_summary, "delay") as delay,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        summary, _ = summaries.summary_request(
            requested_by=None, scope="programme", programme=programme,
            period=Period.containing("month", dt.date(2024, 5, 1)))
        assert not delay.called  # nothing is published inside the transaction
    assert len(callbacks) == 1
    with mock.patch.object(tasks.compile_learning_summary, "delay") as delay:
        callbacks[0]()
    delay.assert_called_once_with(summary.pk)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reset_producers() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def dead_broker() -> Iterator[str]:
    """Point Celery at a port where nothing listens, and publish for real (not eagerly)."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    conf.broker_url, conf.task_always_eager = url, False
    _reset_producers()
    try:
        yield url
    finally:
        conf.broker_url, conf.task_always_eager = saved
        _reset_producers()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_asking_for_a_summary_succeeds_with_the_broker_down(
    dead_broker: str, lead_client: Client, caplog: Any,
) -> None:
    programme = ProgrammeFactory.create()
    EngagementFactory.create(programme=programme)
    last_month = Period.last_completed("month", timezone.localdate())
    with caplog.at_level(logging.ERROR):
        response = lead_client.post(reverse("engagements:summary-request"), {
            "programme": programme.pk, "scope": "programme",
            "period": f"month:{last_month.start.isoformat()}",
        })
    summary = LearningSummary.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:summary-detail", args=[summary.pk])
    assert summary.status == Status.QUEUED  # committed, waiting for the broker
    # The publish really was tried, and failed, after the commit.
    assert any("on_commit" in r.getMessage() for r in caplog.records), caplog.text
    assert lead_client.get(response["Location"]).status_code == 200  # the status page still works

    # The broker comes back (here: tasks run eagerly again); ten minutes on, the scheduler's
    # sweep queues the stale row and it compiles.
    celery_app.conf.task_always_eager = True
    later = timezone.now() + summaries.QUEUED_STALE_AFTER + dt.timedelta(minutes=1)
    with mock.patch("engagements.summaries.services.timezone.now", return_value=later):
        assert tasks.requeue_stale_summaries() == 1
    summary.refresh_from_db()
    assert summary.status == Status.READY


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_the_sweep_with_the_broker_still_down_keeps_the_row_queued(dead_broker: str) -> None:
    summary = LearningSummaryFactory.create()
    LearningSummary.objects.filter(pk=summary.pk).update(
        updated_at=timezone.now() - summaries.QUEUED_STALE_AFTER - dt.timedelta(minutes=1))
    assert summaries.summaries_requeue_stale() == [summary.pk]  # publish fails after commit
    summary.refresh_from_db()
    assert summary.status == Status.QUEUED
    # Touched, so the next sweep leaves it alone for another interval.
    assert summaries.summaries_requeue_stale() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_logging_a_visit_succeeds_with_the_broker_down(dead_broker: str) -> None:
    enabler = EnablerFactory.create()
    assignment = AssignmentFactory.create(enabler=enabler)
    session, created = session_log(
        enabler=enabler, idempotency_key=uuid.uuid4(),
        data=SessionData(engagement_id=assignment.engagement_id, date=timezone.localdate(),
                         kind=Session.Kind.SITE_VISIT, duration_minutes=60),
    )
    assert created and Session.objects.filter(pk=session.pk).exists()


def test_publishing_to_the_dead_broker_fails_fast(dead_broker: str) -> None:
    """What robust on_commit protects against: the publish raises, quickly."""
    from kombu.exceptions import OperationalError as BrokerDown

    started = timezone.now()
    with pytest.raises(BrokerDown):
        tasks.compile_learning_summary.delay(1)
    assert (timezone.now() - started).total_seconds() < 5


# ---- the scheduler ----------------------------------------------------------------------------

@pytest.fixture
def scheduled_world(db: None) -> dict[str, Any]:
    north, south = RegionFactory.create(), RegionFactory.create()
    running = ProgrammeFactory.create(starts_on=dt.date(2023, 1, 1))
    weekly = ProgrammeFactory.create(starts_on=dt.date(2023, 1, 1), summary_cadence="weekly")
    ProgrammeFactory.create(starts_on=dt.date(2023, 1, 1), ends_on=dt.date(2023, 12, 31))  # over
    ProgrammeFactory.create(starts_on=dt.date(2030, 1, 1))  # not started
    for region in (north, north, south):
        EngagementFactory.create(programme=running, place=PlaceFactory.create(region=region))
    EngagementFactory.create(programme=weekly, place=PlaceFactory.create(region=north))
    return {"running": running, "weekly": weekly, "north": north, "south": south}


def test_monthly_summaries_per_programme_and_region(
    scheduled_world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = tasks.schedule_due_summaries("month")
    today = timezone.localdate()
    period = Period.last_completed("month", today)
    rows = LearningSummary.objects.filter(period_start=period.start, period_end=period.end)
    keys = sorted(rows.values_list("scope_key", flat=True))
    running, weekly = scheduled_world["running"].pk, scheduled_world["weekly"].pk
    north, south = scheduled_world["north"].pk, scheduled_world["south"].pk
    assert keys == sorted([
        f"programme:{running}", f"region:{running}:{north}", f"region:{running}:{south}",
        f"programme:{weekly}", f"region:{weekly}:{north}",
    ])
    assert result == {"period": period.label, "created": 5, "requeued": 0}
    assert len(callbacks) == 5 + 5  # five compiles, then each one's PDF
    assert set(rows.values_list("status", flat=True)) == {Status.READY}
    assert {r.pdf_state for r in rows} == {"stored"}
    assert all(r.requested_by_id is None for r in rows)

    # Beat fires twice (a restart): nothing new, nothing queued again.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = tasks.schedule_due_summaries("month")
    assert again["created"] == 0 and again["requeued"] == 0 and callbacks == []
    assert LearningSummary.objects.count() == 5


def test_quarterly_and_weekly_summaries(scheduled_world: dict[str, Any],
                                        django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        quarter = summaries.summaries_schedule_due(kind="quarter", today=dt.date(2024, 4, 1))
        week = summaries.summaries_schedule_due(kind="week", today=dt.date(2024, 4, 1))
    assert (quarter.period.start, quarter.period.end) == (dt.date(2024, 1, 1),
                                                          dt.date(2024, 3, 31))
    assert quarter.created == 2  # two running programmes, no regions
    assert (week.period.start, week.period.end) == (dt.date(2024, 3, 25), dt.date(2024, 3, 31))
    assert week.created == 1  # only the weekly-cadence programme
    assert set(LearningSummary.objects.values_list("period", flat=True)) == {"quarter", "week"}


def test_the_scheduler_requeues_failed_and_early_summaries(
    scheduled_world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    running = scheduled_world["running"]
    today = dt.date(2024, 4, 1)
    march = Period.last_completed("month", today)
    failed = LearningSummaryFactory.create(programme=running, period_start=march.start,
                                           period_end=march.end, status=Status.FAILED, error="x")
    early = LearningSummaryFactory.create(  # asked for on 15 March, before the month was over
        programme=running, scope="region", region=scheduled_world["north"],
        period_start=march.start, period_end=march.end, status=Status.READY,
        compiled_at=timezone.make_aware(dt.datetime(2024, 3, 15, 12)))
    done = LearningSummaryFactory.create(
        programme=running, scope="region", region=scheduled_world["south"],
        period_start=march.start, period_end=march.end, status=Status.READY,
        compiled_at=timezone.make_aware(dt.datetime(2024, 4, 1, 6)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = summaries.summaries_schedule_due(kind="month", today=today)
    assert report.requeued == 2 and report.created == 2  # the weekly programme's two
    statuses = dict(LearningSummary.objects.values_list("pk", "status"))
    assert statuses[failed.pk] == statuses[early.pk] == Status.QUEUED
    assert statuses[done.pk] == Status.READY
    assert len(callbacks) == 4


def test_the_beat_schedule() -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks_named = {entry["task"] for entry in schedule.values()}
    assert tasks_named <= set(celery_app.tasks), "every scheduled task must be registered"
    monthly, quarterly = schedule["summaries-monthly"], schedule["summaries-quarterly"]
    assert monthly["args"] == ("month",) and quarterly["args"] == ("quarter",)
    assert monthly["schedule"] == crontab(minute=0, hour=6, day_of_month=1)
    assert quarterly["schedule"] == crontab(minute=0, hour=6, day_of_month=1,
                                            month_of_year="1,4,7,10")
    digest = schedule["enabler-weekly-digest"]["schedule"]
    assert digest.day_of_week == {1} and digest.hour == {7}
    assert settings.CELERY_TIMEZONE == "Europe/London"
    # Due at 06:00 London time on the 1st, British Summer Time or not.
    monthly["schedule"].app = celery_app
    assert monthly["schedule"].is_due(
        timezone.make_aware(dt.datetime(2024, 6, 30, 6, 0))).is_due is True


# ---- the Monday digest ---------------------------------------------------------------------------

@pytest.fixture
def digest_world(db: None) -> dict[str, Any]:
    monday = dt.date(2024, 3, 18)
    erin = EnablerFactory.create(user__first_name="Erin", user__email="erin@example.org")
    quiet = AssignmentFactory.create(enabler=erin, engagement__place__name="Quietbury").engagement
    busy = AssignmentFactory.create(enabler=erin, engagement__place__name="Busyton").engagement
    paused = AssignmentFactory.create(enabler=erin, engagement__place__name="Pausefield",
                                      engagement__status=Engagement.Status.CLOSED).engagement
    SessionFactory.create(engagement=busy, date=monday - dt.timedelta(days=3), enabler=erin,
                          private_notes="CANARY-digest")
    SessionFactory.create(engagement=quiet, date=monday - dt.timedelta(days=20), enabler=erin,
                          private_notes="CANARY-digest")
    ended = AssignmentFactory.create(enabler=erin, ended_on=dt.date(2024, 2, 1),
                                     engagement__place__name="Formerville")
    omar = EnablerFactory.create(user__first_name="Omar", user__email="omar@example.org")
    AssignmentFactory.create(
        enabler=omar, engagement=busy, role="supporting")  # nothing to say to him
    return {"monday": monday, "quiet": quiet, "paused": paused, "ended": ended}


def test_the_digest_lists_each_enablers_quiet_places(digest_world: dict[str, Any]) -> None:
    from engagements.reminders import enabler_digests_send

    assert enabler_digests_send(today=digest_world["monday"]) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erin@example.org"]
    assert message.subject == "Fieldbook: 1 place with no session logged last week"
    assert "Quietbury" in message.body
    assert "last session logged for 27 February 2024" in message.body
    assert "Busyton" not in message.body  # a session last week
    assert "Pausefield" not in message.body and "Formerville" not in message.body
    assert "11 March to 17 March 2024" in message.body
    assert "/week/" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert "<strong>Quietbury</strong>" in html
    for text in (message.body, html):
        assert "CANARY-digest" not in text

    # A second run in the same week (a retry) sends nothing again.
    assert enabler_digests_send(today=digest_world["monday"] + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1
    # Next week it is due again: Erin (both places quiet now) and Omar (Busyton).
    assert enabler_digests_send(today=digest_world["monday"] + dt.timedelta(days=7)) == 2


def test_the_digest_task_costs_a_fixed_number_of_queries(
    digest_world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        AssignmentFactory.create(engagement__place__name="Elsewhere")
    with (
        mock.patch("engagements.reminders.timezone.localdate",
                   return_value=digest_world["monday"]),
        # Two reads, then one audit row per email: 3 queries each (the audit chain's lock and
        # head, fieldbook.audit, and the INSERT).
        django_assert_max_num_queries(2 + 6 * 3),
    ):
        sent = tasks.send_enabler_digests()
    assert sent == 6


def test_sql_never_touches_private_notes_in_tasks(digest_world: dict[str, Any]) -> None:
    from django.test.utils import CaptureQueriesContext

    from engagements.reminders import enabler_digests_send

    summary = LearningSummaryFactory.create(programme=digest_world["quiet"].programme,
                                            period_start=dt.date(2024, 2, 1),
                                            period_end=dt.date(2024, 2, 29))
    with CaptureQueriesContext(connection) as queries:
        enabler_digests_send(today=digest_world["monday"])
        tasks.compile_learning_summary(summary.pk)
        tasks.render_summary_pdf(summary.pk)
        tasks.requeue_stale_summaries()
    assert queries.captured_queries
    assert not [q for q in queries.captured_queries if "notes_sealed" in q["sql"]]
