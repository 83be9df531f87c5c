"""The place's own contact, through respondent links (issue 16, points 1 and 3): writing an
outcome in their own words (counted as confirmed by them: substantiated by someone independent
of the enabler), and sending a measure's next value, checked as any value is, with nothing
saved and the link still working when it is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from engagements.measures import services as measures
from engagements.measures.models import Measure, MeasureValue
from engagements.models import Outcome
from engagements.outcomes import services as outcomes
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from fieldbook.units import monday_of

from . import test_outcomes
from .test_outcomes import (
    CONTACT_NAME,
    RESPOND_OPEN,
    form_data,
    link_in_outbox,
    outcomes_section,
    statement,
)

# The outcomes tests' place: the enabler's engagement, a board with the contact (an email
# address) and a member without one.
world = test_outcomes.world

TODAY = dt.date.today()
BASE = monday_of(TODAY - dt.timedelta(weeks=30))


def invite(enabler_client: Client, engagement_pk: int, person_pk: int, capture: Any) -> str:
    with capture(execute=True):
        response = enabler_client.post(
            reverse("engagements:outcome-invite", args=[engagement_pk]), {"person": person_pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    return link_in_outbox()


def opened(path: str) -> Client:
    contact = Client()
    assert contact.get(path).status_code == 302
    return contact


# ---- the place writes an outcome ---------------------------------------------------------------

def test_the_place_writes_an_outcome_and_it_counts_as_confirmed_by_them(
        enabler_client: Client, world: dict[str, Any], lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    engagement = world["engagement"]
    page = enabler_client.get(reverse("engagements:outcomes", args=[engagement.pk]))
    assert "Ask the place to write one" in page.content.decode()
    form = enabler_client.get(reverse("engagements:outcome-invite", args=[engagement.pk]))
    assert CONTACT_NAME in form.content.decode()  # the enabler chooses by name
    assert "Tamsin" not in form.content.decode()  # no email address: not offered
    path = invite(enabler_client, engagement.pk, world["contact"].pk,
                  django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["contact@example.nhs.uk"]
    assert "in your own words" in str(mail.outbox[-1].body)

    contact = opened(path)
    body = contact.get(RESPOND_OPEN).content.decode()
    assert "Describe a change you have seen" in body and engagement.place.name in body
    done = contact.post(RESPOND_OPEN, form_data(title="Shared discharge plan agreed"))
    assert done.status_code == 302
    assert "confirmed by the place" in contact.get(RESPOND_OPEN).content.decode()

    outcome = Outcome.objects.get(title="Shared discharge plan agreed")
    assert outcome.status == Outcome.Status.CONFIRMED and outcome.written_by_place
    assert outcome.recorded_by is None and outcome.confirmed_at is not None
    assert CONTACT_NAME not in outcome.confirmed_by_role and outcome.confirmed_by_role
    # The enablers see it, marked, and cannot change it.
    listing = enabler_client.get(reverse("engagements:outcomes", args=[engagement.pk]))
    assert "(written by the place)" in listing.content.decode()
    with pytest.raises(DomainError):
        outcomes.outcome_edit(actor=engagement.assignments.get().enabler.user,
                              outcome=outcome, seen=outcome.version, data=statement())
    # The lead sees it, credited to a role.
    place = lead_client.get(reverse("engagements:place", args=[engagement.programme.slug,
                                                               engagement.place.slug]))
    shown = outcomes_section(place.content.decode())
    assert "Shared discharge plan agreed" in shown and "Confirmed by " in shown
    assert CONTACT_NAME not in shown
    assert AuditEvent.objects.filter(action="engagements.outcome.written_by_place",
                                     actor__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="engagements.outcome.invited").count() == 1
    assert not AuditEvent.objects.filter(changes__icontains="Tregarthen").exists()
    # Used once: a second visit gets the clear page.
    again = opened(path)
    assert again.get(RESPOND_OPEN).status_code == 410


def test_a_name_or_a_missing_field_from_the_place_saves_nothing_and_keeps_the_link(
        enabler_client: Client, world: dict[str, Any],
        django_capture_on_commit_callbacks: Any) -> None:
    path = invite(enabler_client, world["engagement"].pk, world["contact"].pk,
                  django_capture_on_commit_callbacks)
    contact = opened(path)
    named = contact.post(RESPOND_OPEN, form_data(who_changed="Dr Pengelly",
                                                 what_changed=f"{CONTACT_NAME} now chairs it."))
    assert named.status_code == 200
    assert "looks like a person’s name" in named.content.decode()
    assert f"This names {CONTACT_NAME}" in named.content.decode()
    assert "Dr Pengelly" in named.content.decode()  # what was typed stays
    missing = contact.post(RESPOND_OPEN, form_data(what_changed="", changed_on="2999-01-01"))
    body = missing.content.decode()
    assert missing.status_code == 200 and "Enter what changed" in body
    assert not Outcome.objects.exists()
    link = RespondentLink.objects.get()
    assert link.used_at is None  # still works
    assert contact.post(RESPOND_OPEN, form_data()).status_code == 302
    assert Outcome.objects.get().written_by_place


def test_a_new_invitation_stops_the_old_link_and_only_board_members_are_asked(
        enabler_client: Client, world: dict[str, Any], enabler_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    engagement = world["engagement"]
    first = invite(enabler_client, engagement.pk, world["contact"].pk,
                   django_capture_on_commit_callbacks)
    invite(enabler_client, engagement.pk, world["contact"].pk,
           django_capture_on_commit_callbacks)
    assert opened(first).get(RESPOND_OPEN).status_code == 410
    with pytest.raises(DomainError):
        outcomes.outcome_invite(actor=enabler_user, engagement=engagement,
                                person_id=world["no_email"].pk, link_for=str)
    refused = enabler_client.post(reverse("engagements:outcome-invite", args=[engagement.pk]),
                                  {"person": "999999"})
    assert refused.status_code == 200 and "Choose a current member" in refused.content.decode()


def test_a_confirm_link_cannot_write_an_outcome(world: dict[str, Any], enabler_user: Any,
                                                django_capture_on_commit_callbacks: Any
                                                ) -> None:
    draft = outcomes.outcome_draft(actor=enabler_user, engagement=world["engagement"],
                                   data=statement())
    with django_capture_on_commit_callbacks(execute=True):
        outcomes.outcome_send(actor=enabler_user, outcome=draft, seen=draft.version,
                              person_id=world["contact"].pk,
                              link_for=lambda t: f"http://testserver/respond/{t}/")
    token = link_in_outbox().split("/")[2]
    with pytest.raises(respondents.LinkUnusable):
        outcomes.outcome_write_by_place(token=token, data=statement())
    with pytest.raises(respondents.LinkUnusable):
        measures.measure_value_respond(token=token, on=TODAY, value=Decimal(1))
    assert Outcome.objects.count() == 1


# ---- the place sends a measure's next value ---------------------------------------------------

@pytest.fixture
def measure(world: dict[str, Any], enabler_user: Any) -> Measure:
    m = measures.measure_create(actor=enabler_user, engagement=world["engagement"],
                                name="Delayed transfers (bed days)", unit="percent",
                                direction="lower", frequency="weekly", baseline_start=BASE,
                                baseline_end=BASE + dt.timedelta(weeks=9))
    for n in range(3):
        measures.measure_value_add(actor=enabler_user, measure=m,
                                   on=BASE + dt.timedelta(weeks=n), value=Decimal(40 + n))
    return m


def ask(enabler_client: Client, measure: Measure, person_pk: int, capture: Any) -> str:
    with capture(execute=True):
        response = enabler_client.post(reverse("engagements:measure-send", args=[measure.pk]),
                                       {"person": person_pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    return link_in_outbox()


def test_the_place_sends_the_next_value_through_a_link(
        enabler_client: Client, world: dict[str, Any], measure: Measure, lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    page = enabler_client.get(reverse("engagements:measure", args=[measure.pk]))
    assert "Ask the place for the next value" in page.content.decode()
    path = ask(enabler_client, measure, world["contact"].pk,
               django_capture_on_commit_callbacks)
    assert "Delayed transfers (bed days)" in str(mail.outbox[-1].body)
    contact = opened(path)
    body = contact.get(RESPOND_OPEN).content.decode()
    week_3 = BASE + dt.timedelta(weeks=3)
    assert "Send the latest figure" in body and f'value="{week_3.isoformat()}"' in body
    assert "Latest value" in body and "42" in body  # the latest value, for reference
    done = contact.post(RESPOND_OPEN, {"on": week_3.isoformat(), "value": "39.5"})
    assert done.status_code == 302
    assert "run chart" in contact.get(RESPOND_OPEN).content.decode()
    value = MeasureValue.objects.get(measure=measure, period=week_3)
    assert value.value == Decimal("39.5") and value.source == MeasureValue.Source.PLACE
    assert value.entered_by is None
    measure.refresh_from_db()
    assert (measure.chart_result or {})["points"] == 4  # the stored result follows
    added = AuditEvent.objects.filter(action="engagements.measure.value_added",
                                      actor__isnull=True).get()
    assert added.changes["source"] == "place"
    assert opened(path).get(RESPOND_OPEN).status_code == 410  # once


@pytest.mark.parametrize(("on", "value", "words"), [
    ("week_1", "45", "already a value for the week of"),
    ("before", "45", "before the baseline period"),
    ("week_3", "140", "not a plausible value in percentage"),
    ("week_3", "abc", "Enter the value as a number"),
    ("future", "45", "in the future"),
    ("", "", "Enter the date the value is for"),
])
def test_a_refused_value_from_the_place_saves_nothing_and_keeps_the_link(
        enabler_client: Client, world: dict[str, Any], measure: Measure, on: str, value: str,
        words: str, django_capture_on_commit_callbacks: Any) -> None:
    dates = {"week_1": BASE + dt.timedelta(weeks=1), "week_3": BASE + dt.timedelta(weeks=3),
             "before": BASE - dt.timedelta(days=7), "future": TODAY + dt.timedelta(days=40)}
    path = ask(enabler_client, measure, world["contact"].pk,
               django_capture_on_commit_callbacks)
    contact = opened(path)
    response = contact.post(RESPOND_OPEN, {"on": dates[on].isoformat() if on else "",
                                           "value": value})
    body = response.content.decode()
    assert response.status_code == 200 and words in body, body[:4000]
    assert 'class="nhsuk-error-summary"' in body and value in body
    assert MeasureValue.objects.filter(measure=measure).count() == 3
    assert RespondentLink.objects.get().used_at is None
    assert contact.post(RESPOND_OPEN, {"on": dates["week_3"].isoformat(),
                                       "value": "41"}).status_code == 302


def test_next_period_follows_the_latest_value_and_never_passes_today(
        enabler_user: Any, world: dict[str, Any], measure: Measure) -> None:
    assert measures.next_period(measure) == BASE + dt.timedelta(weeks=3)
    assert measures.next_period(measure, today=BASE + dt.timedelta(weeks=2, days=3)) == \
        BASE + dt.timedelta(weeks=2)
    monthly = measures.measure_create(
        actor=enabler_user, engagement=world["engagement"], name="Referrals", unit="count",
        direction="lower", frequency="monthly", baseline_start=dt.date(2024, 1, 15),
        baseline_end=dt.date(2024, 12, 31))
    assert measures.next_period(monthly) == dt.date(2024, 1, 1)
    measures.measure_value_add(actor=enabler_user, measure=monthly, on=dt.date(2024, 1, 31),
                               value=Decimal(5))
    assert measures.next_period(monthly) == dt.date(2024, 2, 1)


def test_another_enabler_cannot_send_a_measure(world: dict[str, Any], measure: Measure,
                                               other_enabler_user: Any) -> None:
    other_enabler_client = Client()
    other_enabler_client.force_login(other_enabler_user)
    url = reverse("engagements:measure-send", args=[measure.pk])
    assert other_enabler_client.get(url).status_code == 404
    assert other_enabler_client.post(url, {"person": world["contact"].pk}).status_code == 404
    assert not RespondentLink.objects.exists()


def test_the_pages_cost_a_fixed_number_of_queries(
        enabler_client: Client, world: dict[str, Any], measure: Measure,
        django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any) -> None:
    engagement = world["engagement"]
    with django_assert_max_num_queries(10):
        assert enabler_client.get(reverse("engagements:outcome-invite",
                                          args=[engagement.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert enabler_client.get(reverse("engagements:measure-send",
                                          args=[measure.pk])).status_code == 200
    path = ask(enabler_client, measure, world["contact"].pk,
               django_capture_on_commit_callbacks)
    contact = opened(path)
    with django_assert_max_num_queries(12):
        assert contact.get(RESPOND_OPEN).status_code == 200
    path = invite(enabler_client, engagement.pk, world["contact"].pk,
                  django_capture_on_commit_callbacks)
    contact = opened(path)
    with django_assert_max_num_queries(12):
        assert contact.get(RESPOND_OPEN).status_code == 200
