"""The audit log: every state change the services recorded, newest first, for admins."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fieldbook.access import role_required
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.models import AuditEvent
from fieldbook.params import query_text
from fieldbook.roles import Role

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
    """Three queries for any page: the count, the page of events, and the signed-in user."""
    area = query_text(request.GET, "area", max_length=50)
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    if area in dict(AREAS) and area:
        events = events.filter(action__startswith=area)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(event, [(key, *_shown(value)) for key, value in (event.changes or {}).items()])
            for event in page.object_list]
    return render(request, "backoffice/audit.html", {
        "page": page, "rows": rows, "areas": AREAS, "area": area,
        "querystring": f"area={area}&" if area else "",
    })


def _shown(value: object) -> tuple[str, list[str]]:
    """(text, items): a list of more than two values comes back as items, for a bullet list."""
    if isinstance(value, list):
        if len(value) > 2:
            return "", [str(v) for v in value]
        return ", ".join(str(v) for v in value) or "none", []
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()), []
    if value is None or value == "":
        return "(empty)", []
    return str(value), []
