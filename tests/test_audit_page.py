"""The audit page tells what happened in words, filters, pages with a fixed query budget and
exports to CSV and XLSX (backoffice.audit_trail, backoffice.views.audit)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from engagements.models import Session
from engagements.week import services
from engagements.week.services import SessionData
from fieldbook.audit import audit_record
from fieldbook.models import AuditEvent

from .factories import (
    AssignmentFactory,
    OutcomeFactory,
    PlaceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

AUDIT = reverse("backoffice:audit")
EXPORT = reverse("backoffice:audit-export")
NOTES = "PRIVATE-audit-canary-3b9e"


def _jo_logs_a_visit(place_name: str = "Central Lancashire") -> tuple[User, Session]:
    assignment = AssignmentFactory.create(
        enabler__user__first_name="Jo", enabler__user__last_name="Pennington",
        engagement__place__name=place_name)
    enabler = assignment.enabler
    today = timezone.localdate()
    day = today - dt.timedelta(days=1)
    session, _ = services.session_log(
        enabler=enabler, idempotency_key=uuid.uuid4(), today=today,
        data=SessionData(engagement_id=assignment.engagement_id, date=day,
                         kind=Session.Kind.SITE_VISIT, duration_minutes=90,
                         private_notes=f"The chair was furious. {NOTES}"))
    services.session_update(
        enabler=enabler, session=session, expected_version=1, today=today,
        data=SessionData(engagement_id=assignment.engagement_id, date=day,
                         kind=Session.Kind.SITE_VISIT, duration_minutes=120,
                         private_notes=f"Calmer now. {NOTES}"))
    return enabler.user, session


def _page(client: Client, **params: Any) -> str:
    response = client.get(AUDIT, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_says_what_happened_in_words(admin_client_fb: Client) -> None:
    _user, session = _jo_logs_a_visit()
    day = session.date
    html = _page(admin_client_fb)
    short = f"{day.day} {day:%b}" if day.year == timezone.localdate().year \
        else f"{day.day} {day:%b %Y}"
    assert f"Jo Pennington edited a site visit to Central Lancashire on {short}" in html
    assert f"Jo Pennington logged a site visit to Central Lancashire on {short}" in html
    # The private note: that it changed, never what it says or its ciphertext.
    assert NOTES not in html
    sealed = Session.objects.values_list("notes_sealed", flat=True).get(pk=session.pk)
    assert sealed and sealed[:40] not in html
    assert "changed (not shown)" in html


def test_an_outcome_and_a_django_admin_change_in_words(admin_client_fb: Client) -> None:
    outcome = OutcomeFactory.create(title="One discharge plan",
                                    engagement__place__name="Barnet & Enfield")
    rosa = UserFactory.create(first_name="Rosa", last_name="Root")
    audit_record(actor=rosa, action="engagements.outcome.created", obj=outcome)
    audit_record(actor=rosa, action="django_admin.places.place.changed",
                 obj=outcome.engagement.place,
                 changes={"fields": {"name": {"before": "Barnet", "after": "Barnet & Enfield"}}})
    html = _page(admin_client_fb)
    assert "Rosa Root added the outcome “One discharge plan” for Barnet &amp; Enfield" in html
    assert ("Rosa Root edited the place Barnet &amp; Enfield in the Django admin" in html)
    assert "Barnet → Barnet &amp; Enfield" in html


def test_filters_by_who_record_action_place_and_date(admin_client_fb: Client) -> None:
    jo, session = _jo_logs_a_visit("Central Lancashire")
    other_place = PlaceFactory.create(name="Wakefield")
    ada = UserFactory.create(first_name="Ada", last_name="Admin")
    audit_record(actor=ada, action="places.place.changed", obj=other_place,
                 changes={"name": "Wakefield"})
    old = audit_record(actor=ada, action="places.place.onboarded", obj=other_place)
    assert old.place_id == other_place.pk

    def sentences(**params: Any) -> int:
        return _page(admin_client_fb, **params).count('class="nhsuk-body nhsuk-u-margin-bottom-1"')

    assert sentences() == 4
    assert sentences(who="Pennington") == 2
    assert sentences(who="ada admin") == 2
    assert sentences(record="sessions") == 2
    assert sentences(record="places") == 2
    assert sentences(done="edited") == 2  # the session edit and the place change
    assert sentences(done="added") == 2  # the session logged, the place onboarded
    assert sentences(place=other_place.pk) == 2
    assert sentences(place=session.engagement.place_id) == 2
    today = timezone.localdate()
    assert sentences(since=today.isoformat(), until=today.isoformat()) == 4
    assert sentences(until=(today - dt.timedelta(days=1)).isoformat()) == 0
    assert jo.pk


@pytest.mark.parametrize("params", [
    {"since": "2024-02-30"}, {"place": "99999999999999"}, {"who": "a\x00b"},
    {"until": "1900-01-01"}, {"place": "abc"},
])
def test_bad_filters_are_a_400_not_a_500(admin_client_fb: Client, params: dict[str, str]
                                         ) -> None:
    assert admin_client_fb.get(AUDIT, params).status_code == 400
    assert admin_client_fb.get(EXPORT, params).status_code == 400


def test_unknown_choices_are_ignored(admin_client_fb: Client) -> None:
    _jo_logs_a_visit()
    html = _page(admin_client_fb, record="nonsense", done="nothing", page="9999")
    assert "Jo Pennington" in html


@pytest.mark.parametrize("rows", [1, 60])
def test_the_page_has_a_fixed_query_budget(admin_client_fb: Client, rows: int,
                                           django_assert_max_num_queries: Any) -> None:
    """Session, user, roles (3), the places (for the filter and the rows), the count, the page
    with actors, then the words: sessions, learning items, outcomes (3) = 9, at 1 row or a full
    page of every kind."""
    for _ in range(rows):
        _jo_logs_a_visit(f"Place {uuid.uuid4().hex[:6]}")
        outcome = OutcomeFactory.create()
        audit_record(actor=None, action="engagements.outcome.changed", obj=outcome)
    with django_assert_max_num_queries(9):
        html = _page(admin_client_fb)
    assert "Jo Pennington" in html
    with django_assert_max_num_queries(9):
        _page(admin_client_fb, who="Jo", record="sessions", page="2")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_opens_and_holds_no_private_note(admin_client_fb: Client, fmt: str) -> None:
    _jo_logs_a_visit()
    audit_record(actor=None, action="places.place.changed", obj=PlaceFactory.create(),
                 changes={"name": "=HYPERLINK(\"http://evil\")"})
    response = admin_client_fb.get(EXPORT, {"format": fmt, "who": "Pennington"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows: list[list[Any]]
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(body), read_only=True).active
        assert sheet is not None
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    else:
        import csv

        rows = [list(row) for row in csv.reader(io.StringIO(body.decode("utf-8-sig")))]
    assert rows[0][:3] == ["When", "Who", "What happened"]
    assert len(rows) == 3  # header + the logged and the edited visit (the filter applies)
    assert all(str(row[1]) == "Jo Pennington" for row in rows[1:])
    assert "edited a site visit to Central Lancashire" in str(rows)
    assert NOTES not in body.decode("utf-8", "replace")
    # The export is audited too.
    assert AuditEvent.objects.filter(action="fieldbook.audit.exported").exists()


def test_the_export_neutralises_formulas(admin_client_fb: Client) -> None:
    audit_record(actor=None, action="places.place.changed", obj=PlaceFactory.create(
        name="=HYPERLINK(1)"))
    body = b"".join(admin_client_fb.get(EXPORT, {"format": "csv"})
                    .streaming_content)  # type: ignore[attr-defined]
    assert b",=HYPERLINK" not in body


def test_a_bad_format_is_a_400(admin_client_fb: Client) -> None:
    assert admin_client_fb.get(EXPORT, {"format": "pdf"}).status_code == 400


def test_only_admins_reach_the_page_and_export(lead_client: Client, enabler_client: Client
                                               ) -> None:
    for client in (lead_client, enabler_client):
        assert client.get(AUDIT).status_code == 403
        assert client.get(EXPORT).status_code == 403
    assert Client().get(EXPORT).status_code == 302
