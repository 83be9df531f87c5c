"""The lifecycle's pages.

Public (no account): a programme's request page, ``/request/<programme>/``, and its "sent"
page. Leads and admins: the programme's triage list (requests by region, and those awaiting a
decision), deciding on one request, each lifecycle step of an engagement (a confirm page with
the step's fields: every step is a POST from it, so it works without JavaScript), and deciding
on an enabler's proposal. Enablers: proposing a pause or postponement of an engagement they
work on now (anyone else's is 404). Query counts are fixed (tests/test_lifecycle.py).
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from enablers.models import Enabler
from engagements.dashboards.definitions import paginate
from engagements.lifecycle import reads, services, support
from engagements.lifecycle.forms import DecisionForm, ProposalForm, StepForm, SupportRequestForm
from engagements.lifecycle.models import Proposal, StatusChange, SupportRequest
from engagements.models import Engagement, Programme
from fieldbook.access import public, role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest, HtmxHttpRequest
from fieldbook.roles import Role
from fieldbook.security import client_ip

# The steps a lead takes from the place page (a request is made by the place, not here).
PAGE_STEPS = tuple(s for s in services.STEPS)


def _open_programme(slug: str) -> Programme:
    """A programme that takes requests: any not yet ended."""
    today = timezone.localdate()
    return get_object_or_404(Programme.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)), slug=slug)


@require_http_methods(["GET", "POST"])
@public
def request_support(request: HtmxHttpRequest, programme: str) -> HttpResponse:
    """The page a programme publishes for places to ask for support. No account."""
    prog = _open_programme(programme)
    form = SupportRequestForm(request.POST or None)
    refused = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            support.support_request_submit(programme=prog, client_ip=client_ip(request),
                                           data=support.RequestInput(
                place=d["place"], new_place_name=d["new_place_name"], region=d["region"],
                contact_name=d["contact_name"], contact_role=d["contact_role"],
                organisation=d["organisation"], email=d["email"], help_with=d["help_with"],
                why_now=d["why_now"], asked_on=d["asked_on"], honeypot=d["website"]))
        except (support.RateLimited, support.HoneypotFilled) as error:
            refused = error.messages[0]
        except DomainError as error:
            errors_to_form(form, error)
        else:
            return redirect("engagements:request-sent", programme=prog.slug)
    status = 429 if refused and request.method == "POST" and "hour" in refused else 200
    return render(request, "engagements/lifecycle/request.html",
                  {"form": form, "programme": prog, "refused": refused}, status=status)


@require_GET
@public
def request_sent(request: HtmxHttpRequest, programme: str) -> HttpResponse:
    prog = _open_programme(programme)
    return render(request, "engagements/lifecycle/request-sent.html", {"programme": prog})


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def triage(request: AuthenticatedHttpRequest, programme: str) -> HttpResponse:
    """Requests by region, those awaiting triage (oldest first), and enablers' proposals
    awaiting a decision. 8 queries (session, user, roles, programme, regions' counts, the
    page's count and rows, proposals)."""
    prog = get_object_or_404(Programme, slug=programme)
    page = paginate(reads.triage_queryset(prog), request.GET.get("page"))
    return render(request, "engagements/lifecycle/triage.html", {
        "programme": prog, "page": page, "by_region": reads.requests_by_region(prog),
        "proposals": reads.pending_proposals(prog),
        "request_url": request.build_absolute_uri(
            reverse("engagements:request-support", args=[prog.slug]))})


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def triage_decide(request: AuthenticatedHttpRequest, programme: str, pk: int) -> HttpResponse:
    prog = get_object_or_404(Programme, slug=programme)
    found = get_object_or_404(SupportRequest.objects.select_related("place", "region"),
                              pk=pk, programme=prog)
    if found.state != SupportRequest.State.PENDING:
        flash.info(request, f"That request was already {found.get_state_display().lower()}.")
        return redirect("engagements:triage", programme=prog.slug)
    form = DecisionForm(request.POST or None, for_request=True,
                        initial={"seen": found.version, "start_as": "diagnostic"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["seen"] != found.version:
                raise DomainError("This request was changed since you opened it. Nothing "
                                  "has been changed by you.")
            if d["decision"] == "accept":
                engagement = support.support_request_accept(
                    actor=request.user, request=found, seen=d["seen"],
                    start_as=d["start_as"] or "", days_allocated=d["days_allocated"])
                flash.success(request, f"Accepted: {engagement.place} is now in "
                                       f"{prog} ({engagement.get_status_display().lower()}).")
                return redirect("engagements:place", programme=prog.slug,
                                place=engagement.place.slug)
            support.support_request_decline(actor=request.user, request=found,
                                            seen=d["seen"], reason=d["reason"])
            flash.success(request, "Declined. The person who asked is emailed your reason.")
            return redirect("engagements:triage", programme=prog.slug)
        except DomainError as error:
            errors_to_form(form, error)
    return render(request, "engagements/lifecycle/triage-decide.html",
                  {"form": form, "programme": prog, "req": found})


def _engagement(programme: str, place: str) -> Engagement:
    return get_object_or_404(Engagement.objects.select_related("programme", "place"),
                             programme__slug=programme, place__slug=place)


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def lifecycle_step(request: AuthenticatedHttpRequest, programme: str, place: str,
                   step: str) -> HttpResponseBase:
    """Confirm one step (with its fields), then take it. A step the engagement's status does
    not allow is explained, not offered."""
    if step not in PAGE_STEPS:
        raise Http404("No such step.")
    engagement = _engagement(programme, place)
    form = StepForm(request.POST or None, step=step,
                    initial={"seen": engagement.version,
                             "days_allocated": engagement.days_allocated})
    allowed = engagement.status in services.STEPS[step].froms
    refusal = "" if allowed else (
        f"{services.VERBS[step]} is not possible for an engagement that is "
        f"{engagement.get_status_display().lower()}.")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        common = {"actor": request.user, "engagement": engagement, "seen": d["seen"]}
        try:
            if step == StatusChange.Step.DIAGNOSTIC:
                services.engagement_start_diagnostic(**common)
            elif step == StatusChange.Step.ACTIVATED:
                services.engagement_activate(**common)
            elif step in (StatusChange.Step.PAUSED, StatusChange.Step.POSTPONED):
                services.engagement_pause(**common, reason=d["reason"], step=step,
                                          expected_resume_on=d["expected_resume_on"])
            elif step == StatusChange.Step.RESUMED:
                services.engagement_resume(**common, reason=d.get("reason", ""))
            elif step == StatusChange.Step.CLOSED:
                services.engagement_close(**common, reflection=d["reflection"])
            else:
                services.engagement_days_change(**common, days_allocated=d["days_allocated"],
                                                reason=d.get("reason", ""))
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, f"{StatusChange.Step(step).label}: {engagement.place}.")
            return redirect(reverse("engagements:place", args=[programme, place])
                            + "#lifecycle")
    return render(request, "engagements/lifecycle/step.html", {
        "form": form, "engagement": engagement, "programme": engagement.programme,
        "place": engagement.place, "step": step, "verb": services.VERBS[step],
        "allowed": allowed, "refusal": refusal, "label": StatusChange.Step(step).label})


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def proposal_decide(request: AuthenticatedHttpRequest, programme: str, place: str,
                    pk: int) -> HttpResponseBase:
    engagement = _engagement(programme, place)
    proposal = get_object_or_404(Proposal.objects.select_related("proposed_by"), pk=pk,
                                 engagement=engagement, state=Proposal.State.PENDING)
    form = DecisionForm(request.POST or None, for_request=False,
                        initial={"seen": engagement.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["decision"] == "accept":
                services.proposal_accept(actor=request.user, proposal=proposal,
                                         seen=d["seen"])
                flash.success(request, "Accepted: the engagement is paused.")
            else:
                services.proposal_decline(actor=request.user, proposal=proposal,
                                          reason=d["reason"])
                flash.success(request, "Declined. The enabler sees your reason.")
        except DomainError as error:
            if "reason" in error.field_errors or "decline_reason" in error.field_errors:
                error.field_errors = {"reason": error.field_errors.get(
                    "decline_reason", error.field_errors.get("reason", []))}
            errors_to_form(form, error)
        else:
            return redirect(reverse("engagements:place", args=[programme, place])
                            + "#lifecycle")
    return render(request, "engagements/lifecycle/proposal-decide.html", {
        "form": form, "engagement": engagement, "programme": engagement.programme,
        "place": engagement.place, "proposal": proposal})


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
def proposal_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """An enabler proposes to pause or postpone an engagement they work on now."""
    try:
        enabler = request.user.enabler
    except Enabler.DoesNotExist:
        raise Http404("No enabler profile for this account.") from None
    engagement = get_object_or_404(
        Engagement.objects.assigned_to(enabler).select_related("programme", "place"), pk=pk)
    pending = reads.pending_proposal(engagement)
    # What became of their last proposal here, with a lead's reason if it was declined.
    decided = (Proposal.objects.filter(engagement=engagement, proposed_by=request.user)
               .exclude(state=Proposal.State.PENDING).order_by("-decided_at", "-pk").first())
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.proposal_create(actor=request.user, engagement=engagement, kind=d["kind"],
                                     reason=d["reason"],
                                     expected_resume_on=d["expected_resume_on"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, "Your proposal was sent to the programme's leads.")
            return redirect("engagements:my-week")
    return render(request, "engagements/lifecycle/propose.html", {
        "form": form, "engagement": engagement, "pending": pending, "decided": decided})
