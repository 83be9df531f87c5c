"""Like-for-like figures in learning summaries, and who counts as "no contact" (issue 15, point
4): a period in progress is compared with the same days of the one before; paused and closed
places, and places whose visit was postponed, are not gaps — in summaries, the weekly digest
and My week."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from engagements.models import Engagement, LearningSummary, Session
from engagements.reminders import enabler_digests_send, quiet_assignments
from engagements.summaries.content import summary_content
from engagements.summaries.document import summary_document, summary_markdown_text
from engagements.summaries.periods import Period
from engagements.summaries.services import summary_compile, summary_request
from engagements.week.reads import empty_weeks, engagement_rows, quiet_engagements

from .factories import (
    AssignmentFactory,
    LearningSummaryFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _engagement(programme: Any, name: str, **kwargs: Any) -> tuple[Engagement, Any]:
    assignment = AssignmentFactory.create(
        engagement__programme=programme, engagement__place__name=name,
        engagement__started_on=dt.date(2020, 1, 6), **kwargs)
    return assignment.engagement, assignment.enabler


def _sessions(engagement: Engagement, enabler: Any, days: list[dt.date], **kwargs: Any) -> None:
    for day in days:
        SessionFactory.create(engagement=engagement, enabler=enabler, date=day, **kwargs)


def _quarter_summary(programme: Any, quarter: Period) -> LearningSummary:
    return LearningSummaryFactory.create(
        programme=programme, scope="programme", period="quarter",
        period_start=quarter.start, period_end=quarter.end)


def test_a_quarter_in_progress_is_compared_with_the_same_days_of_the_last(db: None) -> None:
    """The finding: "Sessions 50, down 50 from 100" for a quarter in progress. Compiled today
    (the real date, through the compile service): the sessions so far against the same number
    of days of last quarter, not all of it."""
    today = timezone.localdate()
    quarter = Period.containing("quarter", today)
    last = quarter.previous()
    days_so_far = (today - quarter.start).days + 1
    programme = ProgrammeFactory.create(starts_on=dt.date(2020, 1, 1))
    north, enabler = _engagement(programme, "Northfold")
    south, other = _engagement(programme, "Southmere")
    # This quarter so far: 5 sessions at Northfold. Last quarter: 5 in its first days_so_far
    # days at Northfold, and 5 more at Southmere after them (later in last quarter).
    early = [last.start + dt.timedelta(days=i % days_so_far) for i in range(5)]
    late = [last.start + dt.timedelta(days=min(days_so_far + i, last.days - 1))
            for i in range(5)] if days_so_far < last.days else []
    _sessions(north, enabler, [quarter.start + dt.timedelta(days=i % days_so_far)
                               for i in range(5)])
    _sessions(north, enabler, early)
    _sessions(south, other, late)
    lead = UserFactory.create()
    summary, _ = summary_request(requested_by=lead, scope="programme", programme=programme,
                                 period=quarter)
    assert summary_compile(summary_id=summary.pk) == "ready"
    summary.refresh_from_db()
    activity = summary.content["activity"]
    assert activity["sessions"]["now"] == 5
    assert activity["sessions"]["before"] == 5, "compared with the whole of last quarter"
    assert activity["places_reached"] == {"now": 1, "before": 1, "change": 0}
    day_word = "1 day" if days_so_far == 1 else f"{days_so_far} days"
    label = f"first {day_word} of this quarter vs the first {day_word} of last quarter"
    if days_so_far > last.days:
        label = f"first {day_word} of this quarter vs all {last.days} days of last quarter"
    assert summary.content["comparison"]["label"] == label
    doc = summary_document(summary)
    assert doc["figures"][0]["change"] == "No change"
    assert label in summary_markdown_text(summary)


@pytest.mark.parametrize(("today", "label", "before"), [
    # The first day of a quarter: one day against the first day of the last.
    (dt.date(2024, 4, 1), "first 1 day of this quarter vs the first 1 day of last quarter",
     (dt.date(2024, 1, 1), dt.date(2024, 1, 1))),
    # 63 days in.
    (dt.date(2024, 6, 2), "first 63 days of this quarter vs the first 63 days of last quarter",
     (dt.date(2024, 1, 1), dt.date(2024, 3, 3))),
    # The last day of a 91-day quarter, against a 92-day one: its first 91 days.
    (dt.date(2024, 3, 31), "first 91 days of this quarter vs the first 91 days of last quarter",
     (dt.date(2023, 10, 1), dt.date(2023, 12, 30))),
])
def test_quarter_boundaries(today: dt.date, label: str, before: tuple[dt.date, dt.date]) -> None:
    quarter = Period.containing("quarter", today)
    comparison = quarter.compared(today)
    assert comparison.in_progress and comparison.label == label
    assert (comparison.before.start, comparison.before.end) == before
    assert comparison.now.start == quarter.start and comparison.now.end == today


def test_a_longer_quarter_in_progress_uses_all_of_a_shorter_last_one() -> None:
    # Q3 2024 has 92 days, Q2 91: on its last day it is compared with all of Q2.
    comparison = Period.containing("quarter", dt.date(2024, 9, 30)).compared(dt.date(2024, 9, 30))
    assert comparison.label == "first 92 days of this quarter vs all 91 days of last quarter"
    assert (comparison.before.start, comparison.before.end) == (dt.date(2024, 4, 1),
                                                               dt.date(2024, 6, 30))


def test_a_finished_period_is_compared_with_the_whole_one_before() -> None:
    q1 = Period.containing("quarter", dt.date(2024, 2, 1))
    comparison = q1.compared(dt.date(2024, 4, 1))  # the day after it ended
    assert not comparison.in_progress
    assert comparison.now == q1 and comparison.before == q1.previous()
    assert comparison.label == "January to March 2024 vs October to December 2023"
    month = Period.containing("month", dt.date(2024, 3, 12)).compared(dt.date(2024, 3, 12))
    assert month.label == "first 12 days of this month vs the first 12 days of last month"


def test_figures_count_the_same_days_at_the_quarter_boundary(db: None) -> None:
    programme = ProgrammeFactory.create(starts_on=dt.date(2020, 1, 1))
    engagement, enabler = _engagement(programme, "Boundary")
    # 1 January (in the comparison on 1 April), 2 January (not) and 1 April.
    _sessions(engagement, enabler, [dt.date(2024, 1, 1), dt.date(2024, 1, 2),
                                    dt.date(2024, 4, 1)])
    q2 = Period.containing("quarter", dt.date(2024, 4, 1))
    summary = _quarter_summary(programme, q2)
    content = summary_content(summary, today=dt.date(2024, 4, 1))
    assert content["activity"]["sessions"] == {"now": 1, "before": 1, "change": 0}
    # Compiled once Q2 is over, the whole of Q1 counts.
    content = summary_content(summary, today=dt.date(2024, 7, 1))
    assert content["activity"]["sessions"] == {"now": 1, "before": 2, "change": -1}
    assert content["comparison"]["in_progress"] is False


@pytest.fixture
def quiet_world(db: None) -> dict[str, Any]:
    programme = ProgrammeFactory.create(starts_on=dt.date(2020, 1, 1))
    places = {}
    for name, status in (("Pausefield", Engagement.Status.PAUSED),
                         ("Closeby", Engagement.Status.CLOSED),
                         ("Postponeham", Engagement.Status.ACTIVE),
                         ("Silentbury", Engagement.Status.ACTIVE)):
        places[name] = _engagement(programme, name, engagement__status=status)
    engagement, enabler = places["Postponeham"]
    # The place put the visit off: contact was made, it is not a gap.
    _sessions(engagement, enabler, [dt.date(2024, 3, 12)], status=Session.Status.POSTPONED,
              status_reason="Site postponed — winter pressures", duration_minutes=0)
    return {"programme": programme, "places": places}


def test_paused_and_closed_places_and_postponed_visits_are_not_no_contact(
        quiet_world: dict[str, Any]) -> None:
    """The finding: "a paused place is listed under Places with no contact in the summary"."""
    march = Period.containing("month", dt.date(2024, 3, 1))
    summary = LearningSummaryFactory.create(
        programme=quiet_world["programme"], scope="programme", period="month",
        period_start=march.start, period_end=march.end)
    content = summary_content(summary)  # March 2024 is over
    assert [q["place"] for q in content["quiet_places"]] == ["Silentbury"]
    summary.content = content
    text = summary_markdown_text(summary)
    assert "Silentbury" in text
    for name in ("Pausefield", "Closeby", "Postponeham"):
        assert name not in text


def test_the_digest_leaves_paused_places_out(quiet_world: dict[str, Any]) -> None:
    monday = dt.date(2024, 3, 18)
    rows = quiet_assignments(dt.date(2024, 3, 11), dt.date(2024, 3, 17))
    assert [r["engagement__place__name"] for r in rows] == ["Silentbury"]
    assert enabler_digests_send(today=monday) == 1
    assert "Silentbury" in mail.outbox[0].body
    assert "Pausefield" not in "".join(str(m.body) for m in mail.outbox)


def test_my_week_leaves_paused_places_out_of_its_gaps(quiet_world: dict[str, Any]) -> None:
    paused, enabler = quiet_world["places"]["Pausefield"]
    rows = engagement_rows(enabler)
    assert [r.engagement.place.name for r in rows] == ["Pausefield"]
    today = dt.date(2024, 3, 20)
    assert quiet_engagements(rows, today) == []
    assert empty_weeks(enabler, today, rows) == []
    # Resumed: a gap again.
    Engagement.objects.filter(pk=paused.pk).update(status=Engagement.Status.ACTIVE)
    rows = engagement_rows(enabler)
    assert [r.engagement.place.name for r in quiet_engagements(rows, today)] == ["Pausefield"]
    assert empty_weeks(enabler, today, rows)
