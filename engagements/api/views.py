"""The read-only API, /api/v1/ (django-ninja): an OpenAPI 3 document at /api/v1/openapi.json and
its interactive docs at /api/v1/docs (Swagger UI, served from django-ninja's own static files
under the site's CSP).

Every operation needs ``Authorization: Bearer <token>`` (``engagements.api.services``): a
missing, unknown, expired or revoked token is 401, a client over its rate is 429, a programme
outside its scope is 404 — each with a JSON ``detail`` that says what to do. Every call, refused
or not, is logged (``ApiCall``: client, path, status, time; ``urls.py`` wraps each operation).

Query budget per call: the token's three (``caller_for_token``), the programme by slug (one), the
endpoint's own (fixed: see ``reads``), and the log's INSERT.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from pydantic import Field

from engagements.api import reads
from engagements.api import schemas as s
from engagements.api.services import ApiRefused, Caller, caller_for_token, programme_for
from engagements.models import Programme
from fieldbook.access import public
from fieldbook.http import View

PAGE_SIZE = 50
MAX_PAGE = 100_000
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")
REFUSED = {401: s.Problem, 404: s.Problem, 429: s.Problem}


class BearerToken(HttpBearer):
    def __call__(self, request: HttpRequest) -> Caller | None:
        """``Authorization: Bearer <token>``; anything else is no token (401). Parsed here, not
        by ninja, whose parser logs the header it does not understand under DEBUG: a token must
        never reach a log line."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        caller = caller_for_token(token)
        request.api_client = caller.client  # type: ignore[attr-defined]  # for the call log
        return caller


def _docs(view: View) -> View:
    """The document and its docs page: GET only, and open to anyone (they hold no data). A
    named function here, not ninja's partial, so tests can find the view's module."""

    @require_GET
    @public
    def docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return view(request, *args, **kwargs)

    return docs


api = NinjaAPI(
    title="Fieldbook API", version="1",
    description=(
        "Read-only figures of the programmes a client is issued for: programmes, places with "
        "their organisations' ODS codes, engagements with their activity, themes, and published "
        "learning. Aggregates only: no private note and no person is ever in an answer, and "
        "counts of 1 or 2 read \"fewer than 3\" (their value is null). Send the token an admin "
        "issued you as `Authorization: Bearer <token>`."),
    auth=BearerToken(), urls_namespace="api", docs_url="/docs", openapi_url="/openapi.json",
    docs_decorator=_docs,
)


@api.exception_handler(ApiRefused)
def _refused(request: HttpRequest, exc: ApiRefused) -> HttpResponse:
    if exc.client is not None:
        request.api_client = exc.client  # type: ignore[attr-defined]  # for the call log
    response = api.create_response(request, {"detail": exc.message}, status=exc.status)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def _no_token(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {
        "detail": "Send your token in the header Authorization: Bearer <token>. A Fieldbook "
                  "admin issues tokens under Manage → API clients."}, status=401)


class Page(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")


class Paged(s.Schema):
    count: int = Field(description="Rows on every page together.")
    page: int
    pages: int
    page_size: int = PAGE_SIZE


class ProgrammePage(Paged):
    items: list[s.ProgrammeOut]


class PlacePage(Paged):
    items: list[s.PlaceOut]


class EngagementPage(Paged):
    items: list[s.EngagementOut]


class OutcomePage(Paged):
    items: list[s.OutcomeOut]


class ThemePage(Paged):
    items: list[s.ThemeOut]


def _slice(count: int, page: int) -> tuple[slice, dict[str, int]]:
    pages = max(1, math.ceil(count / PAGE_SIZE))
    start = (page - 1) * PAGE_SIZE
    return slice(start, start + PAGE_SIZE), {"count": count, "page": page, "pages": pages}


def _caller(request: HttpRequest) -> Caller:
    caller = request.auth  # type: ignore[attr-defined]  # set by ninja from BearerToken
    assert isinstance(caller, Caller)
    return caller


def _programme(request: HttpRequest, slug: str) -> Programme:
    if not SLUG.fullmatch(slug):
        raise ApiRefused(404, "No programme with this slug is open to this client.")
    return programme_for(_caller(request), slug)


@api.get("/programmes/", response={200: ProgrammePage, **REFUSED}, url_name="programmes",
         summary="The programmes this client may read")
def programmes(request: HttpRequest, q: Query[Page]) -> ProgrammePage:
    rows = reads.programmes_for(_caller(request).client)
    part, meta = _slice(rows.count(), q.page)
    return ProgrammePage(items=[reads.programme_out(p, p.places)  # type: ignore[attr-defined]
                                for p in rows[part]], **meta)


@api.get("/programmes/{slug}/", response={200: s.ProgrammeAggregate, **REFUSED},
         url_name="programme", summary="A programme's figures to date (aggregates)")
def programme(request: HttpRequest, slug: str) -> s.ProgrammeAggregate:
    return reads.programme_aggregate(_programme(request, slug))


@api.get("/programmes/{slug}/places/", response={200: PlacePage, **REFUSED},
         url_name="places", summary="The programme's places, with their organisations' ODS codes")
def places(request: HttpRequest, slug: str, q: Query[Page]) -> PlacePage:
    rows = reads.places_of(_programme(request, slug))
    part, meta = _slice(rows.count(), q.page)
    return PlacePage(items=[reads.place_out(p) for p in rows[part]], **meta)


@api.get("/programmes/{slug}/engagements/", response={200: EngagementPage, **REFUSED},
         url_name="engagements", summary="Each place's engagement and its activity")
def engagements(request: HttpRequest, slug: str, q: Query[Page]) -> EngagementPage:
    rows = reads.engagements_of(_programme(request, slug))
    part, meta = _slice(rows.count(), q.page)
    return EngagementPage(items=reads.engagements_out(list(rows[part])), **meta)


@api.get("/programmes/{slug}/outcomes/", response={200: OutcomePage, **REFUSED},
         url_name="outcomes", summary="Outcomes the places confirmed (never a draft, never a name)")
def outcomes(request: HttpRequest, slug: str, q: Query[Page]) -> OutcomePage:
    rows = reads.outcomes_of(_programme(request, slug))
    part, meta = _slice(rows.count(), q.page)
    return OutcomePage(items=[reads.outcome_out(o) for o in rows[part]], **meta)


@api.get("/programmes/{slug}/learning/", response={200: s.LearningOut, **REFUSED},
         url_name="learning", summary="Published learning, as counts")
def learning(request: HttpRequest, slug: str) -> s.LearningOut:
    return reads.learning_published(_programme(request, slug))


@api.get("/themes/", response={200: ThemePage, **REFUSED}, url_name="themes",
         summary="The themes vocabulary")
def themes(request: HttpRequest, q: Query[Page]) -> ThemePage:
    _caller(request)
    rows = reads.themes_active()
    part, meta = _slice(rows.count(), q.page)
    return ThemePage(items=[reads.theme_out(t) for t in rows[part]], **meta)
