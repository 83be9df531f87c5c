"""Review, then lock (issue 15, point 2): a lead reviews a compiled summary and locks it; a
locked summary never changes — compiling again and the schedule skip it — except that a
withdrawal of consent removes the item and marks the summary "changed after locking"."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.models import LearningItem, LearningSummary, Session
from engagements.summaries.document import summary_markdown_text
from engagements.summaries.review import summary_hash
from engagements.summaries.services import summaries_schedule_due, summary_request
from engagements.week.services import learning_item_withdraw
from fieldbook.models import AuditEvent
from fieldbook.roles import Role

from .factories import LearningSummaryFactory, UserFactory, stored_pdf
from .test_summaries import MARCH, World, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world: World, django_capture_on_commit_callbacks: Any) -> LearningSummary:  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        summary, _ = summary_request(requested_by=None, scope="programme",
                                     programme=world.programme, period=MARCH)
    summary.refresh_from_db()
    assert summary.status == "ready" and summary.pdf_state == "stored"
    return summary


def _url(name: str, summary: LearningSummary) -> str:
    return reverse(f"engagements:{name}", args=[summary.pk])


def _item(summary: LearningSummary, kind: str) -> dict[str, Any]:
    return next(i for i in summary.content["learning"]["items"] if i["kind"] == kind)


def _lock(client: Client, summary: LearningSummary, capture: Any) -> Any:
    summary.refresh_from_db()
    with capture(execute=True):
        return client.post(_url("summary-lock", summary),
                           {"version": summary.review_version, "confirm": "on"})


def test_a_lead_reviews_then_locks(ready: LearningSummary, lead_client: Client,
                                   django_capture_on_commit_callbacks: Any) -> None:
    capture = django_capture_on_commit_callbacks
    lesson = _item(ready, "lesson")
    order = {"position_quiet-places": 1, "position_activity": 2, "position_themes": 3,
             "position_learning": 4, "position_outcomes": 5}
    with capture(execute=True):
        response = lead_client.post(_url("summary-review", ready), {
            "version": ready.review_version, "introduction": "Three things stood out.",
            **order})
    assert response.status_code == 302
    ready.refresh_from_db()
    with capture(execute=True):
        response = lead_client.post(_url("summary-review-item", ready), {
            "item": lesson["id"], "action": "hide",
            f"item-{lesson['id']}-version": ready.review_version,
            f"item-{lesson['id']}-reason": "Repeats the message above"})
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.hidden_items == {str(lesson["id"]): "Repeats the message above"}
    page = lead_client.get(_url("summary-detail", ready)).content.decode()
    assert "Three things stood out." in page
    assert lesson["text"] not in page
    # Places with no contact now comes first, after the introduction.
    assert page.index('id="introduction"') < page.index('id="quiet-places"') < page.index(
        'id="activity"')
    text = summary_markdown_text(ready)
    assert "## Introduction" in text and lesson["text"] not in text
    assert text.index("## Places with no contact") < text.index("## Activity")
    assert ready.pdf_state == "stored"  # rendered again with the review

    response = _lock(lead_client, ready, capture)
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.locked_at is not None and ready.locked_by is not None
    assert len(ready.content_hash) == 64 and ready.content_hash == summary_hash(ready)
    page = lead_client.get(_url("summary-detail", ready)).content.decode()
    assert "Locked" in page and "by Lee" in page and ready.content_hash in page
    assert "Compile again with the latest data" not in page
    assert ready.content_hash in summary_markdown_text(ready)
    assert AuditEvent.objects.filter(action="engagements.summary.locked").count() == 1


def test_a_locked_summary_never_changes(ready: LearningSummary, lead_client: Client,
                                        world: World,  # noqa: F811
                                        django_capture_on_commit_callbacks: Any) -> None:
    """The finding: "a figure a national leader has read can change underneath them"."""
    capture = django_capture_on_commit_callbacks
    _lock(lead_client, ready, capture)
    ready.refresh_from_db()
    before = (ready.content, ready.compiled_at, stored_pdf(ready), ready.content_hash)
    # More work logged in March, then every way a summary gets compiled again.
    Session.objects.filter(engagement=world.a).update(duration_minutes=450)
    with capture(execute=True):
        response = lead_client.post(_url("summary-compile", ready))
    assert response.status_code == 302
    with capture(execute=True):
        again, created = summary_request(requested_by=None, scope="programme",
                                         programme=world.programme, period=MARCH)
        summaries_schedule_due(kind="month", today=dt.date(2024, 4, 1))
    assert again.pk == ready.pk and not created
    ready.refresh_from_db()
    assert ready.status == "ready"
    assert (ready.content, ready.compiled_at, stored_pdf(ready), ready.content_hash) == before
    messages = lead_client.get(_url("summary-detail", ready)).content.decode()
    assert "This summary is locked, so it is not compiled again" in messages


def test_two_leads_locking_at_once_one_wins(transactional_db: None, world: World,  # noqa: F811
                                            ) -> None:
    """Two requests, two database connections, released together: one lock, one refusal."""
    summary = LearningSummaryFactory.create(programme=world.programme, period="month",
                                            period_start=MARCH.start, period_end=MARCH.end)
    from engagements.summaries.services import summary_compile

    assert summary_compile(summary_id=summary.pk) == "ready"
    summary.refresh_from_db()
    leads = [UserFactory.create(username=f"lead-{n}", first_name=n, roles=[Role.LEAD])
             for n in ("Ann", "Bob")]
    barrier = threading.Barrier(2, timeout=10)
    statuses: dict[str, int] = {}
    bodies: dict[str, str] = {}
    errors: list[BaseException] = []

    def lock(user: Any) -> None:
        client = Client()
        client.force_login(user)
        try:
            barrier.wait()
            response = client.post(_url("summary-lock", summary),
                                   {"version": summary.review_version, "confirm": "on"})
            statuses[user.first_name] = response.status_code
            bodies[user.first_name] = response.content.decode()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lock, args=(user,)) for user in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(statuses.values()) == [200, 302], statuses
    winner = next(name for name, status in statuses.items() if status == 302)
    loser = next(name for name, status in statuses.items() if status == 200)
    refusal = bodies[loser]
    assert "There is a problem" in refusal
    assert f"{winner} " in refusal and "locked this summary on" in refusal
    summary.refresh_from_db()
    assert summary.locked_by is not None and summary.locked_by.first_name == winner
    assert AuditEvent.objects.filter(action="engagements.summary.locked").count() == 1


def test_bad_input_comes_back_with_what_was_typed(ready: LearningSummary, lead_client: Client,
                                                  django_capture_on_commit_callbacks: Any
                                                  ) -> None:
    lesson = _item(ready, "lesson")
    # Two sections in the same place: the introduction typed is kept.
    response = lead_client.post(_url("summary-review", ready), {
        "version": ready.review_version, "introduction": "Kept as typed",
        "position_activity": 1, "position_themes": 1, "position_learning": 3,
        "position_outcomes": 4, "position_quiet-places": 5})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Themes and Activity are both in place 1" in html and "Kept as typed" in html
    # Hiding without a reason.
    response = lead_client.post(_url("summary-review-item", ready), {
        "item": lesson["id"], "action": "hide",
        f"item-{lesson['id']}-version": ready.review_version,
        f"item-{lesson['id']}-reason": "   "})
    assert "Say why this item is left out of the summary" in response.content.decode()
    ready.refresh_from_db()
    assert ready.hidden_items == {}
    # Locking while it compiles: the tick is kept.
    LearningSummary.objects.filter(pk=ready.pk).update(status="compiling")
    response = lead_client.post(_url("summary-lock", ready),
                                {"version": ready.review_version, "confirm": "on"})
    html = response.content.decode()
    assert "This summary is still compiling" in html
    assert 'name="confirm" type="checkbox" checked' in html
    LearningSummary.objects.filter(pk=ready.pk).update(status="ready")
    # Unlocking without a reason; then with one, audited.
    _lock(lead_client, ready, django_capture_on_commit_callbacks)
    ready.refresh_from_db()
    response = lead_client.post(_url("summary-unlock", ready),
                                {"version": ready.review_version, "reason": ""})
    assert "Say why this summary is being unlocked" in response.content.decode()
    ready.refresh_from_db()
    assert ready.locked_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(_url("summary-unlock", ready), {
            "version": ready.review_version, "reason": "A figure was mis-keyed"})
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.locked_at is None and ready.content_hash == ""
    event = AuditEvent.objects.get(action="engagements.summary.unlocked")
    assert event.changes["reason"] == "A figure was mis-keyed"


def test_a_withdrawal_after_locking_removes_the_item_and_marks_the_summary(
        ready: LearningSummary, lead_client: Client, world: World,  # noqa: F811
        django_capture_on_commit_callbacks: Any) -> None:
    capture = django_capture_on_commit_callbacks
    _lock(lead_client, ready, capture)
    ready.refresh_from_db()
    locked_hash = ready.content_hash
    quote = LearningItem.objects.get(text="We stopped blaming each other.")
    with capture(execute=True):
        learning_item_withdraw(enabler=quote.session.enabler, item=quote)
    ready.refresh_from_db()
    assert ready.status == "ready" and ready.locked_at is not None
    assert ready.content_hash == locked_hash  # the hash of what was locked
    assert ready.changed_after_lock_at is not None
    item = next(i for i in ready.content["learning"]["items"] if i["id"] == quote.pk)
    assert item["withdrawn"] and item["text"] == "" and item["role"] == ""
    page = lead_client.get(_url("summary-detail", ready)).content.decode()
    assert "Changed after locking" in page and "We stopped blaming" not in page
    assert "We stopped blaming" not in summary_markdown_text(ready)
    assert ready.pdf_state == "stored"  # rendered again without it
    assert b"We stopped blaming" not in stored_pdf(ready)
    assert AuditEvent.objects.filter(action="engagements.summary.changed_after_lock").exists()


def test_sessions_edited_after_locking_are_shown(ready: LearningSummary, lead_client: Client,
                                                 world: World,  # noqa: F811
                                                 django_capture_on_commit_callbacks: Any,
                                                 django_assert_max_num_queries: Any) -> None:
    _lock(lead_client, ready, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(5):
        page = lead_client.get(_url("summary-detail", ready)).content.decode()
    assert "Changed since this summary was locked" not in page
    Session.objects.filter(engagement=world.a, date=dt.date(2024, 3, 12)).update(
        updated_at=timezone.now() + dt.timedelta(seconds=1))
    with django_assert_max_num_queries(5):
        page = lead_client.get(_url("summary-detail", ready)).content.decode()
    assert ("Changed since this summary was locked: fewer than 3 sessions in its period were "
            "added, edited or deleted") in page
    with django_assert_max_num_queries(6):
        review = lead_client.get(_url("summary-review", ready))
    assert "Changed since this summary was locked" in review.content.decode()


def test_the_review_page_costs_the_same_queries_whatever_the_items(
        ready: LearningSummary, lead_client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(5):
        page = lead_client.get(_url("summary-review", ready))
    assert page.status_code == 200 and "Leave it out" in page.content.decode()


def test_the_schedule_skips_a_locked_summary_compiled_mid_period(
        ready: LearningSummary, lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    """Compiled before its period ended, a summary is queued again by the schedule — unless it
    is locked."""
    _lock(lead_client, ready, django_capture_on_commit_callbacks)
    early = timezone.make_aware(dt.datetime(2024, 3, 20, 12, 0))
    LearningSummary.objects.filter(pk=ready.pk).update(compiled_at=early, pdf_compiled_at=early)
    with django_capture_on_commit_callbacks(execute=True):
        report = summaries_schedule_due(kind="month", today=dt.date(2024, 4, 1))
    assert report.requeued == 0
    ready.refresh_from_db()
    assert ready.status == "ready" and ready.compiled_at == early
    # The same summary unlocked is queued again (and compiled, eagerly).
    with django_capture_on_commit_callbacks(execute=True):
        lead_client.post(_url("summary-unlock", ready), {
            "version": ready.review_version, "reason": "Compile it with the whole month"})
        report = summaries_schedule_due(kind="month", today=dt.date(2024, 4, 1))
    assert report.requeued == 1
