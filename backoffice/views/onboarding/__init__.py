"""Onboard a locality: one question page at a time, a review page, one save.

Every page is a plain GET/POST (JavaScript off works); answers go into the admin's draft after
each page, so the back link, the browser's back button and signing out lose nothing. The
organisation search also answers htmx with just its results list.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from backoffice import onboarding as flow
from backoffice.views.onboarding.pages import (
    add_member_page,
    board_page,
    members_page,
    new_organisation_page,
    organisations_page,
    paste_members_page,
    place_page,
)
from backoffice.views.onboarding.steps import PAGES, SUB_PAGES, get_draft_for, resume_page, step_url
from backoffice.views.onboarding.team import enablers_page, engagement_page, review_page
from fieldbook.access import role_required
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role
from places.models import OnboardingDraft, Place

HANDLERS: dict[str, Callable[..., HttpResponse]] = {
    "place": place_page,
    "organisations": organisations_page,
    "new-organisation": new_organisation_page,
    "board": board_page,
    "members": members_page,
    "add-member": add_member_page,
    "paste-members": paste_members_page,
    "engagement": engagement_page,
    "enablers": enablers_page,
    "review": review_page,
}


# ---- start, discard, done ---------------------------------------------------------------------


@require_GET
@role_required(Role.ADMIN)
def onboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start page: the guided flow, the spreadsheet import, and the admin's unfinished drafts."""
    drafts = OnboardingDraft.objects.filter(owner=request.user)[:20]
    return render(request, "backoffice/onboard-start.html", {
        "drafts": [(d, step_url(d, resume_page(d))) for d in drafts],
    })


@require_POST
@role_required(Role.ADMIN)
def onboard_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    draft = flow.onboarding_draft_start(actor=request.user)
    return redirect(step_url(draft, "place"))


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def onboard_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draft = get_draft_for(request.user, pk)
    if request.method == "POST":
        name = str(draft)
        flow.onboarding_draft_discard(draft=draft)
        messages.success(request, f"The draft for {name} was discarded.")
        return redirect("backoffice:admin-home")
    return render(request, "backoffice/onboard-discard.html", {
        "draft": draft, "resume_url": step_url(draft, resume_page(draft)),
    })


@require_GET
@role_required(Role.ADMIN)
def onboard_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    place = get_object_or_404(
        Place.objects.select_related("region", "system", "board").annotate(
            n_organisations=Count("organisations", distinct=True),
            n_members=Count("board__memberships", distinct=True),
        ),
        pk=pk,
    )
    engagement = place.engagements.select_related("programme").order_by("-created_at").first()
    return render(request, "backoffice/onboard-done.html", {
        "place": place, "engagement": engagement,
        "team": list(engagement.assignments.select_related("enabler__user").order_by("role"))
        if engagement else [],
    })


# ---- the question pages -----------------------------------------------------------------------


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def onboard_step(request: AuthenticatedHttpRequest, pk: int, page: str) -> HttpResponse:
    if page not in PAGES:
        raise Http404("No such page.")
    draft = get_draft_for(request.user, pk)
    change = request.GET.get("change") == "1"
    section, back, forward = PAGES[page]
    if change and page not in SUB_PAGES:
        back, forward = "review", "review"
    ctx = {
        "draft": draft,
        "page": page,
        "change": change,
        "section_title": dict(flow.SECTIONS).get(section, "Check your answers"),
        "back_url": step_url(draft, back, change=change and page in SUB_PAGES)
        if back else reverse("backoffice:onboard"),
        "next_url": step_url(draft, forward, change=change and page in SUB_PAGES)
        if forward else "",
    }
    handler: Callable[..., HttpResponse] = HANDLERS[page]
    return handler(request, draft, ctx)
