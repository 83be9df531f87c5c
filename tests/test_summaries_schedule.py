"""The schedule is visible (issue 15, point 8): the summaries page says when each cadence
compiles next, for which period, and how the last scheduled compile went; and a real worker
running the scheduled task for a due period makes the summary appear."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.models import LearningSummary
from engagements.summaries.periods import Period
from engagements.summaries.schedule import summary_schedule
from engagements.summaries.services import summaries_schedule_due, summary_fail

from .factories import EngagementFactory, ProgrammeFactory, SessionFactory
from .test_celery_worker import READY_WITHIN, worker  # noqa: F401  (the fixture)

LONDON = ZoneInfo("Europe/London")


def _london(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.django_db
def test_next_compile_for_each_cadence() -> None:
    schedule = {c.kind: c for c in summary_schedule(now=_london(2024, 3, 12, 10, 0))}
    assert list(schedule) == ["month", "quarter", "week"]
    month, quarter, week = schedule["month"], schedule["quarter"], schedule["week"]
    # 06:00 London time (British Summer Time from 31 March).
    assert month.next_at == _london(2024, 4, 1, 6, 0)
    assert month.next_period == Period.containing("month", dt.date(2024, 3, 1))
    assert quarter.next_at == _london(2024, 4, 1, 6, 0)
    assert quarter.next_period is not None and quarter.next_period.label == "January to March 2024"
    assert week.next_at == _london(2024, 3, 18, 6, 0)
    assert week.next_period is not None and week.next_period.label == "Week of 11 March 2024"
    assert all(c.last_at is None and c.outcome == "" for c in schedule.values())


@pytest.mark.django_db
def test_the_last_scheduled_compile_and_its_outcome(
        lead_client: Any, django_assert_max_num_queries: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    programmes = [ProgrammeFactory.create(starts_on=dt.date(2020, 1, 1)) for _ in range(2)]
    for programme in programmes:
        EngagementFactory.create(programme=programme)
    # Tasks run eagerly in tests: the two programme summaries and their regions compile.
    with django_capture_on_commit_callbacks(execute=True):
        report = summaries_schedule_due(kind="month", today=dt.date(2024, 4, 1))
    assert report.created == 4
    failed = LearningSummary.objects.filter(period="month").order_by("pk").first()
    assert failed is not None
    LearningSummary.objects.filter(pk=failed.pk).update(status="compiling")
    summary_fail(summary_id=failed.pk, error="Compiling stopped")
    schedule = {c.kind: c for c in summary_schedule()}
    month = schedule["month"]
    assert month.last_at is not None and month.last_period is not None
    assert month.last_period.label == "March 2024"
    assert month.outcome == "3 ready, 1 failed" and month.failed
    assert schedule["quarter"].last_at is None

    # A run with nothing new to do is a run too.
    summaries_schedule_due(kind="quarter", today=dt.date(2020, 1, 1))
    assert summary_schedule()[1].outcome == "Nothing was due"

    with django_assert_max_num_queries(8):
        page = lead_client.get(reverse("engagements:summary-list"))
    html = page.content.decode()
    assert "Compiled on a schedule" in html
    assert "March 2024: </span><strong class=\"nhsuk-tag nhsuk-tag--red\">3 ready, 1 failed" in html
    assert "Not run yet" in html  # weekly
    assert "Nothing was due" in html


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_a_real_worker_runs_the_scheduled_compile_and_the_summary_appears(
    worker: dict[str, Any], lead_client: Any  # noqa: F811
) -> None:
    from engagements.tasks import schedule_due_summaries

    programme = ProgrammeFactory.create(name="Scheduled Programme", starts_on=dt.date(2020, 1, 1))
    engagement = EngagementFactory.create(programme=programme)
    last_quarter = Period.last_completed("quarter", timezone.localdate())
    SessionFactory.create(engagement=engagement, date=last_quarter.start,
                          private_notes="CANARY-schedule-77 about the chair")
    # What beat sends on the first day of a quarter, taken from Redis by the worker.
    schedule_due_summaries.delay("quarter")

    deadline = time.monotonic() + READY_WITHIN
    summary = None
    while time.monotonic() < deadline:
        summary = LearningSummary.objects.filter(programme=programme, period="quarter").first()
        if summary is not None and summary.status in ("ready", "failed"):
            break
        assert worker["process"].poll() is None, worker["log"].read_text()[-3000:]
        time.sleep(0.2)
    assert summary is not None, worker["log"].read_text()[-3000:]
    assert summary.status == "ready", (summary.error, worker["log"].read_text()[-3000:])
    assert (summary.period_start, summary.period_end) == (last_quarter.start, last_quarter.end)
    assert summary.requested_by is None  # scheduled, not asked for
    assert summary.content["activity"]["sessions"]["now"] == 1

    page = lead_client.get(reverse("engagements:summary-list")).content.decode()
    quarterly = page.split('id="schedule-quarter"')[1].split("</tr>")[0]
    assert f"{last_quarter.label}: " in quarterly and "1 ready" in quarterly
    assert "CANARY-schedule-77" not in page
