from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fieldbook.access import role_required
from fieldbook.roles import Role
from fieldbook.views import placeholder

from .models import Place


@require_GET
@role_required(Role.ADMIN)
def admin_home(request: HttpRequest) -> HttpResponse:
    """An admin's starting page: onboarding status at a glance and links to reference data."""
    return render(
        request,
        "places/admin-home.html",
        {"status_counts": Place.objects.status_counts()},
    )


@require_GET
@role_required(Role.ADMIN)
def onboard(request: HttpRequest) -> HttpResponse:
    return placeholder(
        request,
        title="Onboard a locality",
        issue=6,
        summary="A guided flow and a spreadsheet import for bringing new localities in.",
    )
