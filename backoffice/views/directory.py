"""Manage → Places and Manage → Organisations: the lists, a place's page (its details, board and
organisations) and adding or changing an organisation. Admins manage every place, so a place
or organisation is found by its pk alone; a missing one is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from backoffice import directory
from backoffice.forms import OrganisationForm, PlaceChangeForm
from backoffice.views._forms import posted as _posted
from backoffice.views._forms import stale_form
from fieldbook.access import role_required
from fieldbook.errors import DomainError, StaleEditError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.params import query_int, query_text
from fieldbook.roles import Role
from places.models import BoardMembership, DeliveryBoard, Organisation, Place, Region, System

PAGE_SIZE = 50
ROLE_ORDER = Case(*(When(board_role=value, then=Value(i)) for i, value in
                    enumerate(BoardMembership.BoardRole.values)), output_field=IntegerField())


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def get_place_for_admin(pk: int) -> Place:
    """Any place (admins manage every one), with its region and system; 404 if there is none."""
    return get_object_or_404(Place.objects.select_related("region", "system"), pk=pk)


def get_organisation_for_admin(pk: int) -> Organisation:
    return get_object_or_404(Organisation, pk=pk)


@require_GET
@role_required(Role.ADMIN)
def places(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every place, 50 a page: a count and a page of rows (one query each, whatever the
    number of places)."""
    query = query_text(request.GET, "q", max_length=100)
    status = query_text(request.GET, "status", max_length=50)
    page = Paginator(Place.objects.for_manage(query=query, status=status),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/places.html", {
        "page": page, "query": query, "status": status,
        "statuses": Place.OnboardingStatus.choices, "querystring": _querystring(request),
    })


def _place_form(data: QueryDict | None, initial: dict[str, Any] | None = None) -> PlaceChangeForm:
    return PlaceChangeForm(data, initial=initial,
                           regions=Region.objects.order_by("name"),
                           systems=System.objects.select_related("region").order_by("name"))


def _place_saved(place: Place) -> list[tuple[str, str]]:
    return [("Name", place.name), ("Region", str(place.region)),
            ("Integrated care system", str(place.system or "")),
            ("Onboarding status", place.get_onboarding_status_display()),
            ("Description", place.description)]


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def place_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A place: its details (the form), its delivery board and members, its organisations.
    Ten queries, however many places, systems, members and engagements there are."""
    place = get_place_for_admin(pk)
    form = _place_form(_posted(request), initial=PlaceChangeForm.initial_for(place))
    saved: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = directory.place_change(
                actor=request.user, place=place, seen=data["seen"], name=data["name"],
                region=form.regions_by_pk[data["region"]],
                system=form.systems_by_pk.get(data["system"]),
                onboarding_status=data["onboarding_status"], description=data["description"],
            )
        except StaleEditError as stale:
            form = stale_form(request, stale, _place_form)
            current = get_place_for_admin(place.pk)
            saved = _place_saved(current)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved {changed.name}.")
            return redirect("backoffice:places")
    board = DeliveryBoard.objects.filter(place=place).first()
    memberships = (BoardMembership.objects.filter(board=board)
                   .select_related("person__organisation")
                   .order_by(F("ended_on").desc(nulls_first=True), ROLE_ORDER,
                             "person__full_name", "pk")) if board else []
    return render(request, "backoffice/place-edit.html", {
        "place": place, "form": form, "saved": saved, "board": board,
        "memberships": memberships,
        "organisations": place.organisations.order_by("name"),
        "engagements": place.engagements.select_related("programme")
        .order_by("-programme__starts_on", "programme__name"),
    })


@require_GET
@role_required(Role.ADMIN)
def organisations(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every organisation, 50 a page, with the places each serves: a count, a page of rows and
    the places of that page (three queries, whatever the numbers)."""
    query = query_text(request.GET, "q", max_length=100)
    kind = query_text(request.GET, "kind", max_length=50)
    page = Paginator(Organisation.objects.for_manage(query=query, kind=kind),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/organisations.html", {
        "page": page, "query": query, "kind": kind, "kinds": Organisation.Kind.choices,
        "querystring": _querystring(request),
    })


def _organisation_form(data: QueryDict | None, organisation: Organisation,
                       initial: dict[str, Any] | None = None) -> OrganisationForm:
    served = organisation.places.order_by("name") if organisation.pk else []
    return OrganisationForm(data, initial=initial, served=served, changing=bool(organisation.pk),
                            all_places=Place.objects.select_related("region").order_by("name"))


def _organisation_page(request: AuthenticatedHttpRequest,
                       organisation: Organisation) -> HttpResponse:
    changing = organisation.pk is not None
    initial: dict[str, Any]
    if changing:
        initial = {"seen": organisation.updated_at.isoformat(), "name": organisation.name,
                   "kind": organisation.kind, "ods_code": organisation.ods_code,
                   "places": [p.pk for p in organisation.places.all()]}
    else:
        initial = {"add_place": query_int(request.GET, "place")}
    form = _organisation_form(_posted(request), organisation, initial)
    saved: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(Place.objects.filter(pk__in=form.place_ids()))
        try:
            if changing:
                result = directory.organisation_change(
                    actor=request.user, organisation=organisation, seen=data["seen"],
                    name=data["name"], kind=data["kind"], ods_code=data["ods_code"],
                    places=chosen)
            else:
                result = directory.organisation_add(
                    actor=request.user, name=data["name"], kind=data["kind"],
                    ods_code=data["ods_code"], places=chosen)
        except StaleEditError as stale:
            current = stale.current
            assert isinstance(current, Organisation)
            form = stale_form(request, stale,
                              lambda d: _organisation_form(d, organisation))
            saved = [("Name", current.name), ("Kind", current.get_kind_display()),
                     ("ODS code", current.ods_code),
                     ("Places it serves", ", ".join(p.name for p in current.places.all()))]
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved {result.name}.")
            if data.get("add_place"):  # adding places one at a time: stay on the page
                return redirect("backoffice:organisation-edit", pk=result.pk)
            return redirect("backoffice:organisations")
    return render(request, "backoffice/organisation-edit.html", {
        "form": form, "organisation": organisation, "saved": saved,
        "title": organisation.name if changing else "Add an organisation",
        "n_people": organisation.people.count() if changing else 0,
        "back": reverse("backoffice:organisations"),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def organisation_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _organisation_page(request, Organisation())


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def organisation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _organisation_page(request, get_organisation_for_admin(pk))
