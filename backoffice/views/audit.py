"""The audit log: every state change the services recorded, newest first, for admins, told in
words (backoffice.audit_trail), filterable and exportable."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from backoffice import audit_trail
from backoffice.audit_trail import Filters
from engagements.dashboards.exports import export_response
from fieldbook.access import role_required
from fieldbook.audit import audit_record
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.params import BadParameter, query_text
from fieldbook.roles import Role
from places.models import Place

PAGE_SIZE = 50
# Filter by the first part of the dotted action name. A fixed list: a DISTINCT over millions of
# audit rows would be the slowest query on the page.
AREAS = [
    ("", "Everything"),
    ("places.place.", "Places and onboarding"),
    ("places.import.", "Spreadsheet imports"),
    ("accounts.", "Users, roles and invitations"),
    ("places.", "Regions, systems and organisations"),
    ("engagements.", "Engagements, sessions, themes and programmes"),
    ("enablers.", "Enabler assignments"),
]


@require_GET
@role_required(Role.ADMIN)
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A fixed number of queries for any page and any filters (tests/test_audit_page.py): the
    signed-in user's session, user and roles, the places (for the filter, and the rows' place
    names), the count, the page of events with their actors, then at most three lookups for the
    words, only for the kinds of record on the page (backoffice.audit_trail.describe)."""
    filters = Filters.from_query(request.GET, areas=dict(AREAS))
    page = Paginator(audit_trail.events_for(filters), PAGE_SIZE).get_page(
        request.GET.get("page"))  # get_page: a bad or past-the-end number shows a real page
    places = list(Place.objects.order_by("name").values_list("pk", "name"))
    return render(request, "backoffice/audit.html", {
        "page": page, "lines": audit_trail.describe(page.object_list, place_names=dict(places)),
        "areas": AREAS, "filters": filters, "querystring": filters.querystring(),
        "records": [(value, label) for value, label, _ in audit_trail.RECORDS],
        "done_choices": [(value, label) for value, label, _ in audit_trail.DONE],
        "places": places,
    })


@require_GET
@role_required(Role.ADMIN)
def audit_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse | FileResponse:
    """The filtered trail as CSV or XLSX, through the dashboards' spreadsheet guards (formulas
    neutralised, characters a file cannot hold removed; engagements.dashboards.exports). Read in
    batches of 500: flat memory and a few queries a batch. The export is itself audited."""
    fmt = query_text(request.GET, "format", max_length=10) or "csv"
    if fmt not in ("csv", "xlsx"):
        raise BadParameter("“format” must be csv or xlsx.")
    filters = Filters.from_query(request.GET, areas=dict(AREAS))
    audit_record(actor=request.user, action="fieldbook.audit.exported",
                 changes={"format": fmt, "filters": filters.querystring().rstrip("&")})
    events = audit_trail.events_for(filters)
    stamp = timezone.localdate().isoformat()
    return export_response(fmt, f"fieldbook-audit-{stamp}", "Audit trail",
                           audit_trail.EXPORT_HEADER, audit_trail.export_rows(events))
