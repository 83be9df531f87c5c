"""API clients in the back office (issue 18, point 6): an admin issues a token (shown once),
lists the clients and revokes one, audited; the open-data export of a programme; and the rule
for ODS codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from engagements.api.models import ApiClient
from engagements.api.services import api_client_issue, token_hash
from engagements.models import Programme
from fieldbook.models import AuditEvent
from places.models import ods_code_validator

from .factories import (
    EngagementFactory,
    LearningItemFactory,
    OrganisationFactory,
    ProgrammeFactory,
    SessionFactory,
    ThemeFactory,
)

PRIVATE = "CANARY-open-data-private-91ce"
NEXT_STEPS = "CANARY-open-data-next-steps-2a7d"
UNSHARED = "CANARY-open-data-unshared-6f03"


def _form(programme: Programme, **over: Any) -> dict[str, Any]:
    return {"name": "NHS England BI", "programmes": [programme.pk],
            "expires_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(), **over}


@pytest.mark.django_db
def test_an_admin_issues_a_token_shown_once(admin_client_fb: Client, admin_user: User) -> None:
    programme = ProgrammeFactory.create(name="UEC")
    response = admin_client_fb.post("/manage/api-clients/new/", _form(programme))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    client = ApiClient.objects.get()
    token = response.context["token"]
    assert token in page and "the only time the token is shown" in page
    assert client.token_hash == token_hash(token)
    assert (client.name, client.created_by, list(client.programmes.all())) == (
        "NHS England BI", admin_user, [programme])
    assert client.expires_at == timezone.make_aware(dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=91), dt.time()))
    # The token never appears again: not on the client's page, the list or the audit log.
    for url in ("/manage/api-clients/", f"/manage/api-clients/{client.pk}/", "/manage/audit/"):
        assert token not in admin_client_fb.get(url).content.decode()
    assert AuditEvent.objects.filter(action="engagements.api_client.issued",
                                     actor=admin_user).count() == 1
    # And it works, for its programme.
    called = Client().get("/api/v1/programmes/", headers={"Authorization": f"Bearer {token}"})
    assert [p["slug"] for p in called.json()["items"]] == [programme.slug]


@pytest.mark.django_db
@pytest.mark.parametrize(("over", "field", "message"), [
    ({"name": ""}, "name", "Enter the name of the client"),
    ({"programmes": []}, "programmes", "Choose at least one programme"),
    ({"programmes": ["999999"]}, "programmes", "Select a valid choice"),
    ({"expires_on": ""}, "expires_on", "Enter the date the token expires"),
    ({"expires_on": "2001-01-01"}, "expires_on", "must be after today"),
    ({"expires_on": "9999-12-31"}, "expires_on", "Enter a date between"),
    ({"expires_on": "a\x00b"}, "expires_on", "Enter a valid date"),
])
def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(
        admin_client_fb: Client, over: dict[str, Any], field: str, message: str) -> None:
    programme = ProgrammeFactory.create()
    response = admin_client_fb.post("/manage/api-clients/new/", _form(programme, **over))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert f'id="id_{field}-error"' in response.content.decode() or field == "programmes"
    assert not ApiClient.objects.exists()
    if field != "name":
        assert 'value="NHS England BI"' in response.content.decode()  # what was typed stays


@pytest.mark.django_db
def test_an_admin_revokes_a_token_and_it_stops_working(admin_client_fb: Client,
                                                       admin_user: User) -> None:
    programme = ProgrammeFactory.create()
    issued = api_client_issue(actor=admin_user, name="BI", programmes=[programme],
                              expires_on=timezone.localdate() + dt.timedelta(days=5))
    url = f"/manage/api-clients/{issued.client.pk}/"
    assert "Revoke the token" in admin_client_fb.get(url).content.decode()
    response = admin_client_fb.post(f"{url}revoke/", follow=True)
    page = response.content.decode()
    assert "its token no longer works" in page and "Revoke the token" not in page
    assert "Revoked" in page
    again = admin_client_fb.post(f"{url}revoke/", follow=True).content.decode()
    assert "was already revoked on" in again
    assert AuditEvent.objects.filter(action="engagements.api_client.revoked").count() == 1
    call = Client().get("/api/v1/themes/", headers={"Authorization": f"Bearer {issued.token}"})
    assert call.status_code == 401


@pytest.mark.django_db
def test_the_client_page_shows_its_recent_calls(admin_client_fb: Client,
                                                admin_user: User) -> None:
    issued = api_client_issue(actor=admin_user, name="BI", programmes=[ProgrammeFactory.create()],
                              expires_on=timezone.localdate() + dt.timedelta(days=5))
    Client().get("/api/v1/themes/", headers={"Authorization": f"Bearer {issued.token}"})
    page = admin_client_fb.get(f"/manage/api-clients/{issued.client.pk}/").content.decode()
    assert "<code>/api/v1/themes/</code>" in page and ">200<" in page


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 30])
def test_the_pages_have_a_fixed_query_budget(admin_client_fb: Client, admin_user: User,
                                             django_assert_max_num_queries: Any, n: int) -> None:
    programmes = [ProgrammeFactory.create() for _ in range(3)]
    for i in range(n):
        issued = api_client_issue(actor=admin_user, name=f"Client {i}", programmes=programmes,
                                  expires_on=timezone.localdate() + dt.timedelta(days=5))
        for _ in range(2):
            Client().get("/api/v1/themes/", headers={"Authorization": f"Bearer {issued.token}"})
    with django_assert_max_num_queries(12):
        assert admin_client_fb.get("/manage/api-clients/").status_code == 200
    with django_assert_max_num_queries(12):
        page = admin_client_fb.get(f"/manage/api-clients/{issued.client.pk}/")
        assert page.status_code == 200
    with django_assert_max_num_queries(12):
        assert admin_client_fb.get("/manage/api-clients/new/").status_code == 200


# ---- the open-data export ------------------------------------------------------------------

def _world(places: int) -> Programme:
    programme = ProgrammeFactory.create(slug="uec", name="UEC")
    theme = ThemeFactory.create(name="Discharge", slug="discharge")
    for i in range(places):
        engagement = EngagementFactory.create(programme=programme)
        engagement.place.organisations.add(OrganisationFactory.create(ods_code=f"R{i:02d}"))
        for _ in range(1 if i == 0 else 3):
            session = SessionFactory.create(engagement=engagement, themes=[theme],
                                            private_notes=PRIVATE, next_steps=NEXT_STEPS)
        LearningItemFactory.create(session=session, shareable=False, text=UNSHARED)
    return programme


@pytest.mark.django_db
def test_the_open_data_csv_is_non_personal_and_suppressed(lead_client: Client) -> None:
    _world(places=2)
    response = lead_client.get("/programmes/uec/open-data.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 2
    quiet = next(r for r in rows if r["ODS codes"] == "R00")
    busy = next(r for r in rows if r["ODS codes"] == "R01")
    assert quiet["Held sessions to date"] == "fewer than 3"
    assert quiet["Themes to date (held sessions)"] == "Discharge: fewer than 3"
    assert busy["Held sessions to date"] == "3"
    assert busy["Programme"] == "UEC" and busy["Status"] == "active"
    for secret in (PRIVATE, NEXT_STEPS, UNSHARED, "Person"):
        assert secret not in body


@pytest.mark.django_db
def test_the_open_data_json_has_the_apis_aggregates(lead_client: Client) -> None:
    _world(places=2)
    response = lead_client.get("/programmes/uec/open-data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="uec-open-data-')
    body = response.content.decode()
    data = json.loads(body)
    assert set(data) == {"note", "generated_on", "programme", "places", "engagements",
                         "learning"}
    assert data["programme"]["activity"]["held_sessions"] == {"value": 4, "text": "4"}
    assert sorted(o["ods_code"] for p in data["places"] for o in p["organisations"]) == [
        "R00", "R01"]
    assert len(data["engagements"]) == 2
    for secret in (PRIVATE, NEXT_STEPS, UNSHARED):
        assert secret not in body
    assert lead_client.get("/programmes/uec/open-data.xml").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("places", [1, 15])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_open_data_export_has_a_fixed_query_budget(
        lead_client: Client, django_assert_max_num_queries: Any, places: int, fmt: str) -> None:
    _world(places)
    with django_assert_max_num_queries(30):
        response = lead_client.get(f"/programmes/uec/open-data.{fmt}")
        if fmt == "csv":
            b"".join(response.streaming_content)  # type: ignore[attr-defined]


# ---- ODS codes -----------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["RXN", "00R", "QE1", "RXN01", "8J829", "A81001"])
def test_ods_codes_of_the_nhs_format_are_accepted(code: str) -> None:
    ods_code_validator(code)


@pytest.mark.parametrize("code", ["RX", "rxn", "RXN-01", "RXN 1", "ABCDEFG", "R\x00N", "ＲＸＮ"])
def test_other_ods_codes_are_refused_with_a_clear_message(code: str) -> None:
    with pytest.raises(ValidationError, match="An ODS code is 3 to 6 capital letters and digits"):
        ods_code_validator(code)
