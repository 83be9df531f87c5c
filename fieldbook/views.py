from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .access import public, signed_in
from .roles import Role, user_roles

# Where each role starts. A user with several roles starts at the first that applies.
ROLE_START_PAGES: tuple[tuple[Role, str], ...] = (
    (Role.ADMIN, "places:admin-home"),
    (Role.LEAD, "engagements:dashboard"),
    (Role.ENABLER, "engagements:my-week"),
)


@require_GET
@signed_in
def home(request: HttpRequest) -> HttpResponse:
    held = user_roles(request.user)
    for role, url_name in ROLE_START_PAGES:
        if role in held:
            return redirect(url_name)
    return render(request, "fieldbook/home-no-role.html", status=200)


@require_GET
@public
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers and docker-compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def placeholder(request: HttpRequest, *, title: str, issue: int, summary: str) -> HttpResponse:
    """A page a later issue builds. It says so plainly rather than pretending to work."""
    return render(
        request,
        "fieldbook/placeholder.html",
        {"title": title, "issue": issue, "summary": summary},
    )
