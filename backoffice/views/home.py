from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from backoffice.views.onboarding.steps import resume_page, step_url
from fieldbook.access import role_required
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role
from places.models import OnboardingDraft, Place

DRAFTS_SHOWN = 20


@require_GET
@role_required(Role.ADMIN)
def admin_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An admin's starting page: onboarding at a glance, unfinished drafts, and links to users,
    reference data and the audit log. Five queries."""
    drafts = OnboardingDraft.objects.filter(owner=request.user)[:DRAFTS_SHOWN]
    return render(request, "backoffice/admin-home.html", {
        "status_counts": Place.objects.status_counts(),
        "drafts": [(d, step_url(d, resume_page(d))) for d in drafts],
    })
