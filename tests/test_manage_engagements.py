"""Manage → a place → Programmes → an engagement: changing the engagement, assigning enablers
and ending assignments, recording and changing outcomes. What an Admin did in the Django admin,
now in Fieldbook's own audited pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from enablers import services as assignments
from enablers.models import Assignment
from engagements.models import Engagement, Outcome
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent

from .factories import (
    AssignmentFactory,
    EnablerFactory,
    EngagementFactory,
    OutcomeFactory,
    SessionFactory,
    ThemeFactory,
)
from .security_support import verified_client

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=60)


def _page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _error_beside(page: str, field: str, text: str) -> None:
    start = page.index(f'id="id_{field}-error"')
    assert escape(text) in page[start:start + 600], page[start:start + 600]


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def engagement() -> Engagement:
    return EngagementFactory.create(started_on=START, requested_on=START - dt.timedelta(days=7),
                                    status=Engagement.Status.ACTIVE, focus="Discharge")


def _engagement_post(e: Engagement, **overrides: Any) -> dict[str, Any]:
    e.refresh_from_db()
    data = {"seen": e.version, "status": e.status, "focus": e.focus,
            "days_allocated": "" if e.days_allocated is None else str(e.days_allocated),
            "requested_on": e.requested_on.isoformat(),
            "started_on": e.started_on.isoformat() if e.started_on else "",
            "ended_on": e.ended_on.isoformat() if e.ended_on else ""}
    return {**data, **overrides}


def _url(name: str, *args: Any) -> str:
    return reverse(f"backoffice:{name}", args=args)


# ---- the place page links to its engagements ------------------------------------------------


def test_the_place_page_lists_its_programmes_with_a_change_link(
    admin_client_fb: Client, engagement: Engagement
) -> None:
    page = _page(admin_client_fb.get(_url("place-edit", engagement.place.pk)))
    assert 'id="programmes"' in page
    assert engagement.programme.name in page
    assert _url("engagement-edit", engagement.pk) in page
    assert ">Active<" in page


# ---- the engagement --------------------------------------------------------------------------


def test_changing_an_engagement_saves_bumps_its_version_and_audits_what_changed(
    admin_client_fb: Client, admin_user: User, engagement: Engagement
) -> None:
    response = admin_client_fb.post(_url("engagement-edit", engagement.pk), _engagement_post(
        engagement, status="paused", days_allocated="7.5", focus="Discharge and flow"))
    assert response.status_code == 302
    assert response["Location"] == _url("engagement-edit", engagement.pk)
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.PAUSED
    assert engagement.days_allocated == Decimal("7.5")
    assert engagement.version == 2
    (event,) = _events("engagements.engagement.changed")
    assert event.actor == admin_user
    assert event.object_id == str(engagement.pk)
    assert event.changes == {"status": "paused", "days_allocated": "7.5",
                             "focus": "Discharge and flow"}


def test_saving_an_engagement_unchanged_writes_no_audit_row(
    admin_client_fb: Client, engagement: Engagement
) -> None:
    assert admin_client_fb.post(_url("engagement-edit", engagement.pk),
                                _engagement_post(engagement)).status_code == 302
    assert _events("engagements.engagement.changed") == []


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"started_on": (START - dt.timedelta(days=30)).isoformat()}, "started_on",
     "The start must be on or after the date support was requested"),
    ({"ended_on": (START - dt.timedelta(days=1)).isoformat()}, "ended_on",
     "The end must be on or after the start"),
    ({"days_allocated": "-2"}, "days_allocated", "Days allocated cannot be negative"),
    ({"days_allocated": "lots"}, "days_allocated", "Enter days allocated as a number"),
    ({"requested_on": ""}, "requested_on", "Enter the date the place asked for support"),
    ({"status": "finished"}, "status", "Choose the engagement's status"),
])
def test_a_bad_engagement_change_is_a_message_beside_its_field_and_keeps_the_input(
    admin_client_fb: Client, engagement: Engagement, overrides: dict[str, str], field: str,
    message: str,
) -> None:
    data = _engagement_post(engagement, focus="Typed focus, kept", **overrides)
    page = _page(admin_client_fb.post(_url("engagement-edit", engagement.pk), data))
    _error_beside(page, field, message)
    assert "Typed focus, kept" in page
    if field == "days_allocated":
        assert f'value="{overrides[field]}"' in page
    engagement.refresh_from_db()
    assert engagement.focus == "Discharge" and engagement.version == 1
    assert _events("engagements.engagement.changed") == []


def test_a_stale_engagement_change_is_refused_and_keeps_what_was_typed(
    admin_client_fb: Client, engagement: Engagement
) -> None:
    data = _engagement_post(engagement, focus="Mine")
    # Someone else saves first.
    Engagement.objects.filter(pk=engagement.pk).update(focus="Theirs", version=2)
    page = _page(admin_client_fb.post(_url("engagement-edit", engagement.pk), data))
    assert "was changed since you opened it" in page
    assert "Saved now, by someone else" in page and "Theirs" in page
    assert ">\nMine</textarea>" in page
    assert 'name="seen" value="2"' in page
    engagement.refresh_from_db()
    assert engagement.focus == "Theirs"
    # Saving again is a deliberate choice to replace it.
    assert admin_client_fb.post(_url("engagement-edit", engagement.pk),
                                {**data, "seen": 2}).status_code == 302
    engagement.refresh_from_db()
    assert engagement.focus == "Mine" and engagement.version == 3


# ---- assignments -----------------------------------------------------------------------------


def test_assigning_a_lead_and_a_supporting_enabler(
    admin_client_fb: Client, admin_user: User, engagement: Engagement
) -> None:
    lead, support = EnablerFactory.create(), EnablerFactory.create()
    page = _page(admin_client_fb.get(_url("assignment-add", engagement.pk)))
    assert lead.display_name in page
    for enabler, role in ((lead, "lead"), (support, "supporting")):
        response = admin_client_fb.post(_url("assignment-add", engagement.pk), {
            "enabler": enabler.pk, "role": role, "started_on": START.isoformat()})
        assert response.status_code == 302, response.content.decode()
    assert set(Assignment.objects.filter(engagement=engagement).values_list(
        "enabler", "role")) == {(lead.pk, "lead"), (support.pk, "supporting")}
    events = _events("enablers.assignment.created")
    assert [e.changes["role"] for e in events] == ["lead", "supporting"]
    assert events[0].changes["enabler"] == lead.display_name and events[0].actor == admin_user


def test_a_second_current_lead_is_refused_beside_the_role(
    admin_client_fb: Client, engagement: Engagement
) -> None:
    current = AssignmentFactory.create(engagement=engagement, role=Assignment.Role.LEAD)
    other = EnablerFactory.create()
    page = _page(admin_client_fb.post(_url("assignment-add", engagement.pk), {
        "enabler": other.pk, "role": "lead", "started_on": TODAY.isoformat()}))
    _error_beside(page, "role", f"already has a lead enabler ({current.enabler.display_name})")
    assert f'value="{TODAY.isoformat()}"' in page
    assert f'<option value="{other.pk}" selected>' in page
    assert _events("enablers.assignment.created") == []


def test_inactive_or_already_assigned_enablers_are_not_offered_and_refused(
    admin_client_fb: Client, admin_user: User, engagement: Engagement
) -> None:
    closed = EnablerFactory.create(is_active=False)
    on_it = AssignmentFactory.create(engagement=engagement, role=Assignment.Role.SUPPORTING).enabler
    page = _page(admin_client_fb.get(_url("assignment-add", engagement.pk)))
    assert closed.display_name not in page and on_it.display_name not in page
    for enabler in (closed, on_it):
        page = _page(admin_client_fb.post(_url("assignment-add", engagement.pk), {
            "enabler": enabler.pk, "role": "supporting", "started_on": TODAY.isoformat()}))
        _error_beside(page, "enabler", "Choose an active enabler from the list")
    # The service says why, for any caller.
    with pytest.raises(DomainError) as closed_error:
        assignments.assignment_add(actor=admin_user, engagement=engagement, enabler=closed,
                                   role="supporting", started_on=TODAY)
    assert "closed to new assignments" in closed_error.value.field_errors["enabler"][0]
    with pytest.raises(DomainError) as twice:
        assignments.assignment_add(actor=admin_user, engagement=engagement, enabler=on_it,
                                   role="supporting", started_on=TODAY)
    assert "already assigned" in twice.value.field_errors["enabler"][0]


def test_ending_an_assignment_keeps_it_and_audits(
    admin_client_fb: Client, admin_user: User, engagement: Engagement
) -> None:
    assignment = AssignmentFactory.create(engagement=engagement, started_on=START)
    page = _page(admin_client_fb.get(_url("engagement-edit", engagement.pk)))
    end_url = _url("assignment-end", engagement.pk, assignment.pk)
    assert end_url in page
    assignment.refresh_from_db()
    response = admin_client_fb.post(end_url, {"seen": assignment.updated_at.isoformat(),
                                              "ended_on": TODAY.isoformat()})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ended_on == TODAY
    (event,) = _events("enablers.assignment.ended")
    assert event.changes["ended_on"] == TODAY.isoformat() and event.actor == admin_user
    page = _page(admin_client_fb.get(_url("engagement-edit", engagement.pk)))
    assert assignment.enabler.display_name in page and ">Ended<" in page
    assert end_url not in page
    # Ended, a new lead may be added.
    assignments.assignment_add(actor=admin_user, engagement=engagement,
                               enabler=EnablerFactory.create(), role="lead", started_on=TODAY)


def test_an_end_before_the_start_is_refused_beside_the_date(
    admin_client_fb: Client, engagement: Engagement
) -> None:
    assignment = AssignmentFactory.create(engagement=engagement, started_on=START)
    before = (START - dt.timedelta(days=1)).isoformat()
    page = _page(admin_client_fb.post(
        _url("assignment-end", engagement.pk, assignment.pk),
        {"seen": assignment.updated_at.isoformat(), "ended_on": before}))
    _error_beside(page, "ended_on", "The end must be on or after the start")
    assert f'value="{before}"' in page
    page = _page(admin_client_fb.post(_url("assignment-end", engagement.pk, assignment.pk),
                                      {"seen": assignment.updated_at.isoformat()}))
    _error_beside(page, "ended_on", "Enter the date the assignment ends")
    assignment.refresh_from_db()
    assert assignment.ended_on is None


def test_a_stale_assignment_end_is_refused(admin_client_fb: Client,
                                           engagement: Engagement) -> None:
    assignment = AssignmentFactory.create(engagement=engagement, started_on=START)
    seen = assignment.updated_at.isoformat()
    Assignment.objects.filter(pk=assignment.pk).update(
        updated_at=assignment.updated_at + dt.timedelta(seconds=1))
    page = _page(admin_client_fb.post(_url("assignment-end", engagement.pk, assignment.pk),
                                      {"seen": seen, "ended_on": TODAY.isoformat()}))
    assert "was changed since you opened it" in page
    assert f'value="{TODAY.isoformat()}"' in page
    assignment.refresh_from_db()
    assert assignment.ended_on is None


# ---- outcomes --------------------------------------------------------------------------------


def test_recording_and_changing_an_outcome(
    admin_client_fb: Client, admin_user: User, engagement: Engagement
) -> None:
    flow, culture = ThemeFactory.create(name="Flow"), ThemeFactory.create(name="Culture")
    response = admin_client_fb.post(_url("outcome-add", engagement.pk), {
        "kind": "pathway_redesign", "recorded_on": TODAY.isoformat(),
        "title": "Chest pain pathway redesigned", "measure": "3,600 bed nights avoided",
        "description": "", "themes": [flow.pk]})
    assert response.status_code == 302
    outcome = Outcome.objects.get(engagement=engagement)
    assert outcome.recorded_by == admin_user
    assert [t.name for t in outcome.themes.all()] == ["Flow"]
    (created,) = _events("engagements.outcome.created")
    assert created.changes["title"] == "Chest pain pathway redesigned"
    assert created.changes["themes"] == ["Flow"]
    page = _page(admin_client_fb.get(_url("engagement-edit", engagement.pk)))
    assert "Chest pain pathway redesigned" in page and "3,600 bed nights avoided" in page
    edit_url = _url("outcome-edit", engagement.pk, outcome.pk)
    assert edit_url in page

    page = _page(admin_client_fb.get(edit_url))
    seen = page.split('name="seen" value="')[1].split('"')[0]
    response = admin_client_fb.post(edit_url, {
        "seen": seen, "kind": "pathway_redesign", "recorded_on": TODAY.isoformat(),
        "title": "Chest pain pathway redesigned", "measure": "4,000 bed nights avoided",
        "description": "", "themes": [flow.pk, culture.pk]})
    assert response.status_code == 302
    (changed,) = _events("engagements.outcome.changed")
    assert changed.changes == {"measure": "4,000 bed nights avoided",
                               "themes": ["Culture", "Flow"]}
    outcome.refresh_from_db()
    assert outcome.recorded_by == admin_user


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": ""}, "title", "Enter a title for the outcome"),
    ({"recorded_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "recorded_on",
     "The date recorded cannot be in the future"),
    ({"recorded_on": "31/02/2024"}, "recorded_on", "Enter a real date"),
    ({"kind": ""}, "kind", "Choose the kind of outcome"),
])
def test_a_bad_outcome_is_a_message_beside_its_field_and_keeps_the_input(
    admin_client_fb: Client, engagement: Engagement, overrides: dict[str, str], field: str,
    message: str,
) -> None:
    data = {"kind": "relationships", "recorded_on": TODAY.isoformat(), "title": "A title",
            "measure": "Typed measure, kept", "description": "", **overrides}
    page = _page(admin_client_fb.post(_url("outcome-add", engagement.pk), data))
    _error_beside(page, field, message)
    assert 'value="Typed measure, kept"' in page
    assert not Outcome.objects.exists()


def test_a_stale_outcome_change_is_refused_and_keeps_what_was_typed(
    admin_client_fb: Client, engagement: Engagement
) -> None:
    outcome = OutcomeFactory.create(engagement=engagement, title="Theirs first",
                                    status="recorded")
    seen = outcome.updated_at.isoformat()
    Outcome.objects.filter(pk=outcome.pk).update(
        title="Theirs", updated_at=outcome.updated_at + dt.timedelta(seconds=1))
    page = _page(admin_client_fb.post(_url("outcome-edit", engagement.pk, outcome.pk), {
        "seen": seen, "kind": outcome.kind, "recorded_on": outcome.recorded_on.isoformat(),
        "title": "Mine", "measure": "", "description": ""}))
    assert "was changed since you opened it" in page and "Saved now, by someone else" in page
    assert 'value="Mine"' in page
    outcome.refresh_from_db()
    assert outcome.title == "Theirs"


def test_an_outcome_the_place_confirmed_is_not_changed_by_an_admin(
    admin_client_fb: Client, engagement: Engagement
) -> None:
    """Issue 16: a confirmed outcome is the place's word. Manage shows it, and refuses a change
    beside the form, saving nothing."""
    outcome = OutcomeFactory.create(engagement=engagement, title="Confirmed by them")
    page = _page(admin_client_fb.post(_url("outcome-edit", engagement.pk, outcome.pk), {
        "seen": outcome.updated_at.isoformat(), "kind": outcome.kind,
        "recorded_on": outcome.recorded_on.isoformat(), "title": "Rewritten", "measure": "",
        "description": ""}))
    assert "The place confirmed this outcome" in page
    outcome.refresh_from_db()
    assert outcome.title == "Confirmed by them"


# ---- who may, and whose ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["engagement-edit", "assignment-add", "outcome-add"])
@pytest.mark.parametrize("persona", ["enabler_user", "lead_user"])
def test_other_roles_are_refused(request: pytest.FixtureRequest, engagement: Engagement,
                                 name: str, persona: str) -> None:
    client = verified_client(request.getfixturevalue(persona))
    assert client.get(_url(name, engagement.pk)).status_code == 403
    assert client.post(_url(name, engagement.pk), {}).status_code == 403


def test_another_engagements_assignment_or_outcome_is_not_found(
    admin_client_fb: Client, engagement: Engagement
) -> None:
    other = EngagementFactory.create()
    assignment = AssignmentFactory.create(engagement=other)
    outcome = OutcomeFactory.create(engagement=other)
    for url in (_url("assignment-end", engagement.pk, assignment.pk),
                _url("outcome-edit", engagement.pk, outcome.pk),
                _url("engagement-edit", 999999), _url("assignment-add", 999999),
                _url("outcome-add", 999999)):
        assert admin_client_fb.get(url).status_code == 404, url
        assert admin_client_fb.post(url, {"ended_on": TODAY.isoformat()}).status_code == 404
    assignment.refresh_from_db()
    assert assignment.ended_on is None


def test_the_views_answer_get_and_post_only(admin_client_fb: Client,
                                            engagement: Engagement) -> None:
    assert admin_client_fb.put(_url("engagement-edit", engagement.pk)).status_code == 405
    assert admin_client_fb.delete(_url("outcome-add", engagement.pk)).status_code == 405


# ---- cost ------------------------------------------------------------------------------------


def test_the_engagement_page_costs_the_same_for_1_or_50_outcomes(
    admin_client_fb: Client, engagement: Engagement, django_assert_max_num_queries: Any
) -> None:
    themes = [ThemeFactory.create() for _ in range(3)]
    SessionFactory.create(engagement=engagement, date=START)
    counts = []
    for total in (1, 50):
        for _ in range(Outcome.objects.filter(engagement=engagement).count(), total):
            OutcomeFactory.create(engagement=engagement).themes.set(themes)
            SessionFactory.create(engagement=engagement, date=START)
        AssignmentFactory.create(engagement=engagement, role=Assignment.Role.SUPPORTING)
        with django_assert_max_num_queries(12) as captured:
            page = _page(admin_client_fb.get(_url("engagement-edit", engagement.pk)))
        assert page.count(">Change<span") == total
        counts.append(len(captured))
    assert counts[0] == counts[1]
    print(f"\nengagement page: {counts} queries at 1 and 50 outcomes")
