"""Retention's pages, for the data-protection officer and admins (the reviewers): the review
queue (and asking for a disposal from it), one record's decision, a disposal's approval, the
destruction log, erasures of a person; and in the back office, the retention periods.

Each page costs a fixed number of queries whatever the size of the queue
(tests/test_retention_views.py). Nothing here shows a private note: a review item describes
its record by kind, place and date.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from engagements.dashboards.definitions import paginate
from engagements.retention import policies, services
from engagements.retention.forms import (
    ApprovalForm,
    DecisionForm,
    DisposalRequestForm,
    ErasureRequestForm,
    PolicyForm,
)
from engagements.retention.models import (
    DestructionEntry,
    Disposal,
    Erasure,
    RecordClass,
    RetentionPolicy,
    ReviewItem,
)
from fieldbook.access import role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role
from places.models import Person

REVIEWERS = (Role.DPO, Role.ADMIN)
PAGE = 50
TABS = (("due", "Due for review"), ("extended", "Kept longer"), ("held", "On legal hold"),
        ("disposal_requested", "Awaiting disposal"))


@require_http_methods(["GET", "POST"])
@role_required(*REVIEWERS)
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The review queue, one tab per state, oldest due first; from the "due" tab a reviewer
    chooses records and asks for their disposal (a second reviewer approves it)."""
    state = request.GET.get("state", "due")
    if state not in dict(TABS):
        state = "due"
    kind = request.GET.get("kind", "")
    items = ReviewItem.objects.filter(state=state).select_related("place")
    if kind in RecordClass.values:
        items = items.filter(record_class=kind)
    else:
        kind = ""
    page = paginate(items.order_by("due_on", "pk"), request.GET.get("page"), PAGE)
    posted: list[int] = []
    if request.method == "POST":
        posted = [int(v) for v in request.POST.getlist("items") if v.isdigit()][:1000]
        posted = list(ReviewItem.objects.filter(pk__in=posted).exclude(
            state=ReviewItem.State.DISPOSED).values_list("pk", flat=True))
    form = DisposalRequestForm(request.POST or None, item_ids=posted)
    if request.method == "POST" and form.is_valid():
        try:
            disposal = services.disposal_request(actor=request.user,
                                                 item_ids=form.cleaned_data["items"],
                                                 reason=form.cleaned_data["reason"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, "Disposal requested. Another reviewer must approve it "
                                   "before anything is destroyed.")
            return redirect("engagements:retention-disposal", pk=disposal.pk)
    counts = dict(ReviewItem.objects.exclude(state=ReviewItem.State.DISPOSED)
                  .values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    pending = list(Disposal.objects.filter(state=Disposal.State.REQUESTED)
                   .select_related("requested_by").annotate(n=Count("items"))
                   .order_by("created_at", "pk")[:20])
    query = "&".join(f"{k}={v}" for k, v in (("state", state), ("kind", kind)) if v)
    return render(request, "engagements/retention/queue.html", {
        "form": form, "page": page, "state": state, "kind": kind, "query": query,
        "tabs": [(code, label, counts.get(code, 0)) for code, label in TABS],
        "kinds": [(c, label) for c, label in RecordClass.choices if c in policies.DISPOSABLE],
        "pending": pending, "chosen": set(posted)})


@require_http_methods(["GET", "POST"])
@role_required(*REVIEWERS)
def item_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ReviewItem.objects.select_related("place", "decided_by"), pk=pk)
    decidable = item.state != ReviewItem.State.DISPOSED
    form = DecisionForm(request.POST or None, state=item.state,
                        initial={"version": item.version})
    if request.method == "POST" and not decidable:
        raise Http404  # a disposed record: nothing left to decide
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["decision"] == DecisionForm.EXTEND:
                services.review_extend(actor=request.user, item=item, version=d["version"],
                                       review_on=d.get("review_on"), reason=d["reason"])
                flash.success(request, f"Kept until {item.review_on:%-d %B %Y}.")
            elif d["decision"] == DecisionForm.HOLD:
                services.review_hold(actor=request.user, item=item, version=d["version"],
                                     reason=d["reason"])
                flash.success(request, "On legal hold: it cannot be disposed of until the "
                                       "hold is lifted.")
            else:
                services.review_hold_lift(actor=request.user, item=item, version=d["version"])
                flash.success(request, "Hold lifted: the record is due for review again.")
        except DomainError as error:
            errors_to_form(form, error)
        else:
            return redirect("engagements:retention-queue")
    return render(request, "engagements/retention/item.html", {
        "form": form, "item": item, "rule": policies.RULES[item.record_class],
        "decidable": decidable})


@require_http_methods(["GET", "POST"])
@role_required(*REVIEWERS)
def disposal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A disposal: what it would destroy, by class, and its approval by a second reviewer (or
    its withdrawal). Once approved, the job runs it and this page shows the log entries."""
    disposal = get_object_or_404(Disposal.objects.select_related("requested_by",
                                                                 "approved_by"), pk=pk)
    form = ApprovalForm(request.POST or None, initial={"version": disposal.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == ApprovalForm.APPROVE:
                services.disposal_approve(actor=request.user, disposal=disposal,
                                          version=d["version"])
                flash.success(request, "Approved. The disposal runs as a job: its entry in "
                                       "the destruction log appears when it is done.")
            else:
                services.disposal_withdraw(actor=request.user, disposal=disposal,
                                           version=d["version"])
                flash.success(request, "Withdrawn: its records are due for review again.")
        except DomainError as error:
            errors_to_form(form, error)
        else:
            return redirect("engagements:retention-disposal", pk=disposal.pk)
    by_class = list(disposal.items.values_list("record_class", "state")
                    .annotate(n=Count("pk")).order_by("record_class", "state"))
    labels = dict(RecordClass.choices)
    states = dict(ReviewItem.State.choices)
    return render(request, "engagements/retention/disposal.html", {
        "form": form, "disposal": disposal,
        "by_class": [(labels.get(c, c), states.get(s, s), n) for c, s, n in by_class],
        "items": list(disposal.items.select_related("place").order_by("due_on", "pk")[:PAGE]),
        "entries": list(disposal.entries.order_by("record_class")),
        "own": disposal.requested_by_id == request.user.pk})


@require_GET
@role_required(*REVIEWERS)
def destruction_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What was destroyed: class, how many, when, who asked and who approved. No records."""
    entries = DestructionEntry.objects.select_related("requested_by", "approved_by")
    page = paginate(entries.order_by("-destroyed_at", "-pk"), request.GET.get("page"), PAGE)
    return render(request, "engagements/retention/destruction-log.html", {"page": page})


@require_http_methods(["GET", "POST"])
@role_required(*REVIEWERS)
def erasures(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Erasure requests, newest first, and finding a person to ask for one (by name)."""
    q = request.GET.get("q", "").strip()[:100]
    found = list(Person.objects.filter(full_name__icontains=q).select_related("organisation")
                 .order_by("full_name", "pk")[:20]) if len(q) >= 2 else []
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = get_object_or_404(Person, pk=form.cleaned_data["person"])
        try:
            erasure = services.erasure_request(actor=request.user, person=person,
                                               reason=form.cleaned_data["reason"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, "Erasure requested. Another reviewer must approve it.")
            return redirect("engagements:retention-erasure", pk=erasure.pk)
    page = paginate(Erasure.objects.select_related("requested_by", "approved_by", "person")
                    .order_by("-created_at", "-pk"), request.GET.get("page"), PAGE)
    return render(request, "engagements/retention/erasures.html",
                  {"form": form, "q": q, "found": found, "page": page})


@require_http_methods(["GET", "POST"])
@role_required(*REVIEWERS)
def erasure_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    erasure = get_object_or_404(Erasure.objects.select_related(
        "person__organisation", "requested_by", "approved_by"), pk=pk)
    form = ApprovalForm(request.POST or None, initial={"version": erasure.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == ApprovalForm.APPROVE:
                services.erasure_approve(actor=request.user, erasure=erasure,
                                         version=d["version"])
                flash.success(request, f"Erased: the person is now \"{erasure.placeholder}\" "
                                       "everywhere in Fieldbook.")
            else:
                services.erasure_withdraw(actor=request.user, erasure=erasure,
                                          version=d["version"])
                flash.success(request, "Withdrawn.")
        except DomainError as error:
            errors_to_form(form, error)
        else:
            return redirect("engagements:retention-erasure", pk=erasure.pk)
    return render(request, "engagements/retention/erasure.html", {
        "form": form, "erasure": erasure, "own": erasure.requested_by_id == request.user.pk,
        "counts": {"memberships": erasure.person.memberships.count()}})


# ---- the back office: retention periods --------------------------------------------------------

@require_GET
@role_required(*REVIEWERS)
def policies_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    saved = {p.record_class: p for p in RetentionPolicy.objects.select_related("updated_by")}
    rows = [(rule, saved.get(code), policies.months_for(code, {
        c: p.period_months for c, p in saved.items()})) for code, rule in policies.RULES.items()]
    return render(request, "backoffice/retention-policies.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@role_required(*REVIEWERS)
def policy_edit(request: AuthenticatedHttpRequest, record_class: str) -> HttpResponse:
    rule = policies.RULES.get(record_class)
    if rule is None or rule.permanent:
        raise Http404
    months = policies.months_for(record_class)
    form = PolicyForm(request.POST or None, initial={"period_months": months})
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_change(actor=request.user, record_class=record_class,
                                   period_months=form.cleaned_data["period_months"],
                                   reason=form.cleaned_data["reason"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, f"Saved: {rule.record_class.label.lower()} are reviewed "
                                   f"{form.cleaned_data['period_months']} months after "
                                   f"{rule.clock}.")
            return redirect("backoffice:retention-policies")
    return render(request, "backoffice/retention-policy-edit.html",
                  {"form": form, "rule": rule, "months": months})
