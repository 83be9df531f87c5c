"""The programme's reach: the dashboard (reach by area and profession, funding against reach,
innovations with their latest result), an area's page (its cohorts, funding, innovations and
measures) with the forms that record them, and the measures and reach exports.

Programme leads and admins only: they run the programme and hold its figures (enablers record
measures on their engagement's measures page). Queries are stated on each view and asserted in
tests/test_reach.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from engagements.dashboards import exports
from engagements.dashboards.views import EXPORT_FORMATS, get_programme_for
from engagements.measures.reads import charts_of
from engagements.models import Engagement, Outcome
from engagements.reach import reads, services
from engagements.reach.forms import CohortForm, FundingForm, InnovationForm
from engagements.reach.models import AreaFunding, Cohort
from fieldbook.access import role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role


def get_area_for(programme: str, pk: int) -> Engagement:
    """An engagement (area) of the programme, or 404. One query."""
    return get_object_or_404(Engagement.objects.select_related("programme", "place"),
                             programme__slug=programme, pk=pk)


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def reach_dashboard(request: AuthenticatedHttpRequest, programme: str) -> HttpResponse:
    """10 queries (session, user, roles, programme, and ``reads.reach_page``'s 6)."""
    prog = get_programme_for(request.user, programme)
    return render(request, "engagements/reach/dashboard.html", {
        "programme": prog, "page": reads.reach_page(prog), "professions": reads.PROFESSIONS})


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def area_page(request: AuthenticatedHttpRequest, programme: str, pk: int) -> HttpResponse:
    """An area: funding (the form posts here), cohorts, innovations, measures."""
    area = get_area_for(programme, pk)
    funding = AreaFunding.objects.filter(engagement=area).first()
    initial = ({"version": funding.version, "allocated": funding.allocated,
                "spent": funding.spent} if funding else {})
    form = FundingForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.funding_set(actor=request.user, engagement=area,
                                 allocated=form.cleaned_data["allocated"],
                                 spent=form.cleaned_data["spent"],
                                 version=form.cleaned_data["version"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved the funding for {area.place.name}.")
            return redirect("engagements:reach-area", programme=programme, pk=area.pk)
    cohorts = list(Cohort.objects.filter(engagement=area).prefetch_related("counts")
                   .order_by("-starts_on", "name"))
    return render(request, "engagements/reach/area.html", {
        "programme": area.programme, "area": area, "form": form, "cohorts": cohorts,
        "innovations": reads.innovations_of(area.programme, engagement=area),
        "charts": charts_of(area),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def cohort_add(request: AuthenticatedHttpRequest, programme: str, pk: int) -> HttpResponse:
    area = get_area_for(programme, pk)
    form = CohortForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = services.cohort_record(
                actor=request.user, engagement=area, name=data["name"], kind=data["kind"],
                starts_on=data["starts_on"], ends_on=data["ends_on"],
                returning=data["returning"] or 0, counts=form.counts())
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Recorded “{cohort.name}”.")
            return redirect("engagements:reach-area", programme=programme, pk=area.pk)
    return render(request, "engagements/reach/cohort-add.html",
                  {"programme": area.programme, "area": area, "form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def innovation_add(request: AuthenticatedHttpRequest, programme: str, pk: int) -> HttpResponse:
    area = get_area_for(programme, pk)
    # Confirmed outcomes only: a draft is its enablers' alone, never a lead's or an admin's.
    outcomes = list(Outcome.objects.confirmed().filter(engagement=area)
                    .order_by("-recorded_on", "pk"))
    form = InnovationForm(request.POST if request.method == "POST" else None,
                          outcomes=outcomes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            innovation = services.innovation_record(
                actor=request.user, engagement=area, name=data["name"],
                description=data["description"], status=data["status"],
                outcome_ids=data["outcomes"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Recorded the innovation “{innovation.name}”.")
            return redirect("engagements:reach-area", programme=programme, pk=area.pk)
    return render(request, "engagements/reach/innovation-add.html",
                  {"programme": area.programme, "area": area, "form": form})


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def measures_export(request: AuthenticatedHttpRequest, programme: str,
                    fmt: str) -> HttpResponseBase:
    """Every value of every measure in the programme, long format, as CSV or XLSX."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format.")
    prog = get_programme_for(request.user, programme)
    return exports.export_response(
        fmt, f"{prog.slug}-measures-{timezone.localdate().isoformat()}", "Measures",
        reads.MEASURES_HEADER, reads.measures_rows(prog))


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def reach_export(request: AuthenticatedHttpRequest, programme: str,
                 fmt: str) -> HttpResponseBase:
    """Reach and funding by area, small counts suppressed as on the dashboard."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format.")
    prog = get_programme_for(request.user, programme)
    return exports.export_response(
        fmt, f"{prog.slug}-reach-{timezone.localdate().isoformat()}", "Reach",
        reads.REACH_HEADER, reads.reach_rows(prog))
