"""The open-data export of a programme (issue 18, point 6): the API's aggregates as CSV (one row
per place's engagement) and JSON (the programme's figures, its places with their organisations'
ODS codes, each engagement's activity, and its published learning as counts), for a lead to
publish. Non-personal by construction: the same reads as the API (``reads``), so no private
note, next step, free text or person, and counts of 1 or 2 read "fewer than 3".

Who may download it: programme leads and admins (signed in, second factor), not the public. A
lead decides what the programme publishes and where; the file is made so that it can be
published as it is. Rows are read 500 at a time: a fixed number of queries per 500.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from engagements.api import reads
from engagements.api import schemas as s
from engagements.dashboards.exports import csv_response
from engagements.models import Programme
from fieldbook.access import role_required
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role
from places.models import Organisation

FORMATS = ("csv", "json")
BATCH = 500
NOTE = ("Non-personal figures from Fieldbook. Counts of 1 or 2 are shown as \"fewer than 3\" "
        "(value null), and where parts are shown with their total more may be \"not shown\", so "
        "that no small count can be worked out.")

HEADER = [
    "Programme", "Place", "Region", "ODS codes", "Status", "Requested on", "Started on",
    "Ended on", "Days allocated", "Held sessions to date", "Days to date", "Last session held",
    "Themes to date (held sessions)", "Sectors in the room, last quarter",
]


def _ods_codes(place_ids: list[int]) -> dict[int, list[str]]:
    through = Organisation.places.through
    found: dict[int, list[str]] = defaultdict(list)
    for place_id, code in (through.objects.filter(place_id__in=place_ids)
                           .exclude(organisation__ods_code="")
                           .values_list("place_id", "organisation__ods_code")
                           .order_by("organisation__ods_code")):
        found[place_id].append(code)
    return found


def engagement_batches(programme: Programme
                       ) -> Iterator[list[tuple[s.EngagementOut, list[str]]]]:
    """The programme's engagements, ``BATCH`` at a time, with their places' ODS codes."""
    rows = reads.engagements_of(programme)
    start = 0
    while batch := list(rows[start:start + BATCH]):
        codes = _ods_codes([e.place_id for e in batch])
        yield list(zip(reads.engagements_out(batch),
                       [codes.get(e.place_id, []) for e in batch], strict=True))
        start += BATCH


def _csv_rows(programme: Programme) -> Iterator[list[Any]]:
    for batch in engagement_batches(programme):
        for e, codes in batch:
            yield [
                programme.name, e.place_name, e.region, "; ".join(codes), e.status,
                e.requested_on, e.started_on, e.ended_on, e.days_allocated,
                e.activity.held_sessions.text, e.activity.days_used, e.activity.last_held_on,
                "; ".join(f"{t.name}: {t.sessions.text}" for t in e.themes),
                "; ".join(e.last_quarter.sectors),
            ]


def open_data(programme: Programme) -> dict[str, Any]:
    places = reads.places_of(programme)
    return {
        "note": NOTE,
        "generated_on": timezone.localdate().isoformat(),
        "programme": reads.programme_aggregate(programme).model_dump(mode="json"),
        "places": [reads.place_out(p).model_dump(mode="json")
                   for start in range(0, places.count(), BATCH)
                   for p in places[start:start + BATCH]],
        "engagements": [e.model_dump(mode="json")
                        for batch in engagement_batches(programme) for e, _ in batch],
        "learning": reads.learning_published(programme).model_dump(mode="json"),
    }


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def open_data_export(request: AuthenticatedHttpRequest, programme: str,
                     fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404("Unknown open-data format.")
    prog = get_object_or_404(Programme, slug=programme)
    name = f"{prog.slug}-open-data-{timezone.localdate().isoformat()}"
    if fmt == "csv":
        return csv_response(f"{name}.csv", HEADER, _csv_rows(prog))
    response = HttpResponse(json.dumps(open_data(prog), indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response
