"""Retention's pages (issue 18, points 2 and 3): each for the reviewers only (the URL x role
matrix in tests/test_access.py), forms shown again with what was typed and the error beside
the field, and query budgets that do not grow with the queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.retention import services
from engagements.retention.models import (
    DestructionEntry,
    Disposal,
    Erasure,
    RetentionPolicy,
    ReviewItem,
)
from fieldbook.models import AuditEvent
from fieldbook.roles import Role
from places.models import BoardMembership, Organisation, Person

from .factories import (
    BoardMembershipFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
)
from .security_support import verified_client

QUEUE = reverse("engagements:retention-queue")


def _left(n: int) -> list[ReviewItem]:
    for k in range(n):
        BoardMembershipFactory.create(started_on=dt.date(2015, 1, 1),
                                      ended_on=dt.date(2016, 1, 1) + dt.timedelta(days=k))
    services.review_queue_fill(today=dt.date(2026, 1, 1))
    return list(ReviewItem.objects.order_by("pk"))


@pytest.fixture
def second(db: None) -> Client:
    return verified_client(UserFactory.create(username="second", first_name="Sam",
                                              roles=[Role.ADMIN]))


@pytest.mark.parametrize("n", [2, 60])
def test_the_queue_has_a_fixed_query_budget(dpo_client: Client, dpo_user: User, n: int,
                                            django_assert_max_num_queries: Any) -> None:
    items = _left(n)
    services.disposal_request(actor=dpo_user, item_ids=[items[0].pk], reason="Old")
    with django_assert_max_num_queries(12):
        page = dpo_client.get(QUEUE)
    assert page.status_code == 200
    with django_assert_max_num_queries(12):
        assert dpo_client.get(QUEUE + "?state=disposal_requested").status_code == 200
    body = page.content.decode()
    assert "Disposals awaiting approval" in body
    assert "who left on" in body
    assert not any(p.full_name in body for p in Person.objects.all())  # no one is named


@pytest.mark.parametrize("n", [1, 30])
def test_the_destruction_log_and_erasures_have_fixed_budgets(
        dpo_user: User, dpo_client: Client, n: int, django_assert_max_num_queries: Any) -> None:
    approver = UserFactory.create(username="app", roles=[Role.ADMIN])
    for _ in range(n):
        disposal = Disposal.objects.create(requested_by=dpo_user, reason="x",
                                           approved_by=approver, state="done")
        DestructionEntry.objects.create(disposal=disposal, record_class="respondent_links",
                                        count=3, destroyed_at=timezone.now(),
                                        requested_by=dpo_user, approved_by=approver)
        Erasure.objects.create(person=PersonFactory.create(), placeholder="A board member, x",
                               reason="Asked", requested_by=dpo_user)
    with django_assert_max_num_queries(9):
        page = dpo_client.get(reverse("engagements:retention-destruction-log"))
    assert "Finished respondent links" in page.content.decode()
    with django_assert_max_num_queries(11):
        assert dpo_client.get(reverse("engagements:retention-erasures") + "?q=Alex"
                              ).status_code == 200
    with django_assert_max_num_queries(9):
        assert dpo_client.get(reverse("backoffice:retention-policies")).status_code == 200
    with django_assert_max_num_queries(12):
        assert dpo_client.get(reverse("engagements:retention-disposal",
                                      args=[disposal.pk])).status_code == 200


def test_asking_for_a_disposal_without_a_reason_keeps_the_ticks(dpo_client: Client) -> None:
    items = _left(3)
    page = dpo_client.post(QUEUE, {"items": [items[0].pk, items[2].pk], "reason": ""})
    body = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in body
    assert "Enter why these records can be destroyed" in body
    assert body.count(" checked>") == 2
    assert not Disposal.objects.exists()
    page = dpo_client.post(QUEUE, {"reason": "Old"})
    assert "Choose the records to dispose of" in page.content.decode()
    page = dpo_client.post(QUEUE, {"items": ["x", "999999"], "reason": "Old"})
    assert page.status_code == 200 and not Disposal.objects.exists()


def test_a_held_record_is_refused_with_a_message(dpo_client: Client, dpo_user: User) -> None:
    item = _left(1)[0]
    services.review_hold(actor=dpo_user, item=item, version=item.version, reason="Tribunal")
    page = dpo_client.post(QUEUE, {"items": [item.pk], "reason": "Old"})
    assert "on legal hold" in page.content.decode()
    assert AuditEvent.objects.filter(action="retention.disposal.refused_hold").exists()


def test_the_requester_cannot_approve_and_a_second_reviewer_can(
        dpo_client: Client, second: Client, django_capture_on_commit_callbacks: Any) -> None:
    items = _left(2)
    response = dpo_client.post(QUEUE, {"items": [i.pk for i in items], "reason": "Old"})
    disposal = Disposal.objects.get()
    assert response["Location"] == reverse("engagements:retention-disposal", args=[disposal.pk])
    url = response["Location"]
    page = dpo_client.post(url, {"version": disposal.version, "action": "approve"})
    assert "you cannot approve it" in page.content.decode()
    assert BoardMembership.objects.count() == 2
    assert BoardMembership.objects.count() == 2  # nothing destroyed before the approval
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = second.post(url, {"version": disposal.version, "action": "approve"})
    assert response.status_code == 302 and len(callbacks) == 1
    # The test settings run tasks eagerly: the job queued after commit has run.
    disposal.refresh_from_db()
    assert disposal.state == Disposal.State.DONE
    assert BoardMembership.objects.count() == 0
    shown = second.get(url).content.decode()
    assert "2 board memberships of people who left" in shown
    stale = second.post(url, {"version": 1, "action": "approve"})
    assert "approved, withdrawn or changed" in stale.content.decode()


def test_extending_needs_a_future_date_and_a_reason(dpo_client: Client) -> None:
    item = _left(1)[0]
    url = reverse("engagements:retention-item", args=[item.pk])
    page = dpo_client.post(url, {"version": item.version, "decision": "extend",
                                 "review_on": "2001-01-01", "reason": "Inquiry open"})
    body = page.content.decode()
    assert "Enter a date after today" in body and "Inquiry open" in body
    later = (timezone.localdate() + dt.timedelta(days=100)).isoformat()
    response = dpo_client.post(url, {"version": item.version, "decision": "extend",
                                     "review_on": later, "reason": "Inquiry open"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == ReviewItem.State.EXTENDED
    hold = dpo_client.post(url, {"version": item.version, "decision": "hold",
                                 "reason": "Claim"})
    assert hold.status_code == 302
    lift = dpo_client.post(url, {"version": item.version + 1, "decision": "lift"})
    assert lift.status_code == 302
    item.refresh_from_db()
    assert item.state == ReviewItem.State.DUE


def test_a_policy_change_is_checked_and_audited(dpo_client: Client) -> None:
    url = reverse("backoffice:retention-policy-edit", args=["respondent_links"])
    page = dpo_client.post(url, {"period_months": "0", "reason": "Because"})
    assert "between 1 and 1200" in page.content.decode()
    page = dpo_client.post(url, {"period_months": "twelve", "reason": ""})
    assert "whole number of months" in page.content.decode()
    assert dpo_client.post(url, {"period_months": "12", "reason": "Audit query window"}
                           ).status_code == 302
    assert RetentionPolicy.objects.get().period_months == 12
    assert AuditEvent.objects.filter(action="retention.policy.changed").exists()
    assert dpo_client.get(reverse("backoffice:retention-policy-edit", args=["learning"])
                          ).status_code == 404
    assert dpo_client.get(reverse("backoffice:retention-policy-edit", args=["nonsense"])
                          ).status_code == 404


def test_an_erasure_through_the_pages(dpo_client: Client, second: Client) -> None:
    org = OrganisationFactory.create(kind=Organisation.Kind.LOCAL_AUTHORITY)
    person = PersonFactory.create(full_name="Perpetua Oddington", organisation=org)
    BoardMembershipFactory.create(person=person)
    url = reverse("engagements:retention-erasures")
    found = dpo_client.get(url + "?q=oddington").content.decode()
    assert "Perpetua Oddington" in found
    page = dpo_client.post(url + "?q=oddington", {"person": person.pk, "reason": ""})
    assert "Enter why this person is to be erased" in page.content.decode()
    response = dpo_client.post(url, {"person": person.pk, "reason": "Asked on 1 May"})
    erasure = Erasure.objects.get()
    where = response["Location"]
    assert where == reverse("engagements:retention-erasure", args=[erasure.pk])
    assert dpo_client.post(where, {"version": 1, "action": "approve"}).status_code == 200
    assert second.post(where, {"version": 1, "action": "approve"}).status_code == 302
    person.refresh_from_db()
    assert person.full_name == "A board member, local authority"
    assert "Oddington" not in second.get(url).content.decode()
    assert dpo_client.post(url, {"person": 99999999, "reason": "x"}).status_code == 404
