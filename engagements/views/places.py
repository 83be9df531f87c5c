"""A place's page within a programme, and its timeline export. Leads and admins only.

Never private notes and never next steps: the selectors in engagements.dashboard.place read
named columns only. With htmx, the timeline's filter and pages swap only the timeline
(``engagements/place.html#place-timeline``).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fieldbook.access import role_required
from fieldbook.roles import Role

from .. import exports
from ..dashboard.charts import themes_chart
from ..dashboard.common import Windows, sectors_in_room
from ..dashboard.place import (
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
from ..models import Engagement
from .dashboard import EXPORT_FORMATS, wants_fragment, windows_now


def get_engagement_for(user: object, programme: str, place: str, w: Windows) -> Engagement:
    """The place's engagement in the programme, or 404 (unknown programme, place, or a place
    that is not in this programme)."""
    engagement = engagement_for(programme, place, w)
    if engagement is None:
        raise Http404("No such place in this programme.")
    return engagement


def _since(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
@vary_on_headers("HX-Request")
def place_page(request: HttpRequest, programme: str, place: str) -> HttpResponse:
    """16 queries for the page, 8 for the htmx timeline fragment."""
    w = windows_now()
    engagement = get_engagement_for(request.user, programme, place, w)
    theme = request.GET.get("theme", "")[:100]
    since = _since(request.GET.get("since"))
    page, entries = timeline_page(engagement, request.GET.get("page"), theme=theme, since=since)
    context = {
        "engagement": engagement, "programme": engagement.programme, "place": engagement.place,
        "page": page, "entries": entries, "theme": theme, "since": since, "windows": w,
    }
    if wants_fragment(request):
        return render(request, "engagements/place.html#place-timeline", context)
    over_time = themes_over_time(engagement, w)
    board = board_of(engagement)
    in_room = sectors_in_room([engagement.pk], since=w.quarter_from, today=w.today)
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
    })
    return render(request, "engagements/place.html", context)


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def place_export(request: HttpRequest, programme: str, place: str, fmt: str
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
