"""Across places in a programme: the themes x places heatmap and the enabler caseload.
Leads and admins only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fieldbook.access import role_required
from fieldbook.roles import Role

from ..dashboard.across import caseload_page, heatmap_page
from ..dashboard.filters import filter_choices
from .dashboard import get_programme_for, wants_fragment, windows_now


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
@vary_on_headers("HX-Request")
def heatmap(request: HttpRequest, programme: str) -> HttpResponse:
    """Themes x places, last quarter. 10 queries for the page, 10 for the htmx fragment."""
    prog = get_programme_for(request.user, programme)
    w = windows_now()
    regions = filter_choices(prog)["region"]
    region = request.GET.get("region", "")
    region = region if region in dict(regions) else ""
    context = {
        "programme": prog, "windows": w, "regions": regions, "region": region,
        "heatmap": heatmap_page(prog, w, request.GET.get("page"), region=region),
    }
    if wants_fragment(request):
        return render(request, "engagements/heatmap.html#heatmap-table", context)
    return render(request, "engagements/heatmap.html", context)


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def caseload(request: HttpRequest, programme: str) -> HttpResponse:
    """Each enabler's places and days this month against capacity. 7 queries."""
    prog = get_programme_for(request.user, programme)
    w = windows_now()
    page, rows = caseload_page(prog, w, request.GET.get("page"))
    return render(request, "engagements/caseload.html",
                  {"programme": prog, "windows": w, "page": page, "rows": rows})
