"""Manage → a place → Programmes → an engagement: its details, its enablers (assigning one,
ending an assignment) and its outcomes (recording one, changing one). Admins manage every
engagement, so one is found by its pk alone; an assignment or outcome is found through its
engagement, so a pk from another engagement is a 404. Sessions are not shown here at all."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import F, OrderBy, Prefetch, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from backoffice.forms import AssignmentAddForm, AssignmentEndForm, EngagementChangeForm, OutcomeForm
from backoffice.views._forms import posted as _posted
from backoffice.views._forms import stale_form
from enablers import services as assignments
from enablers.models import Assignment, Enabler
from engagements import manage
from engagements.models import Engagement, Outcome, Theme
from fieldbook.access import role_required
from fieldbook.errors import DomainError, StaleEditError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role


def _day(value: Any) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def get_engagement_for_admin(pk: int) -> Engagement:
    return get_object_or_404(Engagement.objects.select_related("programme", "place"), pk=pk)


def get_assignment_for_admin(engagement: Engagement, pk: int) -> Assignment:
    return get_object_or_404(Assignment.objects.select_related("enabler__user"),
                             pk=pk, engagement=engagement)


# An enabler's draft, or one awaiting or declined by the place, is the engagement's enablers'
# alone (engagements.outcomes): an admin sees what they recorded and what the place confirmed.
ADMIN_SEES = (Outcome.Status.RECORDED, Outcome.Status.CONFIRMED)


def get_outcome_for_admin(engagement: Engagement, pk: int) -> Outcome:
    return get_object_or_404(Outcome, pk=pk, engagement=engagement, status__in=ADMIN_SEES)


def _engagement_saved(engagement: Engagement) -> list[tuple[str, str]]:
    days = engagement.days_allocated
    return [("Status", engagement.get_status_display()), ("Focus", engagement.focus),
            ("Days allocated", "" if days is None else str(days)),
            ("Requested", _day(engagement.requested_on)),
            ("Started", _day(engagement.started_on)), ("Ended", _day(engagement.ended_on))]


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def engagement_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An engagement: its details (the form), its enablers, its outcomes. The same number of
    queries however many assignments, outcomes, themes and sessions it has."""
    engagement = get_engagement_for_admin(pk)

    def bind(data: QueryDict | None) -> EngagementChangeForm:
        return EngagementChangeForm(data, initial=EngagementChangeForm.initial_for(engagement))

    form = bind(_posted(request))
    saved: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            manage.engagement_change(
                actor=request.user, engagement=engagement, seen=data["seen"],
                status=data["status"], focus=data["focus"],
                days_allocated=data["days_allocated"], requested_on=data["requested_on"],
                started_on=data["started_on"], ended_on=data["ended_on"])
        except StaleEditError as stale:
            current = stale.current
            assert isinstance(current, Engagement)
            posted = request.POST.copy()
            posted["seen"] = str(current.version)  # saving again now replaces their version
            form = bind(posted)
            form.is_valid()
            form.add_error(None, str(stale))
            saved = _engagement_saved(current)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved {engagement.programme} at {engagement.place}.")
            return redirect("backoffice:engagement-edit", pk=engagement.pk)
    current_first: list[str | OrderBy] = [F("ended_on").desc(nulls_first=True), "role",
                                          "started_on", "pk"]
    return render(request, "backoffice/engagement-edit.html", {
        "engagement": engagement, "place": engagement.place, "form": form, "saved": saved,
        "assignments": Assignment.objects.filter(engagement=engagement)
        .select_related("enabler__user").order_by(*current_first),
        "outcomes": Outcome.objects.filter(engagement=engagement, status__in=ADMIN_SEES)
        .prefetch_related(Prefetch("themes", queryset=Theme.objects.order_by("name")))
        .order_by("-recorded_on", "-pk"),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def assignment_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An enabler joins the engagement as its lead or in support (active enablers not on the
    engagement now)."""
    engagement = get_engagement_for_admin(pk)
    enablers = list(Enabler.objects.filter(is_active=True)
                    .exclude(assignments__engagement=engagement,
                             assignments__ended_on__isnull=True)
                    .select_related("user").order_by("user__first_name", "user__last_name",
                                                     "pk"))
    has_lead = Assignment.objects.filter(engagement=engagement, role=Assignment.Role.LEAD,
                                         ended_on__isnull=True).exists()
    initial = {"role": Assignment.Role.SUPPORTING if has_lead else Assignment.Role.LEAD,
               "started_on": engagement.started_on}
    form = AssignmentAddForm(_posted(request), initial=initial, enablers=enablers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {e.pk: e for e in enablers}
        try:
            assignment = assignments.assignment_add(
                actor=request.user, engagement=engagement, enabler=by_pk.get(data["enabler"]),
                role=data["role"], started_on=data["started_on"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{assignment.enabler.display_name} is assigned as "
                                      f"{assignment.get_role_display().lower()}.")
            return redirect("backoffice:engagement-edit", pk=engagement.pk)
    return render(request, "backoffice/assignment-add.html", {
        "engagement": engagement, "form": form, "has_enablers": bool(enablers),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def assignment_end(request: AuthenticatedHttpRequest, pk: int, assignment: int) -> HttpResponse:
    """End an assignment on a date: it stays in the engagement's history."""
    engagement = get_engagement_for_admin(pk)
    current = get_assignment_for_admin(engagement, assignment)

    def bind(data: QueryDict | None) -> AssignmentEndForm:
        return AssignmentEndForm(data, initial={"seen": AssignmentEndForm.seen_of(current)})

    form = bind(_posted(request))
    saved: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            assignments.assignment_end(actor=request.user, assignment=current,
                                       seen=form.cleaned_data["seen"],
                                       ended_on=form.cleaned_data["ended_on"])
        except StaleEditError as stale:
            form = stale_form(request, stale, bind)
            now = get_assignment_for_admin(engagement, current.pk)
            saved = [("Role", now.get_role_display()), ("Started", _day(now.started_on)),
                     ("Ended", _day(now.ended_on))]
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Ended {current.enabler.display_name}'s assignment.")
            return redirect("backoffice:engagement-edit", pk=engagement.pk)
    return render(request, "backoffice/assignment-end.html", {
        "engagement": engagement, "assignment": current, "form": form, "saved": saved,
    })


def _outcome_page(request: AuthenticatedHttpRequest, engagement: Engagement,
                  outcome: Outcome) -> HttpResponse:
    changing = outcome.pk is not None
    # Active themes, and any the outcome already has (so changing it never drops one silently).
    themes = list(Theme.objects.filter(Q(is_active=True) | Q(outcomes=outcome) if changing
                                       else Q(is_active=True)).distinct().order_by("name"))
    initial = OutcomeForm.initial_for(outcome) if changing else {}

    def bind(data: QueryDict | None) -> OutcomeForm:
        return OutcomeForm(data, initial=initial, themes=themes, changing=changing)

    form = bind(_posted(request))
    saved: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [t for t in themes if t.pk in set(data["themes"])]
        fields = {"kind": data["kind"], "recorded_on": data["recorded_on"],
                  "title": data["title"], "description": data["description"],
                  "measure": data["measure"], "themes": chosen}
        try:
            if changing:
                result = manage.outcome_change(actor=request.user, outcome=outcome,
                                               seen=data["seen"], **fields)
            else:
                result = manage.outcome_record(actor=request.user, engagement=engagement,
                                               **fields)
        except StaleEditError as stale:
            form = stale_form(request, stale, bind)
            now = get_outcome_for_admin(engagement, outcome.pk)
            saved = [("Kind", now.get_kind_display()), ("Recorded", _day(now.recorded_on)),
                     ("Title", now.title), ("Description", now.description),
                     ("Measure", now.measure),
                     ("Themes", ", ".join(t.name for t in now.themes.order_by("name")))]
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f'Saved the outcome "{result.title}".')
            return redirect("backoffice:engagement-edit", pk=engagement.pk)
    return render(request, "backoffice/outcome-edit.html", {
        "engagement": engagement, "outcome": outcome, "form": form, "saved": saved,
        "title": "Change the outcome" if changing else "Record an outcome",
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def outcome_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _outcome_page(request, get_engagement_for_admin(pk), Outcome())


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def outcome_edit(request: AuthenticatedHttpRequest, pk: int, outcome: int) -> HttpResponse:
    engagement = get_engagement_for_admin(pk)
    return _outcome_page(request, engagement, get_outcome_for_admin(engagement, outcome))
