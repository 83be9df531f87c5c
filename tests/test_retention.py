"""Retention (issue 18, points 2 and 3): the daily job fills the review queue and destroys
nothing; reviewers extend, hold and lift; disposal needs two people, runs as a job and writes
the destruction log; erasure replaces a person with a placeholder and audits no name."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import close_old_connections, connection
from django.utils import timezone

from engagements.lifecycle.models import SupportRequest
from engagements.models import Engagement, LearningItem, Outcome, Session
from engagements.respondents.models import RespondentLink
from engagements.retention import policies, services
from engagements.retention.models import (
    DestructionEntry,
    Disposal,
    Erasure,
    RecordClass,
    RetentionPolicy,
    ReviewItem,
)
from engagements.retention.tasks import fill_retention_queue, run_disposal
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from fieldbook.roles import Role
from places.models import BoardMembership, Organisation, Person

from .factories import (
    BoardMembershipFactory,
    EngagementFactory,
    LearningItemFactory,
    OrganisationFactory,
    OutcomeFactory,
    PersonFactory,
    SessionFactory,
    UserFactory,
    notes_of,
    notes_write,
)
from .test_celery_worker import worker  # noqa: F401 (the real worker fixture)

TODAY = dt.date(2026, 6, 1)
LONG_AGO = dt.date(2020, 1, 10)


def _closed_engagement_with_notes(text: str = "A private judgement") -> Engagement:
    engagement = EngagementFactory.create(started_on=dt.date(2019, 1, 7))
    SessionFactory.create_batch(2, engagement=engagement)
    notes_write(Session.objects.filter(engagement=engagement), text)
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.CLOSED,
                                                       ended_on=LONG_AGO)
    return engagement


@pytest.fixture
def reviewer(db: None) -> User:
    return UserFactory.create(username="reviewer-2", roles=[Role.ADMIN])


def _fill() -> dict[str, int]:
    return services.review_queue_fill(today=TODAY)


def test_every_class_has_a_reasoned_default_and_the_programme_record_is_permanent() -> None:
    assert set(policies.RULES) == set(RecordClass.values)
    for rule in policies.RULES.values():
        assert len(rule.reason) > 40
    for code in (RecordClass.LEARNING, RecordClass.SUMMARIES, RecordClass.AUDIT_ROWS):
        assert policies.RULES[code].permanent and code not in policies.DISPOSABLE


def test_the_daily_job_queues_what_is_past_its_period_and_destroys_nothing(db: None) -> None:
    engagement = _closed_engagement_with_notes()
    recent = _closed_engagement_with_notes()
    Engagement.objects.filter(pk=recent.pk).update(ended_on=TODAY - dt.timedelta(days=30))
    old_member = BoardMembershipFactory.create(started_on=dt.date(2018, 1, 1),
                                               ended_on=dt.date(2019, 1, 1))
    deleted = SessionFactory.create(engagement=engagement)
    Session.objects.filter(pk=deleted.pk).update(
        deleted_at=timezone.make_aware(dt.datetime(2024, 1, 1)))
    before = (Session.objects.count(), BoardMembership.objects.count())

    added = _fill()

    assert added[RecordClass.PRIVATE_NOTES] == 1
    assert added[RecordClass.ENDED_MEMBERSHIPS] == 1
    assert added[RecordClass.DELETED_SESSIONS] == 1
    items = {i.record_class: i for i in ReviewItem.objects.all()}
    assert items[RecordClass.PRIVATE_NOTES].object_id == engagement.pk
    assert items[RecordClass.PRIVATE_NOTES].due_on == dt.date(2022, 1, 10)
    assert items[RecordClass.ENDED_MEMBERSHIPS].object_id == old_member.pk
    assert old_member.person.full_name not in items[RecordClass.ENDED_MEMBERSHIPS].description
    # Nothing destroyed: rows and notes as they were.
    assert (Session.objects.count(), BoardMembership.objects.count()) == before
    assert notes_of(engagement.sessions.order_by("pk")[0]) == "A private judgement"
    # Idempotent: the second run adds nothing, and neither does the task.
    assert _fill() == {"reopened": 0}
    assert ReviewItem.objects.count() == 3
    fill_retention_queue.run()
    assert ReviewItem.objects.count() == 3
    assert not DestructionEntry.objects.exists()


def test_a_longer_period_set_in_the_back_office_keeps_records_out_of_the_queue(
        db: None, admin_user: User) -> None:
    _closed_engagement_with_notes()
    services.policy_change(actor=admin_user, record_class=RecordClass.PRIVATE_NOTES,
                           period_months=120, reason="Kept for the programme's inquiry")
    assert RecordClass.PRIVATE_NOTES not in _fill()
    event = AuditEvent.objects.get(action="retention.policy.changed")
    assert event.changes["period_months_before"] == 24
    assert event.changes["period_months"] == 120


@pytest.mark.parametrize(("code", "months", "message"), [
    (RecordClass.LEARNING, 12, "kept permanently"),
    (RecordClass.PRIVATE_NOTES, 0, "between 1 and 1200"),
    (RecordClass.PRIVATE_NOTES, 5000, "between 1 and 1200"),
])
def test_bad_periods_are_refused(db: None, admin_user: User, code: str, months: int,
                                 message: str) -> None:
    with pytest.raises(DomainError, match=message):
        services.policy_change(actor=admin_user, record_class=code, period_months=months,
                               reason="x")
    assert not RetentionPolicy.objects.exists()


def test_extend_then_the_item_comes_back_on_its_date(db: None, dpo_user: User) -> None:
    _closed_engagement_with_notes()
    _fill()
    item = ReviewItem.objects.get()
    with pytest.raises(DomainError, match="after today"):
        services.review_extend(actor=dpo_user, item=item, version=item.version,
                               review_on=timezone.localdate(), reason="Inquiry")
    with pytest.raises(DomainError, match="Enter why"):
        services.review_extend(actor=dpo_user, item=item, version=item.version,
                               review_on=timezone.localdate() + dt.timedelta(days=9),
                               reason=" ")
    later = timezone.localdate() + dt.timedelta(days=90)
    services.review_extend(actor=dpo_user, item=item, version=item.version, review_on=later,
                           reason="An inquiry is open")
    assert item.state == ReviewItem.State.EXTENDED
    with pytest.raises(DomainError, match="changed since"):  # a stale page
        services.review_extend(actor=dpo_user, item=item, version=item.version - 1,
                               review_on=later, reason="Again")
    assert services.review_queue_fill(today=later)["reopened"] == 1
    item.refresh_from_db()
    assert item.state == ReviewItem.State.DUE


def _disposal_of(items: list[ReviewItem], requester: User) -> Disposal:
    return services.disposal_request(actor=requester, item_ids=[i.pk for i in items],
                                     reason="Past its period; nothing outstanding")


def test_disposal_needs_a_second_person_and_then_destroys_and_logs(
        db: None, dpo_user: User, reviewer: User,
        django_capture_on_commit_callbacks: Any) -> None:
    engagement = _closed_engagement_with_notes("CANARY-notes-r1")
    BoardMembershipFactory.create(started_on=dt.date(2018, 1, 1), ended_on=dt.date(2019, 1, 1))
    _fill()
    items = list(ReviewItem.objects.all())
    disposal = _disposal_of(items, dpo_user)

    with pytest.raises(DomainError, match="cannot approve"):
        services.disposal_approve(actor=dpo_user, disposal=disposal, version=disposal.version)
    refused = AuditEvent.objects.get(action="retention.disposal.approval_refused")
    assert refused.actor_id == dpo_user.pk
    disposal.refresh_from_db()
    assert disposal.state == Disposal.State.REQUESTED
    assert BoardMembership.objects.count() == 1

    with django_capture_on_commit_callbacks() as callbacks:
        services.disposal_approve(actor=reviewer, disposal=disposal, version=disposal.version)
    assert len(callbacks) == 1  # the job is queued after commit, not run inside it
    assert BoardMembership.objects.count() == 1
    run_disposal.run(disposal.pk)

    disposal.refresh_from_db()
    assert disposal.state == Disposal.State.DONE
    assert BoardMembership.objects.count() == 0
    for session in engagement.sessions.all():
        assert notes_of(session) == ""
    assert Session.objects.filter(engagement=engagement).count() == 2  # sessions stay
    log = {e.record_class: e.count for e in DestructionEntry.objects.all()}
    assert log == {RecordClass.PRIVATE_NOTES: 2, RecordClass.ENDED_MEMBERSHIPS: 1}
    assert set(ReviewItem.objects.values_list("state", flat=True)) == {"disposed"}
    # A second delivery of the task does nothing; a disposed record is not queued again.
    assert run_disposal.run(disposal.pk) == "not approved, or already run"
    assert _fill() == {"reopened": 0}
    assert "CANARY-notes-r1" not in str(list(AuditEvent.objects.values()))


def test_a_held_record_cannot_be_requested_and_a_hold_after_the_request_is_respected(
        db: None, dpo_user: User, reviewer: User) -> None:
    BoardMembershipFactory.create(started_on=dt.date(2018, 1, 1), ended_on=dt.date(2019, 1, 1))
    BoardMembershipFactory.create(started_on=dt.date(2018, 1, 1), ended_on=dt.date(2019, 2, 1))
    _fill()
    first, second = ReviewItem.objects.order_by("pk")
    services.review_hold(actor=dpo_user, item=first, version=first.version,
                         reason="Employment tribunal")
    with pytest.raises(DomainError, match="on legal hold"):
        _disposal_of([first, second], dpo_user)
    assert AuditEvent.objects.filter(action="retention.disposal.refused_hold").exists()
    assert not Disposal.objects.exists()

    services.review_hold_lift(actor=reviewer, item=first, version=first.version)
    disposal = _disposal_of([first, second], dpo_user)
    second.refresh_from_db()
    services.review_hold(actor=reviewer, item=second, version=second.version,
                         reason="A new claim")
    services.disposal_approve(actor=reviewer, disposal=disposal, version=disposal.version)
    result = services.disposal_run(disposal_id=disposal.pk)
    assert result is not None and result.held == 1
    assert BoardMembership.objects.count() == 1  # the held one
    second.refresh_from_db()
    assert second.state == ReviewItem.State.HELD


def test_the_database_refuses_an_approval_by_the_requester(db: None, dpo_user: User) -> None:
    from django.db import IntegrityError, transaction

    disposal = Disposal.objects.create(requested_by=dpo_user, reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Disposal.objects.filter(pk=disposal.pk).update(approved_by=dpo_user, state="approved")


def test_a_withdrawn_disposal_puts_its_records_back_in_the_queue(
        db: None, dpo_user: User, reviewer: User) -> None:
    BoardMembershipFactory.create(started_on=dt.date(2018, 1, 1), ended_on=dt.date(2019, 1, 1))
    _fill()
    disposal = _disposal_of(list(ReviewItem.objects.all()), dpo_user)
    services.disposal_withdraw(actor=reviewer, disposal=disposal, version=disposal.version)
    assert ReviewItem.objects.get().state == ReviewItem.State.DUE
    with pytest.raises(DomainError):
        services.disposal_approve(actor=reviewer, disposal=disposal, version=disposal.version)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_two_approvals_at_once_run_one_disposal(
        django_db_blocker: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two connections at once: PostgreSQL (SQLite has one writer)")
    requester = UserFactory.create(username="req", roles=[Role.DPO])
    approvers = [UserFactory.create(username=f"app-{n}", roles=[Role.ADMIN]) for n in (1, 2)]
    BoardMembershipFactory.create(started_on=dt.date(2018, 1, 1), ended_on=dt.date(2019, 1, 1))
    services.review_queue_fill(today=TODAY)
    disposal = _disposal_of(list(ReviewItem.objects.all()), requester)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user: User) -> None:
        try:
            barrier.wait(timeout=10)
            services.disposal_approve(actor=user, disposal=disposal, version=disposal.version)
            outcomes.append("approved")
        except DomainError:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    assert AuditEvent.objects.filter(action="retention.disposal.approved").count() == 1
    disposal.refresh_from_db()
    assert disposal.state in (Disposal.State.APPROVED, Disposal.State.DONE)


# ---- erasure -------------------------------------------------------------------------------------

NAME = "Marigold Quenby-Fairweather"


def _person() -> Person:
    org = OrganisationFactory.create(kind=Organisation.Kind.ACUTE_TRUST)
    person = PersonFactory.create(full_name=NAME, organisation=org, email="mq@example.nhs.uk")
    BoardMembershipFactory.create(person=person)
    return person


def test_placeholder_is_role_and_sector(db: None) -> None:
    assert services.placeholder_for(_person()) == "A board member, acute trust"
    org = OrganisationFactory.create(kind=Organisation.Kind.COMMISSIONER)
    chair = PersonFactory.create(organisation=org)
    BoardMembershipFactory.create(person=chair, board_role=BoardMembership.BoardRole.CHAIR)
    assert services.placeholder_for(chair) == "A board chair, CCG / ICB"


def test_erasure_replaces_the_person_everywhere_and_audits_no_name(
        db: None, dpo_user: User, reviewer: User, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    person = _person()
    session = SessionFactory.create(next_steps=f"Call {NAME} about discharge")
    session.attendees.add(person)
    outcome = OutcomeFactory.create(engagement=session.engagement,
                                    who_changed=f"{NAME} and the discharge team")
    item = LearningItemFactory.create(session=session, text="A lesson naming nobody")
    RespondentLink.objects.create(purpose="confirm_outcome", person=person,
                                  email=person.email, target=outcome, token_hash="a" * 64,
                                  expires_at=timezone.now())
    erasure = services.erasure_request(actor=dpo_user, person=person,
                                       reason=f"{NAME} asked to be erased")
    with pytest.raises(DomainError, match="already awaiting"):
        services.erasure_request(actor=reviewer, person=person, reason="again")
    with pytest.raises(DomainError, match="cannot approve"):
        services.erasure_approve(actor=dpo_user, erasure=erasure, version=erasure.version)
    Person.objects.get(full_name=NAME)  # not yet

    counts = services.erasure_approve(actor=reviewer, erasure=erasure, version=erasure.version)

    person.refresh_from_db()
    assert person.full_name == "A board member, acute trust"
    assert person.email == "" and person.given_key == ""
    assert session.attendees.count() == 1  # who was in the room still counts
    assert BoardMembership.objects.filter(person=person).count() == 1
    assert not RespondentLink.objects.exists()
    assert counts["respondent_links"] == 1 and counts["texts"] >= 3
    assert Outcome.objects.get().who_changed == "A board member, acute trust and the " \
                                                "discharge team"
    assert NAME not in Session.objects.get(pk=session.pk).next_steps
    assert LearningItem.objects.get(pk=item.pk).text == "A lesson naming nobody"
    erasure.refresh_from_db()
    assert NAME not in erasure.reason and erasure.state == Erasure.State.DONE
    audit = str(list(AuditEvent.objects.values()))
    assert NAME not in audit and "Quenby" not in audit and "mq@example" not in audit
    assert NAME not in caplog.text
    assert AuditEvent.objects.filter(action="retention.erasure.done").exists()
    with pytest.raises(DomainError, match="already been erased"):
        services.erasure_request(actor=dpo_user, person=person, reason="again")


def test_an_erased_person_is_not_named_in_their_request_for_support(
        db: None, dpo_user: User, reviewer: User) -> None:
    person = _person()
    e = EngagementFactory.create()
    SupportRequest.objects.create(
        programme=e.programme, place=e.place, region=e.place.region, contact_name=NAME,
        contact_role="COO", organisation="Trust", email=person.email, help_with="x",
        why_now="y", asked_on=TODAY)
    erasure = services.erasure_request(actor=dpo_user, person=person, reason="Asked")
    services.erasure_approve(actor=reviewer, erasure=erasure, version=erasure.version)
    req = SupportRequest.objects.get()
    assert (req.contact_name, req.email) == ("A board member, acute trust", "")


# ---- the real worker -----------------------------------------------------------------------------

@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_a_real_worker_runs_an_approved_disposal(worker: dict[str, Any]) -> None:  # noqa: F811
    """The approval queues the job on the real Redis after commit; a real ``celery worker``
    takes it, destroys the records and writes the destruction log."""
    import time

    requester = UserFactory.create(username="req-w", roles=[Role.DPO])
    approver = UserFactory.create(username="app-w", roles=[Role.ADMIN])
    BoardMembershipFactory.create(started_on=dt.date(2018, 1, 1), ended_on=dt.date(2019, 1, 1))
    services.review_queue_fill(today=TODAY)
    disposal = _disposal_of(list(ReviewItem.objects.all()), requester)
    services.disposal_approve(actor=approver, disposal=disposal, version=disposal.version)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        disposal.refresh_from_db()
        if disposal.state in (Disposal.State.DONE, Disposal.State.FAILED):
            break
        if worker["process"].poll() is not None:
            break
        time.sleep(0.2)
    assert disposal.state == Disposal.State.DONE, worker["log"].read_text()[-3000:]
    assert not BoardMembership.objects.exists()
    assert DestructionEntry.objects.get().count == 1


def test_finished_links_and_declined_requests_are_queued_then_disposed(
        db: None, dpo_user: User, reviewer: User) -> None:
    outcome = OutcomeFactory.create()
    person = PersonFactory.create()
    old = timezone.make_aware(dt.datetime(2020, 3, 1))
    RespondentLink.objects.create(purpose="confirm_outcome", person=person, email="a@b.nhs.uk",
                                  target=outcome, token_hash="b" * 64, expires_at=old,
                                  used_at=old)
    RespondentLink.objects.create(purpose="confirm_outcome", person=person, email="a@b.nhs.uk",
                                  target=outcome, token_hash="c" * 64,
                                  expires_at=timezone.now() + dt.timedelta(days=3))  # open
    e = EngagementFactory.create()
    SupportRequest.objects.create(
        programme=e.programme, place=e.place, region=e.place.region, contact_name="A B",
        contact_role="COO", organisation="Trust", email="a@b.nhs.uk", help_with="x",
        why_now="y", asked_on=dt.date(2020, 1, 1), state="declined", decided_at=old,
        decline_reason="Not now")
    added = _fill()
    assert added[RecordClass.RESPONDENT_LINKS] == 1
    assert added[RecordClass.DECLINED_REQUESTS] == 1
    assert "a@b" not in str(list(ReviewItem.objects.values("description")))
    disposal = _disposal_of(list(ReviewItem.objects.all()), dpo_user)
    services.disposal_approve(actor=reviewer, disposal=disposal, version=disposal.version)
    result = services.disposal_run(disposal_id=disposal.pk)
    assert result is not None
    assert result.destroyed == {RecordClass.RESPONDENT_LINKS: 1,
                                RecordClass.DECLINED_REQUESTS: 1}
    assert RespondentLink.objects.count() == 1 and not SupportRequest.objects.exists()
    done = AuditEvent.objects.get(action="retention.disposal.done")
    assert done.changes == {"respondent_links": 1, "declined_requests": 1, "left_on_hold": 0}
