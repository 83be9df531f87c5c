"""The programme lead's pages: the programme list, the programme dashboard and its export; a
place's page and its timeline export; the themes x places heatmap and the enabler caseload.

Leads and admins only (enablers get 403). Leads are the central team: any lead may open any
programme; an unknown programme is a 404. With htmx, a filter change swaps only the table
(``engagements/dashboard.html#dashboard-table``); without JavaScript the same GET form reloads
the page. Query counts are stated on each view and asserted in tests/test_dashboard_budget.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from engagements.context.reads import place_context_of
from engagements.dashboards import cells, exports
from engagements.dashboards.caseload import caseload_page
from engagements.dashboards.charts import themes_chart
from engagements.dashboards.definitions import BREADTH_COLUMNS, Windows, quarter_breadth
from engagements.dashboards.filters import (
    SORTS,
    DashboardFilterForm,
    filter_choices,
    region_choices,
)
from engagements.dashboards.heatmap import heatmap_page
from engagements.dashboards.place import (
    LEARNING_SHOWN,
    PlaceSummary,
    board_of,
    enablers_of,
    engagement_for,
    iter_timeline,
    learning_of,
    outcomes_of,
    sector_coverage,
    themes_over_time,
    timeline_page,
)
from engagements.dashboards.programme import (
    dashboard_page,
    dashboard_queryset,
    headlines,
    iter_rows,
    programme_list,
    quiet_engagements,
)
from engagements.diagnostic import reads as diagnostic_reads
from engagements.lifecycle import reads as lifecycle_reads
from engagements.lifecycle.services import VERBS, steps_from
from engagements.measures.reads import charts_of
from engagements.models import Programme
from engagements.outcomes import reads as outcome_reads
from engagements.voice import reads as voice_reads
from fieldbook.access import role_required
from fieldbook.http import AuthenticatedHttpRequest, HtmxHttpRequest
from fieldbook.params import query_date, query_int, query_text
from fieldbook.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from engagements.dashboards.programme import FiguredEngagement

EXPORT_FORMATS = ("csv", "xlsx")


def get_programme_for(user: User, slug: str) -> Programme:
    """A programme a lead or admin may read (any of them: leads are the central team)."""
    return get_object_or_404(Programme, slug=slug)


def windows_now() -> Windows:
    return Windows(timezone.localdate())


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """An htmx swap, not a history restore (which needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Pick a programme. 4 queries (session, user, roles, programmes with counts)."""
    return render(request, "engagements/dashboard-index.html",
                  {"programmes": list(programme_list(request.user))})


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
@vary_on_headers("HX-Request")
def programme_dashboard(request: AuthenticatedHttpRequest, programme: str) -> HttpResponse:
    """One row per place. 13 queries for the page, 10 for the htmx table fragment."""
    prog = get_programme_for(request.user, programme)
    w = windows_now()
    form = DashboardFilterForm(request.GET, choices=filter_choices(prog))
    values = form.values()
    qs = dashboard_queryset(prog, values, w)
    context = {
        "programme": prog, "form": form, "values": values, "windows": w,
        "breadth_columns": BREADTH_COLUMNS, "is_filtered": form.is_filtered,
        "selects": [{"name": name, "label": form[name].label,
                     "options_html": cells.select_options(form[name])}
                    for name in ("region", "status", "enabler", "theme", "sort")],
        "sort_label": SORTS[values["sort"]][0],
    }
    if wants_fragment(request):
        context["table"] = dashboard_page(qs, w, request.GET.get("page"),
                                          programme_slug=prog.slug)
        return render(request, "engagements/dashboard.html#dashboard-table", context)
    context["table"] = dashboard_page(qs, w, request.GET.get("page"),
                                      quiet=quiet_engagements(prog, w), programme_slug=prog.slug)
    context["headlines"] = headlines(prog, w)
    return render(request, "engagements/dashboard.html", context)


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def dashboard_export(request: AuthenticatedHttpRequest, programme: str,
                     fmt: str) -> HttpResponseBase:
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


def get_engagement_for(user: User, programme: str, place: str, w: Windows
                       ) -> FiguredEngagement:
    """The place's engagement in the programme, or 404 (unknown programme, place, or a place
    that is not in this programme)."""
    engagement = engagement_for(programme, place, w)
    if engagement is None:
        raise Http404("No such place in this programme.")
    return engagement


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
@vary_on_headers("HX-Request")
def place_page(request: AuthenticatedHttpRequest, programme: str, place: str) -> HttpResponse:
    """23 queries for the page (issue 17's history, diagnostic, the place's voice, context,
    other support and protocols, and issue 16's measures included; one more when its measures
    have values, one more with a pending proposal, up to three more when the place's voice has
    rounds, one fewer for a place with no board), 10 for the htmx timeline fragment (9 under a
    theme filter, which shows no status lines)."""
    """20 queries for the page (issue 17's history, context, other support and protocols and
    issue 16's measures included; one more when its measures have values, one more with a
    pending proposal, one fewer for a place with no board), 10 for the htmx timeline fragment
    (9 under a theme filter, which shows no status lines)."""
    w = windows_now()
    engagement = get_engagement_for(request.user, programme, place, w)
    theme = query_text(request.GET, "theme", max_length=100)
    since = query_date(request.GET, "since", today=w.today)
    page, entries = timeline_page(engagement, request.GET.get("page"), theme=theme, since=since)
    # Status changes on this page of the timeline (none under a theme filter: they have no
    # theme). One query, and one more past the first page (the previous page's oldest date).
    fragment = wants_fragment(request)
    history = None if fragment else lifecycle_reads.history_of(engagement)
    lines = [] if theme else lifecycle_reads.timeline_lines(
        engagement, page, [e.date for e in entries], getattr(page, "previous_last", None),
        since=since, history=history)
    context = {
        "engagement": engagement, "programme": engagement.programme, "place": engagement.place,
        "page": page, "entries": entries, "lines": lines,
        "entries_html": cells.timeline_rows(entries, lines),
        "theme": theme, "since": since, "windows": w,
    }
    if fragment:
        return render(request, "engagements/place.html#place-timeline", context)
    over_time = themes_over_time(engagement, w)
    board = board_of(engagement)
    in_room = quarter_breadth([engagement.pk], w)
    learning = learning_of(engagement)
    context.update({
        "summary": PlaceSummary(engagement, w),
        "assignments": enablers_of(engagement),
        "over_time": over_time,
        "chart": themes_chart(over_time),
        "theme_name": dict(over_time.all_themes).get(theme, theme),
        "outcomes": outcomes_of(engagement),
        "learning": learning[:LEARNING_SHOWN],
        "more_learning": len(learning) > LEARNING_SHOWN,
        "board": board,
        "in_room": in_room[engagement.pk],
        "coverage": sector_coverage(board, in_room[engagement.pk].sectors),
        # The lifecycle (issue 17): the steps open to it now, a pending proposal, its history.
        "steps": [{"step": s, "verb": VERBS[s]} for s in steps_from(engagement.status)],
        "proposal": lifecycle_reads.pending_proposal(engagement),
        "history": history,
        # Measures and their run charts (issue 16): two queries, whatever the series' length.
        "measure_charts": charts_of(engagement),
        # The diagnostic (issue 17, point 3): participants by role, and the place's record
        # when it chose to share it. Two queries.
        "diagnostic": diagnostic_reads.centre_view(engagement),
        # The place's own voice (issue 17): one query with no round, four at most.
        "voice": voice_reads.place_voice(engagement.pk,
                                         pulse_number=query_int(request.GET, "pulse",
                                                                highest=9999)),
        # Context, other support and the CQC asks (issue 17, points 6, 7): the context and
        # sponsor come with the engagement; the other support, and the protocols (with a
        # board), are a query each.
        "ctx": place_context_of(engagement.place, w.today),
    })
    return render(request, "engagements/place.html", context)


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def outcomes_export(request: AuthenticatedHttpRequest, programme: str, fmt: str
                    ) -> HttpResponseBase:
    """The programme's confirmed outcomes (never a draft) as CSV or XLSX, with the same
    formula and character guards as the other downloads."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format.")
    prog = get_programme_for(request.user, programme)
    return exports.export_response(
        fmt, f"{prog.slug}-outcomes-{exports.stamp(windows_now())}", "Outcomes",
        outcome_reads.EXPORT_HEADER, outcome_reads.iter_export_rows(prog))


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def place_export(request: AuthenticatedHttpRequest, programme: str, place: str, fmt: str
                 ) -> HttpResponseBase:
    """The place's whole timeline, oldest first, as CSV or XLSX (500 sessions at a time)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format.")
    w = windows_now()
    engagement = get_engagement_for(request.user, programme, place, w)
    return exports.export_response(
        fmt,
        f"{engagement.programme.slug}-{engagement.place.slug}-timeline-{exports.stamp(w)}",
        "Timeline", exports.TIMELINE_HEADER, exports.timeline_rows(iter_timeline(engagement)),
    )


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
@vary_on_headers("HX-Request")
def heatmap(request: AuthenticatedHttpRequest, programme: str) -> HttpResponse:
    """Themes x places, last quarter. 10 queries for the page, 10 for the htmx fragment."""
    prog = get_programme_for(request.user, programme)
    w = windows_now()
    regions = region_choices(prog)
    region = query_text(request.GET, "region", max_length=100)
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
def caseload(request: AuthenticatedHttpRequest, programme: str) -> HttpResponse:
    """Each enabler's places and days this month against capacity. 7 queries."""
    prog = get_programme_for(request.user, programme)
    w = windows_now()
    page, rows = caseload_page(prog, w, request.GET.get("page"))
    return render(request, "engagements/caseload.html",
                  {"programme": prog, "windows": w, "page": page, "rows": rows,
                   "rows_html": cells.caseload_rows(rows, prog.slug)})
