"""The programme lead's pages: the programme list, the programme dashboard and its export.

Leads and admins only (enablers get 403). Leads are the central team: any lead may open any
programme; an unknown programme is a 404. With htmx, a filter change swaps only the table
(``engagements/dashboard.html#dashboard-table``); without JavaScript the same GET form reloads
the page. Query counts are stated on each view and asserted in tests/test_dashboard_budget.py.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fieldbook.access import role_required
from fieldbook.roles import Role

from .. import exports
from ..dashboard.common import BREADTH_COLUMNS, Windows
from ..dashboard.filters import SORTS, DashboardFilterForm, filter_choices
from ..dashboard.programme import (
    dashboard_page,
    dashboard_queryset,
    headlines,
    iter_rows,
    programme_list,
    quiet_engagements,
)
from ..models import Programme

EXPORT_FORMATS = ("csv", "xlsx")


def get_programme_for(user: object, slug: str) -> Programme:
    """A programme a lead or admin may read (any of them: leads are the central team)."""
    return get_object_or_404(Programme, slug=slug)


def windows_now() -> Windows:
    return Windows(timezone.localdate())


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx swap, not a history restore (which needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request  # type: ignore[attr-defined]


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Pick a programme. 4 queries (session, user, roles, programmes with counts)."""
    return render(request, "engagements/dashboard-index.html",
                  {"programmes": list(programme_list(request.user))})


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
@vary_on_headers("HX-Request")
def programme_dashboard(request: HttpRequest, programme: str) -> HttpResponse:
    """One row per place. 14 queries for the page, 11 for the htmx table fragment."""
    prog = get_programme_for(request.user, programme)
    w = windows_now()
    form = DashboardFilterForm(request.GET, choices=filter_choices(prog))
    values = form.values()
    qs = dashboard_queryset(prog, values, w)
    context = {
        "programme": prog, "form": form, "values": values, "windows": w,
        "breadth_columns": BREADTH_COLUMNS, "is_filtered": form.is_filtered,
        "selects": [form[name] for name in ("region", "status", "enabler", "theme", "sort")],
        "sort_label": SORTS[values["sort"]][0],
    }
    if wants_fragment(request):
        context["table"] = dashboard_page(qs, w, request.GET.get("page"))
        return render(request, "engagements/dashboard.html#dashboard-table", context)
    context["table"] = dashboard_page(qs, w, request.GET.get("page"),
                                      quiet=quiet_engagements(prog, w))
    context["headlines"] = headlines(prog, w)
    return render(request, "engagements/dashboard.html", context)


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def dashboard_export(request: HttpRequest, programme: str, fmt: str) -> HttpResponseBase:
    """Every filtered row (not just one page) as CSV or XLSX, built 500 rows at a time."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format.")
    prog = get_programme_for(request.user, programme)
    w = windows_now()
    form = DashboardFilterForm(request.GET, choices=filter_choices(prog))
    rows = iter_rows(dashboard_queryset(prog, form.values(), w), w)
    return exports.export_response(
        fmt, f"{prog.slug}-places-{exports.stamp(w)}", "Places",
        exports.DASHBOARD_HEADER, exports.dashboard_rows(rows),
    )
