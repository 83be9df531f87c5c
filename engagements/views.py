from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from fieldbook.access import role_required
from fieldbook.roles import Role
from fieldbook.views import placeholder


@require_GET
@role_required(Role.ENABLER)
def my_week(request: HttpRequest) -> HttpResponse:
    return placeholder(
        request,
        title="My week",
        issue=3,
        summary="Log this week's visits, see gaps and edit what you logged.",
    )


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def dashboard(request: HttpRequest) -> HttpResponse:
    return placeholder(
        request,
        title="Programme dashboard",
        issue=4,
        summary="Every place's progress across a programme, themes across places and learning.",
    )
