"""The question pages for the engagement and its enablers, and the review page that saves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from backoffice import onboarding as flow
from backoffice.forms import EnablersForm, EngagementForm
from backoffice.views.onboarding.steps import apply_errors, payload_copy, step_url
from enablers.capacity import month_capacity
from enablers.models import Enabler
from engagements.models import Programme
from fieldbook.errors import DomainError
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.units import minutes_to_days, month_first, month_last
from places.models import OnboardingDraft


def engagement_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    programmes = list(Programme.objects.order_by("-starts_on", "name"))
    answers = draft.payload.get("engagement") or {}
    if request.method == "POST":
        form = EngagementForm(request.POST, programmes=programmes)
        valid = form.is_valid()
        # The rules run on whatever parsed, so a bad number and a future date show together.
        errors = flow.engagement_check(form.to_answers(), today=timezone.localdate())
        apply_errors(form, {name: msgs for k, msgs in errors.items()
                            if (name := "programme" if k == "programme_id" else k)
                            not in form.errors})
        if valid:
                payload = payload_copy(draft)
                payload["engagement"] = form.to_answers()
                flow.onboarding_draft_save(draft=draft, payload=payload, done="engagement")
                return redirect(ctx["next_url"])
    else:
        form = EngagementForm(initial={
            "programme": answers.get("programme_id"),
            "requested_on": answers.get("requested_on") or None,
            "status": answers.get("status") or "requested",
            "started_on": answers.get("started_on") or None,
            "focus": answers.get("focus", ""),
            "days_allocated": answers.get("days_allocated") or None,
        }, programmes=programmes)
    return render(request, "backoffice/onboard-engagement.html", {**ctx, "form": form})


def enablers_with_caseload(*, region_id: int | None, today: dt.date) -> list[dict[str, Any]]:
    """Active enablers, those covering the place's region first, each with their caseload this
    month against their capacity. One query, however many enablers and sessions."""
    month_start, month_end = month_first(today), month_last(today)
    enablers = Enabler.objects.filter(is_active=True).select_related("user").with_caseload(
        month_start=month_start, month_end=month_end,
    ).annotate(
        in_region=Exists(Enabler.regions.through.objects.filter(
            enabler=OuterRef("pk"), region_id=region_id or 0)),
    ).order_by("-in_region", "user__first_name", "user__last_name")
    rows = []
    for enabler in enablers:
        capacity = month_capacity(enabler.capacity_days_per_week, today)
        days = minutes_to_days(enabler.minutes_in_month)
        rows.append({
            "enabler": enabler,
            "days_this_month": days,
            "capacity_this_month": capacity,
            "over_capacity": days > capacity,
            "invited": not enabler.user.is_active,
        })
    return rows


def enablers_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    today = timezone.localdate()
    rows = enablers_with_caseload(
        region_id=(draft.payload.get("place") or {}).get("region_id"), today=today)
    ids = [row["enabler"].pk for row in rows]
    answers = draft.payload.get("enablers") or {}
    if request.method == "POST":
        form = EnablersForm(request.POST, enabler_ids=ids)
        if form.is_valid():
            chosen = {"lead_id": form.cleaned_data["lead"],
                      "supporting_ids": form.cleaned_data["supporting"]}
            errors = flow.enablers_check(chosen)
            apply_errors(form, errors)
            if not errors:
                payload = payload_copy(draft)
                payload["enablers"] = chosen
                flow.onboarding_draft_save(draft=draft, payload=payload, done="enablers")
                return redirect(ctx["next_url"])
    else:
        form = EnablersForm(initial={"lead": answers.get("lead_id"),
                                     "supporting": answers.get("supporting_ids") or []},
                            enabler_ids=ids)
    lead_value = str(form["lead"].value() or "")
    supporting_values = {str(v) for v in (form["supporting"].value() or [])}
    # Nationally there may be hundreds of enablers: show those covering the region (and any
    # already chosen) unless asked for everyone, or unless nobody covers the region.
    show_all = request.GET.get("all") == "1"
    shown = rows
    if not show_all:
        chosen_pks = {lead_value, *supporting_values}
        shown = [r for r in rows
                 if r["enabler"].in_region or str(r["enabler"].pk) in chosen_pks]
        if not shown:
            shown, show_all = rows, True
    all_url = step_url(draft, "enablers", change=ctx["change"], all="1")
    return render(request, "backoffice/onboard-enablers.html", {
        **ctx, "form": form, "rows": shown, "month": today, "total": len(rows),
        "show_all": show_all, "all_url": all_url,
        "lead_value": lead_value, "supporting_values": supporting_values,
    })


def review_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    today = timezone.localdate()
    errors: flow.Errors = {}
    if request.method == "POST":
        try:
            place = flow.locality_onboard(actor=request.user, draft=draft, today=today)
        except DomainError as exc:
            errors = exc.field_errors
            if not OnboardingDraft.objects.filter(pk=draft.pk).exists():
                messages.info(request, exc.messages[0])
                return redirect("backoffice:onboard")
        else:
            return redirect("backoffice:onboard-done", pk=place.pk)
    else:
        errors = flow.draft_check(draft.payload, today=today)
    resolved = flow.draft_resolve(draft.payload)
    section_urls = {name: step_url(draft, name, change=True) for name, _ in flow.SECTIONS}
    error_list = [
        (section_urls.get(section or "", section_urls["place"]), message)
        for section, msgs in errors.items() for message in msgs
    ]
    return render(request, "backoffice/onboard-review.html", {
        **ctx, "resolved": resolved, "error_list": error_list, "urls": section_urls,
        "members": resolved.members_with_organisations(),
        "show_errors": request.method == "POST" or bool(resolved.done),
    })
