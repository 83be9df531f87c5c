"""The read-only API (/api/v1/, issue 18 point 6): each endpoint's shape and suppression, tokens
(missing, wrong, out of scope, expired, revoked), the rate limit, the call log, fixed query counts
(one row and many), and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from engagements.api.models import ApiCall, ApiClient
from engagements.api.services import Issued, api_client_issue, api_client_revoke, token_hash
from engagements.messages.services import (
    collection_for,
    collection_publish,
    message_save,
    nomination_create,
    nomination_decide,
)
from engagements.models import Engagement, Programme
from fieldbook.models import AuditEvent
from fieldbook.roles import Role

from .factories import (
    EngagementFactory,
    LearningItemFactory,
    OrganisationFactory,
    OutcomeFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    ThemeFactory,
    UserFactory,
    refresh_rollups,
)

PRIVATE = "CANARY-api-private-3f9a"
NEXT_STEPS = "CANARY-api-next-steps-77c1"
UNSHARED = "CANARY-api-unshared-0b2e"
PERSON = "Canary Personname-5d1f"


def issue(admin: User, *programmes: Programme, days: int = 30) -> Issued:
    return api_client_issue(actor=admin, name="NHS England BI", programmes=programmes,
                            expires_on=timezone.localdate() + dt.timedelta(days=days))


def call(path: str, token: str | None, client: Client | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return (client or Client()).get(f"/api/v1{path}", headers=headers)


def busy_programme(places: int = 1, sessions: int = 1) -> tuple[Programme, list[Engagement]]:
    programme = ProgrammeFactory.create(slug="uec")
    theme = ThemeFactory.create(name="Discharge", slug="discharge")
    engagements = []
    for _ in range(places):
        engagement = EngagementFactory.create(programme=programme)
        engagement.place.organisations.add(OrganisationFactory.create())
        for _ in range(sessions):
            SessionFactory.create(engagement=engagement, themes=[theme], private_notes=PRIVATE,
                                  next_steps=NEXT_STEPS)
        engagements.append(engagement)
    return programme, engagements


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory.create(username="api-admin", roles=[Role.ADMIN])


# ---- tokens --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_token_is_stored_only_as_its_hash(admin: User) -> None:
    issued = issue(admin, ProgrammeFactory.create())
    assert issued.token.startswith("fbk_") and len(issued.token) > 40
    row = ApiClient.objects.get()
    assert row.token_hash == token_hash(issued.token) != issued.token
    assert issued.token not in json.dumps(list(ApiClient.objects.values()), default=str)
    audit = AuditEvent.objects.get(action="engagements.api_client.issued")
    assert issued.token not in json.dumps(audit.changes) and audit.actor == admin


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "words"), [
    ({}, "Authorization: Bearer"),
    ({"Authorization": "Bearer fbk_nope"}, "not recognised"),
    ({"Authorization": "Bearer "}, "not recognised"),
    ({"Authorization": "Token abc"}, "Authorization: Bearer"),
    ({"Authorization": "Bearer \x00\ufffe" + "x" * 5000}, "not recognised"),
], ids=["missing", "wrong", "empty", "other-scheme", "hostile"])
def test_no_or_a_wrong_token_is_401_with_a_clear_message(
        admin: User, headers: dict[str, str], words: str) -> None:
    issue(admin, ProgrammeFactory.create())
    for path in ("/programmes/", "/themes/"):
        response = Client().get(f"/api/v1{path}", headers=headers)
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert words in response.json()["detail"]
    assert set(ApiCall.objects.values_list("status", flat=True)) == {401}
    assert not ApiCall.objects.filter(client__isnull=False).exists()


@pytest.mark.django_db
def test_an_expired_token_is_401_and_audited(admin: User) -> None:
    issued = issue(admin, ProgrammeFactory.create())
    ApiClient.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = call("/programmes/", issued.token)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="engagements.api_client.refused",
                                     changes__reason="expired").count() == 1
    assert ApiCall.objects.get().client == issued.client


@pytest.mark.django_db
def test_a_revoked_token_is_401_at_once_and_audited(admin: User) -> None:
    issued = issue(admin, ProgrammeFactory.create())
    assert call("/programmes/", issued.token).status_code == 200
    api_client_revoke(actor=admin, client=issued.client)
    response = call("/programmes/", issued.token)
    assert response.status_code == 401
    assert "revoked on" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="engagements.api_client.revoked").count() == 1
    assert AuditEvent.objects.filter(action="engagements.api_client.refused",
                                     changes__reason="revoked").count() == 1


@pytest.mark.django_db
def test_revoking_twice_says_when_it_was_revoked(admin: User) -> None:
    issued = issue(admin, ProgrammeFactory.create())
    api_client_revoke(actor=admin, client=issued.client)
    stale = ApiClient.objects.get()
    with pytest.raises(Exception, match="already revoked on"):
        api_client_revoke(actor=admin, client=stale)


@pytest.mark.django_db
def test_issuing_refuses_bad_input_with_a_message_per_field(admin: User) -> None:
    from fieldbook.errors import DomainError

    today = timezone.localdate()
    soon = today + dt.timedelta(days=3)
    programme = ProgrammeFactory.create()
    cases: list[tuple[str, list[Programme], dt.date, str]] = [
        ("  ", [programme], soon, "name"),
        ("BI", [], soon, "programmes"),
        ("BI", [programme], today, "expires_on"),
        ("BI", [programme], today + dt.timedelta(days=400), "expires_on"),
    ]
    for name, programmes, expires_on, field in cases:
        with pytest.raises(DomainError) as caught:
            api_client_issue(actor=admin, name=name, programmes=programmes,
                             expires_on=expires_on)
        assert field in caught.value.field_errors
    assert not ApiClient.objects.exists()


@pytest.mark.django_db
def test_a_programme_outside_the_scope_is_404_and_audited(admin: User) -> None:
    mine, theirs = ProgrammeFactory.create(slug="mine"), ProgrammeFactory.create(slug="theirs")
    EngagementFactory.create(programme=theirs)
    issued = issue(admin, mine)
    for tail in ("", "places/", "engagements/", "learning/"):
        response = call(f"/programmes/theirs/{tail}", issued.token)
        assert response.status_code == 404, tail
        assert response.json() == {
            "detail": "No programme with this slug is open to this client."}
        unknown = call(f"/programmes/no-such-programme/{tail}", issued.token)
        assert unknown.status_code == 404 and unknown.json() == response.json()
        assert call(f"/programmes/mine/{tail}", issued.token).status_code == 200
    listed = call("/programmes/", issued.token).json()
    assert [p["slug"] for p in listed["items"]] == ["mine"]
    assert AuditEvent.objects.filter(action="engagements.api_client.refused",
                                     changes__reason="out of scope").count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["x" * 5000, "a%00b", "%F0%9F%98%80", "..", "a b"])
def test_hostile_slugs_and_pages_are_refused_not_500(admin: User, slug: str) -> None:
    issued = issue(admin, ProgrammeFactory.create(slug="uec"))
    assert call(f"/programmes/{slug}/", issued.token).status_code in (404,)
    for page in ("0", "-1", "99999999999999999999999", "%00", "x", "1e3"):
        assert call(f"/programmes/?page={page}", issued.token).status_code in (400, 422), page
    assert call("/programmes/?page=100000", issued.token).json()["items"] == []


@pytest.mark.django_db
def test_the_rate_limit_is_per_client(admin: User, settings: Any) -> None:
    settings.FIELDBOOK_API_CALLS_PER_MINUTE = 3
    programme = ProgrammeFactory.create()
    first, second = issue(admin, programme), issue(admin, programme)
    assert [call("/themes/", first.token).status_code for _ in range(3)] == [200] * 3
    refused = call("/themes/", first.token)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60" and "3 calls a minute" in refused.json()["detail"]
    assert call("/themes/", second.token).status_code == 200  # another client: its own count
    ApiCall.objects.update(called_at=timezone.now() - dt.timedelta(minutes=2))
    assert call("/themes/", first.token).status_code == 200  # the minute has passed


@pytest.mark.django_db
def test_every_call_is_logged_without_personal_data(admin: User) -> None:
    programme, _ = busy_programme()
    issued = issue(admin, programme)
    call("/programmes/uec/", issued.token)
    call("/programmes/gone/", issued.token)
    call("/themes/", None)
    rows = list(ApiCall.objects.order_by("pk").values("client", "path", "status"))
    assert rows == [
        {"client": issued.client.pk, "path": "/api/v1/programmes/uec/", "status": 200},
        {"client": issued.client.pk, "path": "/api/v1/programmes/gone/", "status": 404},
        {"client": None, "path": "/api/v1/themes/", "status": 401},
    ]
    issued.client.refresh_from_db()
    assert issued.client.last_used_at is not None
    assert {f.name for f in ApiCall._meta.get_fields()} == {
        "id", "client", "called_at", "path", "status", "duration_ms"}


# ---- shapes and suppression ----------------------------------------------------------------

@pytest.mark.django_db
def test_programmes_places_and_themes_shapes(admin: User) -> None:
    programme, (engagement,) = busy_programme()
    engagement.place.organisations.set([
        OrganisationFactory.create(name="Lancs Teaching Hospitals", ods_code="RXN"),
        OrganisationFactory.create(name="Age UK Lancs", kind="voluntary", ods_code="")])
    issued = issue(admin, programme)
    listed = call("/programmes/", issued.token).json()
    assert listed["count"] == 1 and listed["pages"] == 1 and listed["page_size"] == 50
    assert listed["items"][0] | {"starts_on": None} == {
        "slug": "uec", "name": programme.name, "description": "", "starts_on": None,
        "ends_on": None, "summary_cadence": "monthly", "places": 1}
    places = call("/programmes/uec/places/", issued.token).json()
    assert places["items"] == [{
        "slug": engagement.place.slug, "name": engagement.place.name,
        "region": engagement.place.region.name, "system": None,
        "organisations": [
            {"name": "Age UK Lancs", "kind": "voluntary",
             "kind_label": "Voluntary and community sector", "ods_code": None},
            {"name": "Lancs Teaching Hospitals", "kind": "acute_trust",
             "kind_label": "Acute trust", "ods_code": "RXN"}]}]
    themes = call("/themes/", issued.token).json()
    assert themes["items"] == [{"slug": "discharge", "name": "Discharge", "description": ""}]


@pytest.mark.django_db
def test_small_numbers_are_suppressed_in_engagements_and_the_aggregate(admin: User) -> None:
    programme, (quiet, busy) = busy_programme(places=2, sessions=1)
    for _ in range(3):
        SessionFactory.create(engagement=busy, themes=list(quiet.sessions.get().themes.all()))
    issued = issue(admin, programme)
    rows = {r["place"]: r for r in call("/programmes/uec/engagements/", issued.token)
            .json()["items"]}
    few = rows[quiet.place.slug]
    assert few["activity"]["held_sessions"] == {"value": None, "text": "fewer than 3"}
    assert few["themes"] == [{"theme": "discharge", "name": "Discharge",
                              "sessions": {"value": None, "text": "fewer than 3"}}]
    many = rows[busy.place.slug]
    assert many["activity"]["held_sessions"] == {"value": 4, "text": "4"}
    assert many["activity"]["days_used"] == 0.8  # 4 × 90 minutes of a 450-minute day
    assert many["status"] == "active" and many["days_allocated"] == 5.0
    assert set(many["last_quarter"]) == {"themes", "sectors"}
    aggregate = call("/programmes/uec/", issued.token).json()
    assert aggregate["activity"]["held_sessions"] == {"value": 5, "text": "5"}
    assert aggregate["themes"] == [{
        "theme": "discharge", "name": "Discharge", "sessions": {"value": 5, "text": "5"},
        "places": {"value": None, "text": "fewer than 3"}}]
    statuses = {s["status"]: s["engagements"] for s in aggregate["engagements_by_status"]}
    assert statuses == {"requested": 0, "diagnostic": 0, "active": 2, "paused": 0, "closed": 0}


def publish(programme: Programme, item_id: int, enabler: Any) -> None:
    lead = UserFactory.create(roles=[Role.LEAD])
    nominated = nomination_create(enabler=enabler, item_id=item_id)
    message = message_save(actor=lead, collection=collection_for(programme), heading="Heading",
                           argument="")
    nomination_decide(actor=lead, nomination=nominated, selected=True, message=message,
                      reason="Because.")
    nominated.collection.refresh_from_db()
    collection_publish(actor=lead, collection=nominated.collection,
                       version=nominated.collection.version)


@pytest.mark.django_db
def test_published_learning_is_counts_with_follow_on_suppression(admin: User) -> None:
    programme, (engagement,) = busy_programme()
    session = engagement.sessions.get()
    for _ in range(6):
        LearningItemFactory.create(session=session, kind="lesson", shareable=True)
    quote = LearningItemFactory.create(session=session, kind="quote", shareable=True,
                                       consent=True, attributed_role="Chief Operating Officer")
    LearningItemFactory.create(session=session, kind="barrier", shareable=False, text=UNSHARED)
    publish(programme, quote.pk, session.enabler)
    issued = issue(admin, programme)
    out = call("/programmes/uec/learning/", issued.token).json()
    assert out["items"] == {"value": 7, "text": "7"}
    kinds = {k["kind"]: k["items"] for k in out["items_by_kind"]}
    assert kinds["quote"] == {"value": None, "text": "fewer than 3"}
    # 7 - 6 would give the lone quote away: the lessons are hidden too.
    assert kinds["lesson"] == {"value": None, "text": "not shown"}
    assert all(k["value"] is None for k in kinds.values() if k["value"] != 0)
    assert out["publications"] == 1
    assert out["latest_publications"][0]["messages"] == 1
    assert out["latest_publications"][0]["items"] == {"value": None, "text": "fewer than 3"}
    assert out["locked_summaries"] == 0 and out["latest_locked_summaries"] == []
    assert UNSHARED not in json.dumps(out) and quote.text not in json.dumps(out)


@pytest.mark.django_db
def test_no_private_note_next_step_or_person_in_any_answer(admin: User) -> None:
    """The canary: every endpoint, every page, as a client of the programme."""
    programme, engagements = busy_programme(places=2, sessions=2)
    session = engagements[0].sessions.first()
    assert session is not None
    LearningItemFactory.create(session=session, kind="lesson", shareable=False, text=UNSHARED)
    session.attendees.add(PersonFactory.create(full_name=PERSON))
    refresh_rollups(session)
    names = [session.enabler.user.get_full_name(), session.enabler.user.username, PERSON]
    issued = issue(admin, programme)
    bodies = [call(p, issued.token).content.decode() for p in (
        "/programmes/", "/programmes/uec/", "/programmes/uec/places/",
        "/programmes/uec/engagements/", "/programmes/uec/learning/", "/themes/",
        "/openapi.json")]
    for body in bodies:
        for secret in (PRIVATE, NEXT_STEPS, UNSHARED, *names):
            assert secret not in body
    rows = json.dumps(list(ApiCall.objects.values()), default=str)
    assert PRIVATE not in rows and issued.token not in rows


# ---- fixed query counts --------------------------------------------------------------------

ENDPOINTS = ["/programmes/", "/programmes/uec/", "/programmes/uec/places/",
             "/programmes/uec/engagements/", "/programmes/uec/learning/",
             "/programmes/uec/outcomes/", "/themes/"]
# The token's three queries, the programme by slug (not for the two lists), the endpoint's own
# and the log's INSERT. The engagements' last quarters are one query from their stored rows,
# or three more when a row is not for today (before the night's job): counted in.
BUDGET = {"/programmes/": 6, "/programmes/uec/": 8, "/programmes/uec/places/": 8,
          "/programmes/uec/engagements/": 12, "/programmes/uec/learning/": 11,
          "/programmes/uec/outcomes/": 8, "/themes/": 6}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("size", [1, 12])
def test_each_endpoint_has_a_fixed_query_count(
        admin: User, django_assert_max_num_queries: Any, path: str, size: int) -> None:
    programme, engagements = busy_programme(places=size, sessions=2)
    for engagement in engagements:
        for _ in range(2):
            engagement.place.organisations.add(OrganisationFactory.create())
        ThemeFactory.create()
        session = engagement.sessions.first()
        assert session is not None
        LearningItemFactory.create(session=session, kind="lesson", shareable=True)
        OutcomeFactory.create(engagement=engagement)
    issued = issue(admin, programme)
    client = Client()
    with django_assert_max_num_queries(BUDGET[path]):
        response = call(path, issued.token, client)
    assert response.status_code == 200


# ---- the OpenAPI document and its docs -----------------------------------------------------

@pytest.mark.django_db
def test_the_openapi_document_validates_and_lists_every_path() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/programmes/", "/api/v1/programmes/{slug}/", "/api/v1/programmes/{slug}/places/",
        "/api/v1/programmes/{slug}/engagements/", "/api/v1/programmes/{slug}/learning/",
        "/api/v1/programmes/{slug}/outcomes/", "/api/v1/themes/"}
    for operations in document["paths"].values():
        assert set(operations) == {"get"}
        assert operations["get"]["security"] == [{"BearerToken": []}]
        assert {"200", "401", "404", "429"} <= set(operations["get"]["responses"])
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_the_docs_page_serves_its_assets_from_our_own_static_files_under_the_csp() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower() and "<script>" not in body
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe" not in csp



@pytest.mark.django_db
def test_confirmed_outcomes_only_as_the_place_confirmed_them_and_never_a_name(
        admin: User) -> None:
    """Issue 18, point 6: "confirmed outcomes" — not a draft, not one awaiting the place or
    declined, not one an admin recorded; the place's correction applied; the role, not the
    board member who confirmed it."""
    programme, (engagement,) = busy_programme()
    confirmed = OutcomeFactory.create(
        engagement=engagement, title="Shared discharge plan",
        correction={"what_changed": "One discharge plan, agreed with social care and the VCS."})
    for status in ("draft", "awaiting", "declined", "recorded"):
        OutcomeFactory.create(engagement=engagement, status=status, title=f"Not {status}",
                              confirmed_by_role="", confirmed_at=None)
    other = ProgrammeFactory.create(slug="other")
    OutcomeFactory.create(engagement=EngagementFactory.create(programme=other),
                          title="Another programme's")
    response = call("/programmes/uec/outcomes/", issue(admin, programme).token)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (row,) = body["items"]
    assert row["title"] == "Shared discharge plan"
    assert row["place"] == engagement.place.slug
    assert row["what_changed"] == "One discharge plan, agreed with social care and the VCS."
    assert row["corrected_by_the_place"] is True
    assert row["confirmed_by"] == "Director of Operations, acute trust"
    assert confirmed.confirmed_at is not None
    assert row["confirmed_on"] == confirmed.confirmed_at.date().isoformat()
    assert PRIVATE not in response.content.decode()
    # Out of scope: the other programme's outcomes are a 404, as its figures are.
    assert call("/programmes/other/outcomes/", issue(admin, programme).token).status_code == 404
